"""``%sql`` and ``%%sql``: Spark SQL on the notebook's session, the result displayed.

``%sql SELECT 1`` runs one line; a ``%%sql`` cell runs the cell's statement; ``%%sql df``
also keeps the result as the DataFrame variable ``df``. A bad statement fails the cell with
Spark's error (a syntax error names its line and column in the cell).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def register_sql_magics(ip: Any, session: Callable[[], Any], show: Callable[[Any], None]) -> None:
    def run(statement: str, name: str | None = None) -> None:
        if not statement.strip():
            raise ValueError("%sql needs a statement, e.g. %sql SELECT * FROM main.default.t")
        frame = session().sql(statement)
        if name:
            ip.user_ns[name] = frame
        show(frame)

    def sql_line(line: str) -> None:
        run(line)

    def sql_cell(line: str, cell: str) -> None:
        name = line.strip() or None
        if name is not None and not name.isidentifier():
            raise ValueError(
                f"'%%sql {name}': the name after %%sql is the variable the result is kept "
                "in, a Python identifier such as 'df'"
            )
        run(cell, name)

    ip.register_magic_function(sql_line, magic_kind="line", magic_name="sql")
    ip.register_magic_function(sql_cell, magic_kind="cell", magic_name="sql")
