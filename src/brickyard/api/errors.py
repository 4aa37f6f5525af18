"""Brickyard errors -> HTTP responses ``{"error_code", "message"}``, mapped in one place.

Every error a client sees has that shape (unknown routes, wrong methods and too-large bodies
included). Messages never carry a traceback; the workspace home in any message is written
``<home>``, and a 5xx message shows no filesystem path at all (the server log has them).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

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
    PermissionDeniedError,
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
    (PermissionDeniedError, 403, "PERMISSION_DENIED"),
    (AuthError, 401, "UNAUTHENTICATED"),
]

_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "RESOURCE_CONFLICT",
    413: "REQUEST_TOO_LARGE",
    415: "BAD_REQUEST",
    422: "INVALID_PARAMETER_VALUE",
}

# Paths in messages: file/sqlite URIs, and absolute paths of two or more parts (``/a/b``)
# not inside a URL or after ``<home>``.
_URI_PATH = re.compile(r"\b(?:file|sqlite)[\w+]*:/+[^\s'\"()\[\],;]*")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/>~-])/[\w.@+~%-]+(?:/[\w.@+~%-]*)+")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


def status_for(exc: BrickyardError) -> tuple[int, str]:
    for kind, status, code in _MAPPING:
        if isinstance(exc, kind):
            return status, code
    if isinstance(exc, StorageError) and exc.transient:
        return 503, "TEMPORARILY_UNAVAILABLE"
    return 500, "INTERNAL_ERROR"


def public_message(message: str, status: int, home: Path | None = None) -> str:
    """``message`` as a client may see it: the home as ``<home>``, no path at all in a 5xx."""
    if home is not None:
        for prefix in sorted({str(home), str(home.resolve())}, key=len, reverse=True):
            message = message.replace(prefix, "<home>")
    if status >= 500:
        message = _URI_PATH.sub("<path>", message)
        message = _ABSOLUTE_PATH.sub("<path>", message)
    return message


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BrickyardError)
    async def brickyard_error(request: Request, exc: BrickyardError) -> JSONResponse:
        status, code = status_for(exc)
        if status >= 500:
            log.warning("%s while serving %s %s", exc.message, request.method, request.url.path)
        return error_response(status, code, public_message(exc.message, status, _home(request)))

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
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        code = _STATUS_CODES.get(status, "ERROR")
        message = public_message(str(exc.detail), status, _home(request))
        if status == 404 and message == "Not Found":
            message = f"no such route: {request.method} {request.url.path}; the API is at /docs"
        elif status == 405 and message == "Method Not Allowed":
            message = f"{request.method} is not allowed on {request.url.path}"
        response = error_response(status, code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response


def _home(request: Request) -> Path | None:
    workspace = getattr(request.app.state, "workspace", None)
    home = getattr(workspace, "home", None)
    return Path(home) if home is not None else None
