import pytest

from brickyard.domain.errors import InvalidNameError
from brickyard.domain.names import (
    SchemaRef,
    TableRef,
    parse_catalog_name,
    parse_schema_name,
    parse_table_name,
    validate_part,
)


def test_full_name_parses_into_three_lower_case_parts() -> None:
    assert parse_table_name("Main.Sales.Orders") == TableRef("main", "sales", "orders")


def test_short_names_resolve_against_current_catalog_and_schema() -> None:
    assert parse_table_name("orders", "cat", "sch") == TableRef("cat", "sch", "orders")
    assert parse_table_name("sch2.orders", "cat", "sch") == TableRef("cat", "sch2", "orders")
    assert parse_schema_name("sales", "cat") == SchemaRef("cat", "sales")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("bad name", "' '"),
        ("1table", "starts with a digit"),
        ("a-b", "'-'"),
        ("tablé", "'é'"),
        ("", "empty"),
    ],
)
def test_invalid_parts_are_refused_naming_the_rule(name: str, fragment: str) -> None:
    with pytest.raises(InvalidNameError) as error:
        validate_part(name)
    assert fragment in str(error.value)
    assert "letters, digits and '_'" in str(error.value) or "empty" in str(error.value)


@pytest.mark.parametrize("name", ["main..orders", "main/default/orders", "../etc", "a\\b"])
def test_path_like_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidNameError, match="are not allowed"):
        parse_table_name(name)


def test_names_longer_than_255_characters_are_refused() -> None:
    validate_part("a" * 255)
    with pytest.raises(InvalidNameError, match="256 characters long; the limit is 255"):
        validate_part("a" * 256)


@pytest.mark.parametrize("name", ["select", "TABLE", "information_schema", "system"])
def test_reserved_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidNameError, match="reserved word"):
        validate_part(name)


def test_too_many_parts_are_refused() -> None:
    with pytest.raises(InvalidNameError, match="4 parts; at most 3"):
        parse_table_name("a.b.c.d")
    with pytest.raises(InvalidNameError, match="one part"):
        parse_catalog_name("a.b")
    with pytest.raises(InvalidNameError, match="at most two parts"):
        parse_schema_name("a.b.c")


def test_refs_print_their_full_names() -> None:
    assert str(TableRef("a", "b", "c")) == "a.b.c"
    assert TableRef("a", "b", "c").schema_ref.full_name == "a.b"
