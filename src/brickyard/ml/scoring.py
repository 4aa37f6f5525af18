"""Batch scoring: a registered model over a catalog table into another table.

``score`` reads one Delta snapshot of the input, checks it has the columns the model's
signature asks for, predicts, and writes the input's columns plus the prediction in one
commit (creating the output table if needed). Everything that can be checked is checked
before anything is written, so a bad model, table or column leaves the output untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from brickyard.domain.errors import AlreadyExistsError, InvalidInputError
from brickyard.domain.names import TableRef, validate_column_name

if TYPE_CHECKING:
    from brickyard.services.catalog import CatalogService
    from brickyard.workspace import Workspace

MODES = ("overwrite", "append")


def score(
    model_uri: str,
    table: str,
    output: str,
    mode: str = "overwrite",
    prediction_col: str = "prediction",
    *,
    workspace: Workspace | None = None,
) -> dict[str, Any]:
    """Score ``table`` with ``model_uri`` into ``output``; returns what was done, as JSON.

    ``model_uri``: ``models:/name@alias``, ``models:/name/N`` or ``models:/name/latest``
    (resolved in the workspace's registry, then that exact version is loaded) or any URI
    ``mlflow.pyfunc.load_model`` takes. ``mode``: ``overwrite`` or ``append`` when ``output``
    exists. ``workspace``: default ``brickyard.connect()`` (``$BRICKYARD_HOME``, which a job's
    task has set). Returns ``{"output", "rows", "model_uri", "model_version",
    "table_version"}``; ``table_version`` is the version of ``table`` that was scored.
    """
    if mode not in MODES:
        raise InvalidInputError(f"mode must be one of {', '.join(MODES)}, got '{mode}'")
    validate_column_name(prediction_col)
    if workspace is not None:
        return _score(workspace, model_uri, table, output, mode, prediction_col)
    from brickyard.workspace import connect

    with connect() as ws:
        return _score(ws, model_uri, table, output, mode, prediction_col)


def _score(
    ws: Workspace, model_uri: str, table: str, output: str, mode: str, prediction_col: str
) -> dict[str, Any]:
    from brickyard.ml.client import point_mlflow_at
    from brickyard.services.models import ModelRegistry

    source = ws.catalog.table(table)
    target = ws.catalog.resolve_table(output)
    point_mlflow_at(ws.config)  # for URIs outside the registry (runs:/...): this workspace
    registry = ModelRegistry(ws.ml_stores)
    version = registry.resolve(model_uri)
    # The version resolved now, not the alias again: the alias may move meanwhile.
    model = _load(registry.download_uri(version) if version is not None else model_uri)
    table_version = source.version
    data = source.to_arrow(version=table_version)
    if prediction_col in data.column_names:
        raise InvalidInputError(
            f"table '{source.full_name}' already has a column '{prediction_col}'; "
            "pass another prediction_col"
        )
    features = _features(model, data.schema, source.full_name)
    predicted = _predict(model, data.select(features), model_uri)
    scored = data.append_column(prediction_col, predicted)
    _write(ws.catalog, target, scored, mode, model_uri)
    return {
        "output": target.full_name,
        "rows": scored.num_rows,
        "model_uri": model_uri,
        "model_version": version.version if version is not None else None,
        "table_version": table_version,
    }


def _load(uri: str) -> Any:
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    from brickyard.domain.errors import NotFoundError

    try:
        return mlflow.pyfunc.load_model(uri)
    except (MlflowException, OSError) as exc:
        raise NotFoundError(f"could not load the model at '{uri}': {exc}") from exc


def _features(model: Any, schema: pa.Schema, table: str) -> list[str]:
    """The table's columns the model's signature names (all columns if it names none);
    InvalidInputError naming the required ones the table lacks."""
    inputs = model.metadata.get_input_schema()
    if inputs is None or not inputs.has_input_names():
        return list(schema.names)
    missing = [n for n in inputs.required_input_names() if n not in schema.names]
    if missing:
        quoted = ", ".join(f"'{n}'" for n in missing)
        expected = ", ".join(f"'{n}'" for n in inputs.input_names())
        raise InvalidInputError(
            f"table '{table}' lacks the columns {quoted} that the model needs; "
            f"the model expects {expected}"
        )
    return [n for n in inputs.input_names() if n in schema.names]


def _predict(model: Any, features: pa.Table, model_uri: str) -> pa.Array:
    """The model's predictions for ``features``, one Arrow value per row."""
    from mlflow.exceptions import MlflowException

    if features.num_rows == 0:  # models refuse empty input: an empty column of the output type
        return pa.array([], _output_type(model))
    try:
        predictions = model.predict(_as_pandas(features, model))
    except MlflowException as exc:  # the data does not fit the signature
        raise InvalidInputError(f"{model_uri} could not score the table: {exc.message}") from exc
    return _to_arrow(predictions, features.num_rows, model_uri)


def _as_pandas(features: pa.Table, model: Any) -> Any:
    """Decimals become floats where the signature wants floats (pandas would hand over
    Python Decimal objects, which MLflow's schema check refuses)."""
    from mlflow.types.schema import DataType

    inputs = model.metadata.get_input_schema()
    wants_float = {
        spec.name
        for spec in (inputs.inputs if inputs is not None and inputs.has_input_names() else [])
        if spec.type in (DataType.double, DataType.float)
    }
    columns = [
        column.cast(pa.float64())
        if name in wants_float and pa.types.is_decimal(column.type)
        else column
        for name, column in zip(features.column_names, features.columns, strict=True)
    ]
    return pa.table(columns, names=features.column_names).to_pandas()


def _to_arrow(predictions: Any, rows: int, model_uri: str) -> pa.Array:
    """A 1-D result as it is, a one-column frame as that column, several columns as a
    struct, a 2-D array (class probabilities...) as lists."""
    import numpy as np
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        if len(predictions.columns) == 1:
            predictions = predictions.iloc[:, 0]
        else:
            frame = pa.Table.from_pandas(predictions, preserve_index=False)
            predictions = frame.to_struct_array().combine_chunks()
    if isinstance(predictions, pd.Series):
        array = pa.Array.from_pandas(predictions)
    elif isinstance(predictions, np.ndarray) and predictions.ndim > 1:
        array = pa.array(predictions.tolist())
    elif isinstance(predictions, pa.Array):
        array = predictions
    else:
        array = pa.array(predictions if isinstance(predictions, list) else np.asarray(predictions))
    if len(array) != rows:
        raise InvalidInputError(
            f"{model_uri} returned {len(array)} predictions for {rows} rows; "
            "a batch model must return one per row"
        )
    return array


def _output_type(model: Any) -> pa.DataType:
    outputs = model.metadata.get_output_schema()
    if outputs is not None and len(outputs.inputs) == 1:
        import numpy as np

        try:
            dtype = np.dtype(outputs.numpy_types()[0])
            return pa.from_numpy_dtype(dtype)
        except (TypeError, ValueError, pa.ArrowNotImplementedError):
            pass
    return pa.float64()


def _write(
    catalog: CatalogService, target: TableRef, scored: pa.Table, mode: str, model_uri: str
) -> None:
    """One commit: the output's first version, or an overwrite/append of it."""
    if not catalog.table_exists(target):
        try:
            catalog.create_table(
                target.full_name, scored, comment=f"Predictions of {model_uri} (brickyard.ml.score)"
            )
            return
        except AlreadyExistsError:  # created meanwhile by someone else: write into it
            pass
    output = catalog.table(target)
    if mode == "overwrite":
        output.overwrite(scored)
    else:
        output.append(scored)
