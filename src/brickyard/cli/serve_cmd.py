"""`brickyard serve MODEL_URI`: one model behind MLflow's scoring protocol."""

from __future__ import annotations


def serve() -> None:
    """Serve a model (being built)."""
    raise SystemExit("brickyard serve is being built")
