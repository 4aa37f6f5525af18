"""Batch scoring: a registered model over a catalog table into another table."""

from __future__ import annotations

from typing import Any


def score(model_uri: str, table: str, output: str, **_options: Any) -> dict[str, Any]:
    """Score ``table`` with ``model_uri`` into ``output`` (filled in by the scoring change)."""
    raise NotImplementedError("brickyard.ml.score is being built")
