import pyarrow as pa
import pytest

from brickyard.arrow.types import columns_of, parse_ddl, parse_type, type_name, type_text
from brickyard.domain.errors import InvalidInputError, InvalidNameError


@pytest.mark.parametrize(
    ("dtype", "text", "name"),
    [
        (pa.int64(), "bigint", "LONG"),
        (pa.int32(), "int", "INT"),
        (pa.float64(), "double", "DOUBLE"),
        (pa.string(), "string", "STRING"),
        (pa.large_string(), "string", "STRING"),
        (pa.bool_(), "boolean", "BOOLEAN"),
        (pa.date32(), "date", "DATE"),
        (pa.timestamp("us", tz="UTC"), "timestamp", "TIMESTAMP"),
        (pa.timestamp("us"), "timestamp_ntz", "TIMESTAMP_NTZ"),
        (pa.decimal128(10, 2), "decimal(10,2)", "DECIMAL"),
        (pa.list_(pa.string()), "array<string>", "ARRAY"),
        (pa.map_(pa.string(), pa.int32()), "map<string,int>", "MAP"),
        (pa.struct([("a", pa.int64()), ("b", pa.string())]), "struct<a:bigint,b:string>", "STRUCT"),
    ],
)
def test_arrow_types_read_as_spark_sql_types(dtype: pa.DataType, text: str, name: str) -> None:
    assert type_text(dtype) == text
    assert type_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "bigint",
        "int",
        "decimal(10,2)",
        "array<string>",
        "map<string,int>",
        "struct<a:bigint,b:string>",
        "timestamp",
        "date",
        "boolean",
        "double",
    ],
)
def test_type_text_round_trips(text: str) -> None:
    assert type_text(parse_type(text)) == text


def test_ddl_strings_become_schemas() -> None:
    schema = parse_ddl("id INT NOT NULL, name STRING COMMENT 'who, really', price DECIMAL(10,2)")
    assert schema.names == ["id", "name", "price"]
    assert schema.field("id").nullable is False
    assert schema.field("price").type == pa.decimal128(10, 2)
    assert schema.field("name").metadata == {b"comment": b"who, really"}


@pytest.mark.parametrize("ddl", ["id", "id INTT", "id decimal(50,2)", "id array<int"])
def test_bad_ddl_is_explained(ddl: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_ddl(ddl)


def test_ddl_column_names_follow_the_naming_rule() -> None:
    with pytest.raises(InvalidNameError):
        parse_ddl("select INT")


def test_columns_of_keeps_known_comments() -> None:
    columns = columns_of(pa.schema([("a", pa.int64()), ("b", pa.string())]), {"a": "key"})
    assert [(c.name, c.position, c.comment) for c in columns] == [("a", 0, "key"), ("b", 1, None)]


def test_spark_json_types_match_what_spark_writes() -> None:
    from brickyard.arrow.types import spark_json_type

    assert spark_json_type(pa.int64()) == "long"
    assert spark_json_type(pa.int32()) == "integer"
    assert spark_json_type(pa.decimal128(10, 2)) == "decimal(10,2)"
    assert spark_json_type(parse_type("map<array<int>,int>")) == {
        "type": "map",
        "keyType": {"type": "array", "elementType": "integer", "containsNull": True},
        "valueType": "integer",
        "valueContainsNull": True,
    }
    assert spark_json_type(parse_type("struct<a:bigint>")) == {
        "type": "struct",
        "fields": [{"name": "a", "type": "long", "nullable": True, "metadata": {}}],
    }
