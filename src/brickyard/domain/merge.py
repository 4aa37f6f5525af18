"""The clauses of a SQL ``MERGE INTO``, as the domain passes them to table storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

When = Literal["matched", "not_matched", "not_matched_by_source"]
Action = Literal["update", "delete", "insert"]

_ALLOWED: dict[When, set[Action]] = {
    "matched": {"update", "delete"},
    "not_matched": {"insert"},
    "not_matched_by_source": {"update", "delete"},
}


@dataclass(frozen=True)
class MergeClause:
    """``WHEN <when> [AND condition] THEN <action>``; ``assignments=None`` means ``*``.

    Conditions and assigned values are SQL expressions over the target and source aliases.
    """

    when: When
    action: Action
    condition: str | None = None
    assignments: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.action not in _ALLOWED[self.when]:
            from brickyard.domain.errors import InvalidInputError

            raise InvalidInputError(
                f"WHEN {self.when.replace('_', ' ').upper()} cannot {self.action.upper()}; "
                "MATCHED and NOT MATCHED BY SOURCE may UPDATE or DELETE, NOT MATCHED may INSERT"
            )
