"""The catalog tables a query reads: each reference resolved, with its time travel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlglot import exp

from brickyard.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from brickyard.domain.names import TableRef
    from brickyard.services.catalog import CatalogService


@dataclass(frozen=True)
class TableReference:
    """``node`` in the query reads ``ref`` (at ``version`` or ``timestamp`` when given)."""

    node: exp.Table
    ref: TableRef
    version: int | None
    timestamp: datetime | None

    def point_at(self, name: str) -> None:
        """Make the query read ``name`` here, keeping the alias the query uses."""
        replacement = exp.to_table(name)
        alias = self.node.alias or self.ref.name
        replacement.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        self.node.replace(replacement)


def catalog_references(
    expression: exp.Expr, catalog: CatalogService, skip: set[str]
) -> list[TableReference]:
    """Every table reference that names a catalog table (not a CTE, temp view or function)."""
    # Spark's names of CTEs and temp views are case-insensitive.
    local = {cte.alias_or_name.lower() for cte in expression.find_all(exp.CTE)}
    local |= {name.lower() for name in skip}
    found = []
    for table in list(expression.find_all(exp.Table)):
        if not table.name or isinstance(table.this, exp.Func):
            continue
        parts = [part.name for part in table.parts]
        if len(parts) == 1 and parts[0].lower() in local:
            continue
        ref = catalog.resolve_table(".".join(parts))
        version, timestamp = _time_travel(table)
        found.append(TableReference(table, ref, version, timestamp))
    return found


def _time_travel(table: exp.Table) -> tuple[int | None, datetime | None]:
    version = table.args.get("version")
    if version is None:
        return None, None
    table.set("version", None)
    value = version.expression
    if version.name.upper() == "VERSION":
        try:
            return int(value.name), None
        except ValueError:
            raise InvalidInputError(f"VERSION AS OF needs a number, got {value.sql()}") from None
    try:
        return None, datetime.fromisoformat(value.name)
    except ValueError:
        raise InvalidInputError(
            f"TIMESTAMP AS OF needs a timestamp such as '2026-01-31 12:00:00', got {value.sql()}"
        ) from None
