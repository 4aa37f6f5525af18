"""Registered models through MLflow: versions and aliases, loading, scoring payloads.

Models load with ``mlflow.pyfunc.load_model`` in this process's own environment (no
virtualenv or conda is built, as ``mlflow models serve --env-manager local``). Payloads are
scored by MLflow's own scoring server code (``mlflow.pyfunc.scoring_server.invocations``), so
formats, parsing and answers are those of ``mlflow models serve``; the checks in front of it
only make the common mistakes (bad JSON, an unknown format key, missing columns) say what to fix.

MLflow is heavy to import: nothing here imports it until a method runs.
"""

from __future__ import annotations

import difflib
import importlib
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brickyard.adapters.mlflow_server import MlflowStores, prepare
from brickyard.domain.errors import InvalidInputError, NotFoundError
from brickyard.domain.serving import ModelLoadError, ServedEntity, parse_model_uri

if TYPE_CHECKING:
    from mlflow import MlflowClient

_LISTED = 10  # names shown when a model, version or alias is not found


class MlflowModels:
    """The workspace's MLflow registry, as a source of models to serve.

    ``store_ready`` runs once before the first use: the embedded tracking server creates
    the store's tables, and two creators at once would collide.
    """

    def __init__(
        self, stores: MlflowStores, store_ready: Callable[[], object] | None = None
    ) -> None:
        self.stores = stores
        self._store_ready = store_ready
        self._client: MlflowClient | None = None
        self._lock = threading.Lock()

    def resolve(self, entity: ServedEntity) -> str:
        """The version ``entity`` names now (its alias's, when it has one)."""
        client = self.client()  # first: it waits until MLflow may be imported
        from mlflow.exceptions import MlflowException

        try:
            model = client.get_registered_model(entity.name)
        except MlflowException as exc:
            raise _not_found(exc, lambda: self._missing_model(entity.name)) from exc
        if entity.alias is not None:
            version = model.aliases.get(entity.alias)
            if version is None:
                raise NotFoundError(_missing_alias(entity.name, entity.alias, model.aliases))
            return str(version)
        try:
            client.get_model_version(entity.name, str(entity.version))
        except MlflowException as exc:
            raise _not_found(exc, lambda: self._missing_version(entity)) from exc
        return str(entity.version)

    def load(self, entity_name: str, version: str) -> PyfuncScorer:
        """Version ``version`` of the registered model ``entity_name``, loaded."""
        client = self.client()
        from mlflow.exceptions import MlflowException

        uri = f"models:/{entity_name}/{version}"
        try:
            location = client.get_model_version_download_uri(entity_name, version)
        except MlflowException as exc:
            missing = ServedEntity(entity_name, version)
            raise _not_found(exc, lambda: self._missing_version(missing)) from exc
        return self._load(uri, location)

    def load_uri(self, uri: str) -> PyfuncScorer:
        """Any model URI MLflow knows (``models:/``, ``runs:/``, a path...), loaded."""
        self.client()
        try:
            entity = parse_model_uri(uri)
        except InvalidInputError:
            return self._load(uri, uri)
        return self.load(entity.name, self.resolve(entity))

    def client(self) -> MlflowClient:
        """The registry's client; MLflow is imported only after ``store_ready`` returned (two
        threads importing it at once can deadlock or see it half-initialised)."""
        with self._lock:
            if self._client is None:
                if self._store_ready is not None:
                    self._store_ready()
                prepare(self.stores)
                from mlflow import MlflowClient

                uri = self.stores.backend_uri
                self._client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            return self._client

    def _load(self, uri: str, location: str) -> PyfuncScorer:
        import mlflow.artifacts
        import mlflow.pyfunc
        from mlflow.exceptions import MlflowException

        uris = {"tracking_uri": self.stores.backend_uri, "registry_uri": self.stores.backend_uri}
        path = None
        try:
            # Downloaded here with this workspace's URIs: a local artifact root is used in place.
            path = mlflow.artifacts.download_artifacts(artifact_uri=location, **uris)
            importlib.invalidate_caches()  # a package installed since the last try is found
            return PyfuncScorer(uri, mlflow.pyfunc.load_model(path))
        except ModuleNotFoundError as exc:
            raise ModelLoadError(_missing_module(uri, path, exc)) from exc
        except MlflowException as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                raise NotFoundError(f"model '{uri}' not found: {exc.message}") from exc
            raise ModelLoadError(f"model '{uri}' failed to load: {exc.message}") from exc
        except Exception as exc:  # a flavor's loader can raise anything
            raise ModelLoadError(
                f"model '{uri}' failed to load: {type(exc).__name__}: {exc}"
            ) from exc

    def _missing_model(self, name: str) -> str:
        names = sorted(m.name for m in self.client().search_registered_models(max_results=1000))
        close = difflib.get_close_matches(name, names, n=3)
        listed = ", ".join(f"'{n}'" for n in (close or names[:_LISTED])) or "none yet"
        kind = "did you mean" if close else "registered models:"
        return f"registered model '{name}' does not exist ({kind} {listed})"

    def _missing_version(self, entity: ServedEntity) -> str:
        quoted = entity.name.replace("'", "\\'")
        found = self.client().search_model_versions(f"name = '{quoted}'")
        versions = sorted((int(v.version) for v in found), reverse=True)[:_LISTED]
        listed = ", ".join(str(v) for v in versions) or "none"
        return (
            f"registered model '{entity.name}' has no version {entity.version} (versions: {listed})"
        )


class PyfuncScorer:
    """A loaded pyfunc model answering MLflow's scoring protocol."""

    def __init__(self, uri: str, model: Any) -> None:
        self.uri = uri
        self.model = model
        self.input_schema = model.metadata.get_input_schema()

    def invoke(self, body: bytes, content_type: str | None) -> bytes:
        """Predictions for a scoring request, as MLflow's JSON answer (``{"predictions"}``).

        Raises InvalidInputError for a request the model cannot take.
        """
        from mlflow.exceptions import MlflowException
        from mlflow.pyfunc import scoring_server as scoring

        content_type = content_type or scoring.CONTENT_TYPE_JSON
        data: bytes | dict[str, Any] = body
        if content_type.split(";")[0].strip().lower() == scoring.CONTENT_TYPE_JSON:
            data = _payload(body)
            self._check(data)
        try:
            answer = scoring.invocations(  # type: ignore[no-untyped-call]
                data, content_type, self.model, self.input_schema
            )
        except MlflowException as exc:
            raise InvalidInputError(_failure(exc)) from exc
        if answer.status != 200:
            raise InvalidInputError(answer.response)
        text: str = answer.response
        return text.encode()

    def _check(self, payload: dict[str, Any]) -> None:
        from mlflow.pyfunc.scoring_server import SUPPORTED_FORMATS
        from mlflow.pyfunc.utils.serving_data_parser import is_unified_llm_input

        if is_unified_llm_input(payload):  # chat/completions/embeddings: no format key
            return
        keys = [k for k in payload if k in SUPPORTED_FORMATS]
        if len(keys) != 1:
            accepted = ", ".join(f"'{k}'" for k in sorted(SUPPORTED_FORMATS))
            got = ", ".join(f"'{k}'" for k in payload) or "none"
            raise InvalidInputError(
                f"the request must have exactly one input key of {accepted} (and optionally "
                f"'params'); got {got}"
            )
        self._check_columns(keys[0], payload[keys[0]])

    def _check_columns(self, key: str, value: Any) -> None:
        schema = self.input_schema
        metadata = self.model.metadata
        # Models typed by Python hints take 'inputs' as they are: MLflow checks those itself.
        from_hints = getattr(metadata, "_is_signature_from_type_hint", lambda: False)()
        if schema is None or from_hints or schema.is_tensor_spec() or not schema.has_input_names():
            return
        names = _column_names(key, value)
        if names is None:
            return
        missing = [n for n in schema.required_input_names() if n not in names]
        if missing:
            expected = ", ".join(f"'{c.name}' ({_type_name(c.type)})" for c in schema.inputs)
            raise InvalidInputError(
                f"missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(str(n)) for n in missing)}; the model's signature expects "
                f"{expected}"
            )


def _payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"the request body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise InvalidInputError(
            "the request body must be a JSON object such as "
            '{"dataframe_split": {"columns": [...], "data": [[...]]}}'
            f", not a {type(payload).__name__}"
        )
    return payload


def _column_names(key: str, value: Any) -> set[str] | None:
    """The column names a payload gives, or None when it gives none (a tensor, positions)."""
    if key == "dataframe_split":
        columns = value.get("columns") if isinstance(value, dict) else None
        return {str(c) for c in columns} if isinstance(columns, list) else None
    if isinstance(value, dict):  # inputs/instances as columns of values
        return {str(k) for k in value}
    if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
        return {str(k) for row in value for k in row}  # records
    return None


def _type_name(data_type: Any) -> str:
    name = getattr(data_type, "name", None)
    return name if isinstance(name, str) else str(data_type)


def _failure(exc: Any) -> str:
    """MLflow's message, with the model's own error when MLflow keeps it in the trace only."""
    message: str = exc.message
    trace = getattr(exc, "stack_trace", None)
    if trace and "unexpected error while evaluating the model" in message:
        message += f" ({trace.strip().splitlines()[-1]})"
    return message


def _missing_module(uri: str, path: str | None, exc: ModuleNotFoundError) -> str:
    module = exc.name or str(exc)
    missing = _uninstalled_requirements(path) if path else []
    hint = (
        f"; of the model's requirements these are not installed: {', '.join(missing)} "
        f"(pip install {' '.join(repr(r) for r in missing)})"
        if missing
        else ""
    )
    return (
        f"model '{uri}' needs the Python module '{module}', which is not installed where "
        f"Brickyard runs (models load in its own environment, without virtualenv or conda){hint}; "
        "install it, then load the model again (update the endpoint, or restart)"
    )


def _uninstalled_requirements(path: str) -> list[str]:
    """The lines of the model's requirements.txt naming a distribution not installed here."""
    from importlib.metadata import PackageNotFoundError, version

    file = Path(path) / "requirements.txt"
    if not file.is_file():
        return []
    missing = []
    for line in file.read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if not requirement or requirement.startswith("-"):
            continue
        try:
            version(re.split(r"[\s<>=!~\[;@]", requirement, maxsplit=1)[0])
        except PackageNotFoundError:
            missing.append(requirement)
    return missing


def _missing_alias(name: str, alias: str, aliases: dict[str, Any]) -> str:
    listed = ", ".join(f"'{a}' (version {v})" for a, v in sorted(aliases.items())[:_LISTED])
    return f"registered model '{name}' has no alias '{alias}' (its aliases: {listed or 'none'})"


def _not_found(exc: Any, describe: Callable[[], str]) -> Exception:
    """``exc`` from MLflow's registry as ours: NotFoundError saying what exists, when it is one."""
    if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
        return NotFoundError(describe())
    return ModelLoadError(f"MLflow's model registry failed: {exc.message}", transient=True)
