"""The tests' own isolation of mlflow's settings (tests/conftest.py): a restore must not pin
a URI that outranks the environment later tests set (a `pytest -n` order made one test's
MLflow client write to another test's store)."""

from __future__ import annotations

import pytest

from tests.conftest import _mlflow_settings_kept


def test_restored_settings_leave_the_environment_in_charge(monkeypatch: pytest.MonkeyPatch) -> None:
    import mlflow
    from mlflow.tracking._tracking_service import utils as tracking_utils

    monkeypatch.setattr(tracking_utils, "_tracking_uri", None)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///first.db")
    with _mlflow_settings_kept():
        mlflow.set_tracking_uri("sqlite:///inside.db")
    assert mlflow.get_tracking_uri() == "sqlite:///first.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///later.db")
    assert mlflow.get_tracking_uri() == "sqlite:///later.db"
