"""The workspace's model registry (MLflow's), read for the CLI, scoring and the web UI.

It talks to the workspace's MLflow store directly (``Workspace.ml_stores``), not to the
process's mlflow globals, so it reads this workspace whatever ``MLFLOW_*`` says. MLflow is
imported on first use only (seconds to import).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from brickyard.domain.errors import InvalidInputError, NotFoundError

T = TypeVar("T")

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion, RegisteredModel
    from mlflow.store.entities.paged_list import PagedList

    from brickyard.adapters.mlflow_server import MlflowStores


@dataclass(frozen=True)
class ModelInfo:
    """A registered model, with its newest version and its aliases (alias -> version)."""

    name: str
    description: str | None
    latest_version: int | None
    aliases: dict[str, int]
    tags: dict[str, str]
    created_at: int | None  # epoch ms
    updated_at: int | None


@dataclass(frozen=True)
class ModelVersionInfo:
    name: str
    version: int
    status: str
    run_id: str | None
    source: str
    aliases: tuple[str, ...]
    tags: dict[str, str]
    created_at: int | None
    description: str | None


@dataclass(frozen=True)
class SignatureColumn:
    """One input or output of a model signature; ``name`` is None for unnamed tensors."""

    name: str | None
    type: str
    required: bool


@dataclass(frozen=True)
class ModelSignatureInfo:
    version: int
    inputs: tuple[SignatureColumn, ...] | None  # None: the version was logged without one
    outputs: tuple[SignatureColumn, ...] | None


@dataclass(frozen=True)
class ModelDetail:
    model: ModelInfo
    versions: tuple[ModelVersionInfo, ...]  # newest first
    signature: ModelSignatureInfo | None  # of the chosen version (None: no versions yet)


# models:/<name>@<alias> and models:/<name>/<version|latest> (a registered model's URIs);
# models:/m-<id> (a logged model, not in the registry) matches neither.
_ALIAS_URI = re.compile(r"^models:/(?P<name>[^/@]+)@(?P<alias>[^/]+)$")
_VERSION_URI = re.compile(r"^models:/(?P<name>[^/@]+)/(?P<version>[^/]+)$")


class ModelRegistry:
    """Registered models, their versions, aliases and signatures, in one workspace."""

    def __init__(self, stores: MlflowStores) -> None:
        self.stores = stores
        self._client: MlflowClient | None = None

    @property
    def client(self) -> MlflowClient:
        if self._client is None:
            from mlflow import MlflowClient

            from brickyard.adapters.mlflow_server import prepare

            prepare(self.stores)  # WAL and a busy timeout on SQLite, as every client here
            uri = self.stores.backend_uri
            self._client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        return self._client

    # -- models ---------------------------------------------------------------------------
    def list_models(self) -> list[ModelInfo]:
        """Every registered model, by name."""
        models = _all_pages(lambda token: self.client.search_registered_models(page_token=token))
        latest: dict[str, int] = {}
        for version in self._versions():
            latest[version.name] = max(latest.get(version.name, 0), int(version.version))
        return sorted((_model_info(m, latest.get(m.name)) for m in models), key=lambda m: m.name)

    def get_model(self, name: str) -> ModelInfo:
        """The registered model ``name``; NotFoundError naming the models there are."""
        model = self._registered_model(name)
        versions = [int(v.version) for v in self._versions(name)]
        return _model_info(model, max(versions, default=None))

    def list_versions(self, name: str) -> list[ModelVersionInfo]:
        """The versions of model ``name``, newest first."""
        aliases = _aliases_by_version(self._registered_model(name))
        # MLflow's version search leaves aliases out: they come from the model.
        found = [_version_info(v, aliases.get(int(v.version), ())) for v in self._versions(name)]
        return sorted(found, key=lambda v: -v.version)

    def get_version(self, name: str, version: int) -> ModelVersionInfo:
        """Version ``version`` of model ``name``; NotFoundError naming the versions there are."""
        from mlflow.exceptions import MlflowException

        try:
            return _version_info(self.client.get_model_version(name, str(version)))
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        known = ", ".join(str(v.version) for v in reversed(self.list_versions(name)))
        raise NotFoundError(
            f"model '{name}' has no version {version}; its versions: {known or 'none yet'}"
        )

    def show(self, name: str, version: int | None = None) -> ModelDetail:
        """A model with its versions and the signature of ``version`` (default: the newest)."""
        model = self.get_model(name)
        versions = self.list_versions(name)
        chosen = self.get_version(name, version) if version is not None else None
        if chosen is None and versions:
            chosen = versions[0]
        signature = self._signature(chosen) if chosen is not None else None
        return ModelDetail(model, tuple(versions), signature)

    # -- versions by URI and their signatures ---------------------------------------------
    def resolve(self, model_uri: str) -> ModelVersionInfo | None:
        """The registered version ``models:/name@alias`` or ``models:/name/N|latest`` means
        now; None for URIs outside the registry (``runs:/...``, paths, logged models)."""
        if match := _ALIAS_URI.match(model_uri):
            name, alias = match["name"], match["alias"]
            aliases = self._registered_model(name).aliases or {}
            if alias not in aliases:
                known = ", ".join(sorted(aliases)) or "none"
                raise NotFoundError(f"model '{name}' has no alias '{alias}'; its aliases: {known}")
            return self.get_version(name, int(aliases[alias]))
        if match := _VERSION_URI.match(model_uri):
            name, text = match["name"], match["version"]
            if text == "latest":
                versions = self.list_versions(name)
                if not versions:
                    raise NotFoundError(f"model '{name}' has no versions yet")
                return versions[0]
            if not text.isdigit():
                raise InvalidInputError(
                    f"'{model_uri}' names no version: use models:/{name}/<number>, "
                    f"models:/{name}/latest or models:/{name}@<alias>"
                )
            return self.get_version(name, int(text))
        return None

    def download_uri(self, version: ModelVersionInfo) -> str:
        """Where the version's model files are (in the workspace's artifact store)."""
        return str(self.client.get_model_version_download_uri(version.name, str(version.version)))

    def signature(self, name: str, version: int) -> ModelSignatureInfo:
        """The inputs and outputs version ``version`` of model ``name`` was logged with."""
        return self._signature(self.get_version(name, version))

    def _signature(self, info: ModelVersionInfo) -> ModelSignatureInfo:
        from mlflow.artifacts import download_artifacts
        from mlflow.models import Model

        with tempfile.TemporaryDirectory(prefix="brickyard-mlmodel-") as folder:
            # Only the MLmodel file: Model.load(<file:// folder>) fails on MLflow 3.
            uri = f"{self.download_uri(info)}/MLmodel"
            path = download_artifacts(artifact_uri=uri, dst_path=folder)
            signature = Model.load(path).signature
        if signature is None:
            return ModelSignatureInfo(info.version, None, None)
        return ModelSignatureInfo(
            info.version, _columns(signature.inputs), _columns(signature.outputs)
        )

    # -- helpers --------------------------------------------------------------------------
    def _registered_model(self, name: str) -> RegisteredModel:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_registered_model(name)
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        names = [m.name for m in self.list_models()]
        known = f"registered models: {', '.join(names)}" if names else "no models are registered"
        raise NotFoundError(f"registered model '{name}' does not exist; {known}") from None

    def _versions(self, name: str | None = None) -> list[ModelVersion]:
        """The versions of model ``name`` (of every model when None), in no order."""
        where = _name_filter(name) if name is not None else None
        found = _all_pages(lambda token: self.client.search_model_versions(where, page_token=token))
        return [v for v in found if name is None or v.name == name]


def _name_filter(name: str) -> str | None:
    """MLflow's filter for one model name. Its filter language has no escapes: a name with
    both kinds of quotes gets no filter (all versions are read, then picked by name)."""
    if "'" not in name:
        return f"name = '{name}'"
    if '"' not in name:
        return f'name = "{name}"'
    return None


def _all_pages(fetch: Callable[[str | None], PagedList[T]]) -> list[T]:
    """Every item of a paged MLflow search (``fetch(page_token)`` -> one page)."""
    items: list[T] = []
    token = None
    while True:
        page = fetch(token)
        items.extend(page)
        token = page.token
        if not token:
            return items


def _model_info(model: RegisteredModel, latest: int | None) -> ModelInfo:
    return ModelInfo(
        name=model.name,
        description=model.description or None,
        latest_version=latest,
        aliases={alias: int(v) for alias, v in sorted((model.aliases or {}).items())},
        tags=dict(model.tags or {}),
        created_at=model.creation_timestamp,
        updated_at=model.last_updated_timestamp,
    )


def _aliases_by_version(model: RegisteredModel) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for alias, version in (model.aliases or {}).items():
        found.setdefault(int(version), []).append(alias)
    return {version: tuple(sorted(names)) for version, names in found.items()}


def _version_info(version: ModelVersion, aliases: Sequence[str] | None = None) -> ModelVersionInfo:
    return ModelVersionInfo(
        name=version.name,
        version=int(version.version),
        status=str(version.status),
        run_id=version.run_id or None,
        source=str(version.source),
        aliases=tuple(sorted(version.aliases or [] if aliases is None else aliases)),
        tags=dict(version.tags or {}),
        created_at=version.creation_timestamp,
        description=version.description or None,
    )


def _columns(schema: Any) -> tuple[SignatureColumn, ...] | None:
    from mlflow.types.schema import DataType, TensorSpec

    if schema is None:
        return None
    columns = []
    for spec in schema.inputs:  # ColSpec or TensorSpec
        if isinstance(spec, TensorSpec):
            kind = f"tensor {spec.type} {list(spec.shape)}"
        else:  # a DataType by its name ("double"), else Array(...), Object(...), Map(...)
            kind = spec.type.name if isinstance(spec.type, DataType) else str(spec.type)
        columns.append(SignatureColumn(spec.name, kind, bool(getattr(spec, "required", True))))
    return tuple(columns)
