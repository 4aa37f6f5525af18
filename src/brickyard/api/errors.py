"""Brickyard errors -> HTTP responses ``{"error_code", "message"}``, mapped in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from brickyard.domain.errors import (
    AlreadyExistsError,
    AuthError,
    BrickyardError,
    ConcurrentWriteError,
    InvalidInputError,
    InvalidNameError,
    NotFoundError,
    StorageError,
)

log = logging.getLogger(__name__)

# (status, Databricks error_code), most specific class first.
_MAPPING: list[tuple[type[BrickyardError], int, str]] = [
    (NotFoundError, 404, "RESOURCE_DOES_NOT_EXIST"),
    (AlreadyExistsError, 409, "RESOURCE_ALREADY_EXISTS"),
    (InvalidNameError, 400, "INVALID_PARAMETER_VALUE"),
    (InvalidInputError, 400, "INVALID_PARAMETER_VALUE"),
    (ConcurrentWriteError, 409, "ABORTED"),
    (AuthError, 401, "UNAUTHENTICATED"),
]

_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "RESOURCE_CONFLICT",
    415: "BAD_REQUEST",
}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


def status_for(exc: BrickyardError) -> tuple[int, str]:
    for kind, status, code in _MAPPING:
        if isinstance(exc, kind):
            return status, code
    if isinstance(exc, StorageError) and exc.transient:
        return 503, "TEMPORARILY_UNAVAILABLE"
    return 500, "INTERNAL_ERROR"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BrickyardError)
    async def brickyard_error(_request: Request, exc: BrickyardError) -> JSONResponse:
        status, code = status_for(exc)
        return error_response(status, code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            problems.append(f"{where}: {error.get('msg')}")
        return error_response(400, "INVALID_PARAMETER_VALUE", "; ".join(problems))

    @app.exception_handler(Exception)
    async def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error while serving a request")
        return error_response(
            500,
            "INTERNAL_ERROR",
            f"unexpected server error ({type(exc).__name__}); see the server log",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "ERROR")
        return error_response(exc.status_code, code, str(exc.detail))
