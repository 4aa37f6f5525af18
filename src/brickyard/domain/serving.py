"""Serving endpoints: a name, the registered model it serves (a fixed version or an alias
followed as it moves), and what it is doing now.

No MLflow here: a model URI is parsed as text (``models:/NAME@ALIAS``, ``models:/NAME/VERSION``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from brickyard.domain.errors import BrickyardError, InvalidInputError, InvalidNameError

# Databricks' rule for endpoint names: letters, digits, dashes and underscores.
_ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


class EndpointNotReadyError(BrickyardError):
    """The endpoint has no model loaded: still loading (transient) or loading failed."""


class ModelLoadError(BrickyardError):
    """A model could not be loaded in the server's Python environment."""


class Readiness(StrEnum):
    READY = "READY"
    NOT_READY = "NOT_READY"


class ConfigUpdate(StrEnum):
    NOT_UPDATING = "NOT_UPDATING"
    IN_PROGRESS = "IN_PROGRESS"  # a new version or entity is loading; the old one still serves
    UPDATE_FAILED = "UPDATE_FAILED"


@dataclass(frozen=True)
class ServedEntity:
    """A registered model at a fixed ``version``, or the version its ``alias`` points to."""

    name: str
    version: str | None = None
    alias: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidInputError("a served entity needs entity_name (a registered model)")
        if (self.version is None) == (self.alias is None):
            raise InvalidInputError(
                f"served entity '{self.name}': give exactly one of entity_version or alias"
            )

    @property
    def uri(self) -> str:
        return f"models:/{self.name}@{self.alias}" if self.alias else self.version_uri(self.version)

    def version_uri(self, version: str | None) -> str:
        return f"models:/{self.name}/{version}"


@dataclass(frozen=True)
class EndpointSpec:
    """What an endpoint should serve; stored, or defined in ``[ml.serving]``."""

    name: str
    entity: ServedEntity
    created_by: str
    created_at: int  # epoch ms
    updated_at: int
    from_config: bool = False


@dataclass(frozen=True)
class EndpointStatus:
    """An endpoint as it is now: what it serves, what it is loading, what went wrong."""

    spec: EndpointSpec
    served_name: str | None  # the entity whose model answers invocations (None: none yet)
    served_version: str | None
    loading_version: str | None
    message: str | None  # the last resolve/load error, or None

    @property
    def ready(self) -> Readiness:
        return Readiness.READY if self.served_version is not None else Readiness.NOT_READY

    @property
    def config_update(self) -> ConfigUpdate:
        if self.loading_version is not None:
            return ConfigUpdate.IN_PROGRESS
        if self.message:
            return ConfigUpdate.UPDATE_FAILED
        entity = self.spec.entity
        current = self.served_name == entity.name and entity.version in (None, self.served_version)
        return ConfigUpdate.NOT_UPDATING if current else ConfigUpdate.IN_PROGRESS


def check_endpoint_name(name: str) -> str:
    if not _ENDPOINT_NAME.match(name):
        raise InvalidNameError(
            f"invalid serving endpoint name '{name}': use letters, digits, '-' and '_' "
            "(at most 63, starting with a letter or digit)"
        )
    return name


def parse_model_uri(uri: str) -> ServedEntity:
    """``models:/NAME@ALIAS`` or ``models:/NAME/VERSION`` -> the entity it names."""
    hint = "use models:/NAME@ALIAS or models:/NAME/VERSION"
    if not uri.startswith("models:/"):
        raise InvalidInputError(f"'{uri}' is not a registered model URI: {hint}")
    rest = uri.removeprefix("models:/").strip("/")
    if "@" in rest:
        name, _, alias = rest.partition("@")
        if name and alias and "/" not in alias:
            return ServedEntity(name, alias=alias)
    else:
        name, _, version = rest.rpartition("/")
        if name and version.isdigit():
            return ServedEntity(name, version=version)
    raise InvalidInputError(f"'{uri}' names no model version or alias: {hint}")
