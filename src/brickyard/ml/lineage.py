"""Which catalog tables (and versions) this process read, for MLflow dataset inputs.

Both engines report every table version a query resolves (``record_table_read``). When an
MLflow run is active in the process the read is logged to it at once; a job task's runs get
all the reads of their try when the try ends (``log_reads``). MLflow is never imported
here: a process that does not use it pays a dict update per table resolved.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

_log = logging.getLogger(__name__)

_READS: dict[str, tuple[int, str]] = {}  # table full name -> (latest version read, its id)
_LOGGED: set[tuple[str, str, int, str]] = set()  # (MLflow run, table, version, id) logged


def record_table_read(table: str, version: int, table_id: str) -> None:
    _READS[table] = (version, table_id)
    mlflow = sys.modules.get("mlflow")
    if mlflow is None:
        return
    try:
        run = mlflow.active_run()
        if run is not None:  # this read, now (earlier reads were not made in this run)
            _log_inputs(run.info.run_id, [(table, version, table_id)])
    except Exception:  # lineage must never fail a query
        _log.warning("could not log table %s v%d to MLflow", table, version, exc_info=True)


def tables_read() -> dict[str, int]:
    return {table: version for table, (version, _id) in _READS.items()}


def log_reads(run_id: str) -> None:
    """Log every table read so far to MLflow run ``run_id`` as a dataset input (once each)."""
    _log_inputs(run_id, [(table, version, id_) for table, (version, id_) in _READS.items()])


def _log_inputs(run_id: str, reads: list[tuple[str, int, str]]) -> None:
    new = [read for read in reads if (run_id, *read) not in _LOGGED]
    if not new:
        return
    from mlflow import MlflowClient

    inputs = [_dataset_input(table, version, table_id) for table, version, table_id in new]
    MlflowClient().log_inputs(run_id, datasets=inputs)
    _LOGGED.update((run_id, *read) for read in new)


def _dataset_input(table: str, version: int, table_id: str) -> Any:
    from mlflow.data.delta_dataset_source import DeltaDatasetSource
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.entities import InputTag
    from mlflow.entities.dataset_input import DatasetInput

    # MLflow takes a three-part name outside hive_metastore for a Unity Catalog table and,
    # lacking its id, asks Databricks for it (a failing SDK login, seconds, a warning): the
    # id is the catalog's own.
    source = DeltaDatasetSource(
        delta_table_name=table, delta_table_version=version, delta_table_id=table_id
    )
    dataset = MetaDataset(source=source, name=table, digest=f"v{version}")  # type: ignore[abstract]
    return DatasetInput(
        dataset=dataset._to_mlflow_entity(),
        tags=[InputTag(key="mlflow.data.context", value="brickyard.table_read")],
    )
