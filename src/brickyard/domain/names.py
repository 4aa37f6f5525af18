"""Names of catalog objects: one to three parts, ``catalog.schema.table``.

Each part follows the Hive metastore rule (stricter than Unity Catalog on purpose): letters,
digits and ``_``, not starting with a digit, 1-255 characters, case-insensitive and stored
lower-case. Such a part is a safe identifier in every engine and a safe path component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from brickyard.domain.errors import InvalidNameError

MAX_PART_LENGTH = 255
_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

NAME_RULE = (
    "each part of a name must be letters, digits and '_', must not start with a digit, "
    f"and must be 1-{MAX_PART_LENGTH} characters (parts are separated by '.')"
)

# Names engines or SQL reserve: refused so that a name never needs quoting anywhere.
RESERVED_NAMES = frozenset(
    {
        "information_schema",
        "system",
        "pg_catalog",
        "sys",
        "temp",
        "all",
        "and",
        "any",
        "as",
        "asc",
        "between",
        "both",
        "by",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "constraint",
        "create",
        "cross",
        "current_date",
        "current_time",
        "current_timestamp",
        "current_user",
        "delete",
        "desc",
        "distinct",
        "drop",
        "else",
        "end",
        "except",
        "exists",
        "false",
        "fetch",
        "for",
        "foreign",
        "from",
        "full",
        "grant",
        "group",
        "having",
        "in",
        "inner",
        "insert",
        "intersect",
        "into",
        "is",
        "join",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "natural",
        "not",
        "null",
        "of",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "primary",
        "references",
        "right",
        "select",
        "table",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "update",
        "using",
        "values",
        "when",
        "where",
        "window",
        "with",
    }
)


def validate_part(part: str, what: str = "name") -> str:
    """Return ``part`` lower-cased, or raise InvalidNameError naming the broken rule."""
    if not isinstance(part, str):
        raise InvalidNameError(f"{what} must be a string, got {type(part).__name__}")
    if part == "":
        raise InvalidNameError(f"{what} is empty: {NAME_RULE}")
    if len(part) > MAX_PART_LENGTH:
        raise InvalidNameError(
            f"{what} '{part[:40]}...' is {len(part)} characters long; "
            f"the limit is {MAX_PART_LENGTH}"
        )
    if not _PART.fullmatch(part):
        bad = sorted({c for c in part if not (c.isascii() and (c.isalnum() or c == "_"))})
        detail = (
            f"it contains {' '.join(repr(c) for c in bad)}" if bad else "it starts with a digit"
        )
        raise InvalidNameError(f"invalid {what} '{part}': {detail}; {NAME_RULE}")
    lowered = part.lower()
    if lowered in RESERVED_NAMES:
        raise InvalidNameError(
            f"invalid {what} '{part}': it is a reserved word in SQL or in an engine; "
            "choose another name (for example add a suffix: "
            f"'{lowered}_data')"
        )
    return lowered


def split_name(text: str) -> list[str]:
    """Split a dotted name into validated lower-case parts (1-3 of them)."""
    if not isinstance(text, str) or text.strip() == "":
        raise InvalidNameError(f"a name is required: {NAME_RULE}")
    if ".." in text or "/" in text or "\\" in text:
        raise InvalidNameError(
            f"invalid name '{text}': '..', '/' and '\\' are not allowed; "
            "write names as catalog.schema.table"
        )
    parts = text.split(".")
    if len(parts) > 3:
        raise InvalidNameError(
            f"invalid name '{text}': it has {len(parts)} parts; at most 3 (catalog.schema.table)"
        )
    return [validate_part(p) for p in parts]


@dataclass(frozen=True, order=True)
class SchemaRef:
    """A schema's full name: ``catalog.schema``."""

    catalog: str
    schema: str

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}"

    def __str__(self) -> str:
        return self.full_name


@dataclass(frozen=True, order=True)
class TableRef:
    """A table's full name: ``catalog.schema.table``."""

    catalog: str
    schema: str
    name: str

    @property
    def schema_ref(self) -> SchemaRef:
        return SchemaRef(self.catalog, self.schema)

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.name}"

    def __str__(self) -> str:
        return self.full_name


def parse_catalog_name(text: str) -> str:
    parts = split_name(text)
    if len(parts) != 1:
        raise InvalidNameError(f"invalid catalog name '{text}': a catalog name has one part")
    return parts[0]


def parse_schema_name(text: str, current_catalog: str = "main") -> SchemaRef:
    """``schema`` or ``catalog.schema``; a short name resolves against the current catalog."""
    parts = split_name(text)
    if len(parts) == 3:
        raise InvalidNameError(
            f"invalid schema name '{text}': a schema name has at most two parts (catalog.schema)"
        )
    if len(parts) == 1:
        return SchemaRef(current_catalog, parts[0])
    return SchemaRef(parts[0], parts[1])


def parse_table_name(
    text: str, current_catalog: str = "main", current_schema: str = "default"
) -> TableRef:
    """``table``, ``schema.table`` or ``catalog.schema.table``, resolved against the current ones."""
    parts = split_name(text)
    if len(parts) == 1:
        return TableRef(current_catalog, current_schema, parts[0])
    if len(parts) == 2:
        return TableRef(current_catalog, parts[0], parts[1])
    return TableRef(parts[0], parts[1], parts[2])


_TAG_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:\-]*")
_COLUMN_FORBIDDEN = set(" ,;{}()=/\\\"'`")


def validate_tag_key(key: str) -> str:
    """Tag (property) keys: letters, digits, ``_ . : -`` (so ``delta.appendOnly`` fits)."""
    if not isinstance(key, str) or not _TAG_KEY.fullmatch(key) or len(key) > MAX_PART_LENGTH:
        raise InvalidNameError(
            f"invalid tag key {key!r}: use 1-{MAX_PART_LENGTH} letters, digits, '_', '.', ':' "
            "or '-', not starting with '.', ':' or '-'"
        )
    return key.lower()


def validate_column_name(name: str) -> str:
    """Column names: anything printable but separators, quotes and path characters.

    Columns come from users' data (pandas, CSV headers), so the rule is looser than for
    catalog objects, but a column can never become a path or break out of quoting.
    """
    if not isinstance(name, str) or not name or len(name) > MAX_PART_LENGTH:
        raise InvalidNameError(
            f"invalid column name {name!r}: it must be 1-{MAX_PART_LENGTH} characters"
        )
    bad = sorted({c for c in name if c in _COLUMN_FORBIDDEN or not c.isprintable()})
    if bad or name.startswith("."):
        shown = " ".join(repr(c) for c in bad) if bad else "a leading '.'"
        raise InvalidNameError(
            f"invalid column name {name!r}: it contains {shown}; column names may not contain "
            "spaces, quotes, control characters or any of , ; { } ( ) = / \\ (rename the column)"
        )
    return name


def validate_partition_column(name: str) -> str:
    """Partition columns become folder names: they must be plain identifiers."""
    if not isinstance(name, str) or not _PART.fullmatch(name) or len(name) > MAX_PART_LENGTH:
        raise InvalidNameError(
            f"invalid partition column {name!r}: partition columns name folders, so they must be "
            "letters, digits and '_', not starting with a digit"
        )
    return name
