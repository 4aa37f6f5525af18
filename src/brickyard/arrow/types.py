"""Arrow types <-> Spark SQL type text (what Unity Catalog shows as ``type_text``/``type_name``)."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

from brickyard.domain.catalog import ColumnInfo
from brickyard.domain.errors import InvalidInputError
from brickyard.domain.names import validate_part

_SIMPLE_TO_ARROW: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "bool": pa.bool_(),
    "tinyint": pa.int8(),
    "byte": pa.int8(),
    "smallint": pa.int16(),
    "short": pa.int16(),
    "int": pa.int32(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "long": pa.int64(),
    "float": pa.float32(),
    "real": pa.float32(),
    "double": pa.float64(),
    "string": pa.string(),
    "text": pa.string(),
    "binary": pa.binary(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "timestamp_ltz": pa.timestamp("us", tz="UTC"),
    "timestamp_ntz": pa.timestamp("us"),
}


def type_text(dtype: pa.DataType) -> str:
    """Spark SQL text of an Arrow type: ``bigint``, ``decimal(10,2)``, ``array<string>``."""
    if pa.types.is_boolean(dtype):
        return "boolean"
    for check, name in (
        (pa.types.is_int8, "tinyint"),
        (pa.types.is_int16, "smallint"),
        (pa.types.is_int32, "int"),
        (pa.types.is_int64, "bigint"),
        (pa.types.is_uint8, "smallint"),
        (pa.types.is_uint16, "int"),
        (pa.types.is_uint32, "bigint"),
        (pa.types.is_uint64, "decimal(20,0)"),
        (pa.types.is_float16, "float"),
        (pa.types.is_float32, "float"),
        (pa.types.is_float64, "double"),
        (pa.types.is_date, "date"),
        (pa.types.is_null, "void"),
    ):
        if check(dtype):
            return name
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or _is_view(dtype, "string"):
        return "string"
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype) or _is_view(dtype, "binary"):
        return "binary"
    if pa.types.is_fixed_size_binary(dtype):
        return "binary"
    if pa.types.is_timestamp(dtype):
        return "timestamp" if dtype.tz else "timestamp_ntz"
    if pa.types.is_decimal(dtype):
        return f"decimal({dtype.precision},{dtype.scale})"
    if (
        pa.types.is_list(dtype)
        or pa.types.is_large_list(dtype)
        or pa.types.is_fixed_size_list(dtype)
    ):
        return f"array<{type_text(dtype.value_type)}>"
    if pa.types.is_map(dtype):
        return f"map<{type_text(dtype.key_type)},{type_text(dtype.item_type)}>"
    if pa.types.is_struct(dtype):
        fields = ",".join(f"{f.name}:{type_text(f.type)}" for f in dtype)
        return f"struct<{fields}>"
    if pa.types.is_dictionary(dtype):
        return type_text(dtype.value_type)
    return str(dtype)


def type_name(text: str) -> str:
    """Unity Catalog's ``type_name`` (ColumnTypeName) for a Spark type text."""
    base = re.split(r"[<(]", text, maxsplit=1)[0]
    return {
        "boolean": "BOOLEAN",
        "tinyint": "BYTE",
        "smallint": "SHORT",
        "int": "INT",
        "bigint": "LONG",
        "float": "FLOAT",
        "double": "DOUBLE",
        "string": "STRING",
        "binary": "BINARY",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "timestamp_ntz": "TIMESTAMP_NTZ",
        "decimal": "DECIMAL",
        "array": "ARRAY",
        "map": "MAP",
        "struct": "STRUCT",
        "void": "NULL",
    }.get(base, "USER_DEFINED_TYPE")


def columns_of(
    schema: pa.Schema, comments: dict[str, str | None] | None = None
) -> list[ColumnInfo]:
    """The catalog's column list for an Arrow schema, keeping known column comments."""
    comments = comments or {}
    columns = []
    for position, field in enumerate(schema):
        text = type_text(field.type)
        columns.append(
            ColumnInfo(
                field.name,
                text,
                type_name(text),
                position,
                field.nullable,
                comments.get(field.name),
            )
        )
    return columns


def parse_type(text: str) -> pa.DataType:
    """Arrow type of a Spark SQL type text such as ``decimal(10,2)`` or ``map<string,int>``."""
    parser = _TypeParser(text)
    dtype = parser.parse()
    parser.expect_end()
    return dtype


def parse_ddl(ddl: str, catalog_names: bool = True) -> pa.Schema:
    r"""Arrow schema of a DDL column list: ``"id INT, name STRING NOT NULL, price DECIMAL(10,2)"``.

    ``catalog_names`` applies the catalog's column-name rule (validated, lower case); without
    it names stay as written, as a DataFrame's may (``Id``, ``\`unit price\```).
    """
    fields = []
    for column in _split_top_level(ddl, ","):
        column = column.strip()
        if not column:
            raise InvalidInputError(f"empty column definition in '{ddl}'")
        match = re.match(r"(?:`((?:[^`]|``)+)`|([A-Za-z0-9_]+))\s*:?\s+(.+)$", column, re.S)
        if not match:
            raise InvalidInputError(
                f"cannot read column definition '{column}': write it as 'name TYPE', e.g. 'id BIGINT'"
            )
        name = (match.group(1) or "").replace("``", "`") or match.group(2)
        rest = match.group(3).strip()
        nullable = True
        comment = None
        comment_match = re.search(r"\s+COMMENT\s+'((?:[^']|'')*)'\s*$", rest, re.I)
        if comment_match:
            comment = comment_match.group(1).replace("''", "'")
            rest = rest[: comment_match.start()].strip()
        if re.search(r"\s+NOT\s+NULL$", rest, re.I):
            nullable = False
            rest = re.sub(r"\s+NOT\s+NULL$", "", rest, flags=re.I).strip()
        metadata = {"comment": comment} if comment else None
        fields.append(
            pa.field(
                validate_part(name, "column name") if catalog_names else name,
                parse_type(rest),
                nullable,
                metadata,
            )
        )
    return pa.schema(fields)


def _is_view(dtype: pa.DataType, kind: str) -> bool:
    return str(dtype) == f"{kind}_view"


def _split_top_level(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        if not quoted:
            depth += char in "<("
            depth -= char in ">)"
        if char == sep and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


class _TypeParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+|[<>(),:]", text)
        joined = "".join(self.tokens)
        if joined != re.sub(r"\s+", "", text):
            raise self._error()
        self.pos = 0

    def parse(self) -> pa.DataType:
        word = self._next().lower()
        if word in {"decimal", "dec", "numeric"}:
            precision, scale = 10, 0
            if self._peek() == "(":
                self._next()
                precision = int(self._next())
                if self._peek() == ",":
                    self._next()
                    scale = int(self._next())
                self._take(")")
            if not 1 <= precision <= 38 or not 0 <= scale <= precision:
                raise InvalidInputError(
                    f"decimal({precision},{scale}) is out of range: 1 <= p <= 38, 0 <= s <= p"
                )
            return pa.decimal128(precision, scale)
        if word in {"varchar", "char"}:
            if self._peek() == "(":
                self._next()
                self._next()
                self._take(")")
            return pa.string()
        if word == "array":
            self._take("<")
            item = self.parse()
            self._take(">")
            return pa.list_(item)
        if word == "map":
            self._take("<")
            key = self.parse()
            self._take(",")
            value = self.parse()
            self._take(">")
            return pa.map_(key, value)
        if word == "struct":
            self._take("<")
            fields = []
            while True:
                name = self._next()
                self._take(":")
                fields.append(pa.field(name, self.parse()))
                if self._peek() == ",":
                    self._next()
                    continue
                self._take(">")
                return pa.struct(fields)
        if word in _SIMPLE_TO_ARROW:
            return _SIMPLE_TO_ARROW[word]
        raise InvalidInputError(
            f"unknown type '{word}' in '{self.text}'; use a Spark SQL type such as bigint, int, "
            "double, string, boolean, date, timestamp, decimal(p,s), array<t>, map<k,v>, struct<...>"
        )

    def expect_end(self) -> None:
        if self.pos != len(self.tokens):
            raise self._error()

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _next(self) -> str:
        token = self._peek()
        if token is None:
            raise self._error()
        self.pos += 1
        return token

    def _take(self, expected: str) -> None:
        if self._next() != expected:
            raise self._error()

    def _error(self) -> InvalidInputError:
        return InvalidInputError(f"cannot read the type '{self.text}'; example: decimal(10,2)")


_SPARK_JSON_NAMES = {
    "tinyint": "byte",
    "smallint": "short",
    "int": "integer",
    "bigint": "long",
}


def spark_json_type(dtype: pa.DataType) -> Any:
    """The type as Spark's JSON schema writes it (``StructField.jsonValue()['type']``)."""
    if pa.types.is_dictionary(dtype):
        return spark_json_type(dtype.value_type)
    if (
        pa.types.is_list(dtype)
        or pa.types.is_large_list(dtype)
        or pa.types.is_fixed_size_list(dtype)
    ):
        return {
            "type": "array",
            "elementType": spark_json_type(dtype.value_type),
            "containsNull": dtype.value_field.nullable,
        }
    if pa.types.is_map(dtype):
        return {
            "type": "map",
            "keyType": spark_json_type(dtype.key_type),
            "valueType": spark_json_type(dtype.item_type),
            "valueContainsNull": dtype.item_field.nullable,
        }
    if pa.types.is_struct(dtype):
        return {
            "type": "struct",
            "fields": [
                {
                    "name": f.name,
                    "type": spark_json_type(f.type),
                    "nullable": f.nullable,
                    "metadata": {},
                }
                for f in dtype
            ],
        }
    text = type_text(dtype)
    return _SPARK_JSON_NAMES.get(text, text)
