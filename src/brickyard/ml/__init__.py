"""Brickyard's ML layer: MLflow (tracking, registry, serving) wired into the workspace.

``brickyard.mlflow()`` points the mlflow client at the workspace; ``brickyard.ml.score``
scores a table with a registered model into another table.
"""

from __future__ import annotations

from typing import Any

from brickyard.ml.client import mlflow

__all__ = ["mlflow", "score"]


def __getattr__(name: str) -> Any:
    if name == "score":  # pulls in mlflow and the catalog: on first use only
        from brickyard.ml.scoring import score

        return score
    raise AttributeError(f"module 'brickyard.ml' has no attribute '{name}'")
