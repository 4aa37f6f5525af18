"""Databricks Model Serving shapes over Brickyard's serving endpoints.

``/api/2.0/serving-endpoints``: ``GET`` (list), ``POST`` (create), ``GET /{name}``,
``DELETE /{name}``, ``PUT /{name}/config``; and ``POST /serving-endpoints/{name}/invocations``
with MLflow's scoring formats (``dataframe_split``, ``dataframe_records``, ``inputs``,
``instances``), answering ``{"predictions": ...}``.

Invocations take JSON only, as Databricks' do (the access control refuses other POST
bodies); ``brickyard serve`` takes CSV and Parquet too. One served entity per endpoint (no
traffic split): a registered model with ``entity_version`` or, a Brickyard addition,
``alias`` (followed as it moves). ``state.ready`` is ``READY`` once a
model answers; until then invocations get 503 with the reason (loading, or the load error,
which ``served_entities[].state.deployment_state_message`` shows too).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from brickyard.api.errors import error_response
from brickyard.domain.errors import BrickyardError, InvalidInputError
from brickyard.domain.serving import (
    EndpointNotReadyError,
    EndpointStatus,
    ModelLoadError,
    ServedEntity,
)
from brickyard.services.serving import ServingService

router = APIRouter(tags=["serving"])
PREFIX = "/api/2.0/serving-endpoints"


class ServedEntityIn(BaseModel):
    entity_name: str
    entity_version: str | int | None = None
    alias: str | None = None
    name: str | None = None  # Databricks' name of the served entity: accepted, not used


class EndpointConfigIn(BaseModel):
    served_entities: list[ServedEntityIn]


class CreateEndpointIn(BaseModel):
    name: str
    config: EndpointConfigIn


@router.get(PREFIX)
def list_endpoints(request: Request) -> dict[str, Any]:
    return {"endpoints": [_endpoint(s) for s in _service(request).list()]}


@router.post(PREFIX)
def create_endpoint(body: CreateEndpointIn, request: Request) -> dict[str, Any]:
    user = getattr(request.state, "user", None) or request.app.state.workspace.user
    return _endpoint(_service(request).create(body.name, _entity(body.config), user))


@router.get(PREFIX + "/{name}")
def get_endpoint(name: str, request: Request) -> dict[str, Any]:
    return _endpoint(_service(request).get(name))


@router.delete(PREFIX + "/{name}")
def delete_endpoint(name: str, request: Request) -> dict[str, Any]:
    _service(request).delete(name)
    return {}


@router.put(PREFIX + "/{name}/config")
def update_config(name: str, body: EndpointConfigIn, request: Request) -> dict[str, Any]:
    return _endpoint(_service(request).update(name, _entity(body)))


@router.post("/serving-endpoints/{name}/invocations")
async def invoke(name: str, request: Request) -> Response:
    body = await request.body()
    content_type = request.headers.get("content-type")
    try:
        answer = await run_in_threadpool(_service(request).invoke, name, body, content_type)
    except (EndpointNotReadyError, ModelLoadError) as exc:
        return unavailable(exc)
    return Response(answer, media_type="application/json")


def unavailable(exc: BrickyardError) -> JSONResponse:
    """503: the model is loading (retry soon) or could not be loaded (the reason)."""
    code = "TEMPORARILY_UNAVAILABLE" if exc.transient else "ENDPOINT_NOT_READY"
    response = error_response(503, code, exc.message)
    if exc.transient:
        response.headers["retry-after"] = "2"
    return response


def _service(request: Request) -> ServingService:
    service: ServingService = request.app.state.serving
    return service


def _entity(config: EndpointConfigIn) -> ServedEntity:
    entities = config.served_entities
    if len(entities) != 1:
        raise InvalidInputError(
            f"an endpoint serves exactly one entity here (no traffic split); got {len(entities)}"
        )
    given = entities[0]
    version = None if given.entity_version is None else str(given.entity_version)
    return ServedEntity(given.entity_name, version=version, alias=given.alias or None)


def _endpoint(status: EndpointStatus) -> dict[str, Any]:
    spec = status.spec
    entity = spec.entity
    serves_it = status.served_name == entity.name
    version = status.served_version if serves_it else entity.version
    served: dict[str, Any] = {
        "name": f"{entity.name}-{entity.alias or entity.version}",
        "entity_name": entity.name,
        "entity_version": version,
        "state": {
            "deployment": _deployment(status, serves_it),
            "deployment_state_message": status.message or "",
        },
    }
    if entity.alias is not None:
        served["alias"] = entity.alias
    return {
        "name": spec.name,
        "creator": spec.created_by,
        "creation_timestamp": spec.created_at,
        "last_updated_timestamp": spec.updated_at,
        "state": {"ready": status.ready.value, "config_update": status.config_update.value},
        "config": {"served_entities": [served]},
    }


def _deployment(status: EndpointStatus, serves_it: bool) -> str:
    if status.served_version is not None and serves_it:
        return "DEPLOYMENT_READY"
    if status.loading_version is None and status.message:
        return "DEPLOYMENT_FAILED"
    return "DEPLOYMENT_CREATING"
