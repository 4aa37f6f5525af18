"""JSON answers serialised once, in Rust (pydantic-core): a route returning a plain dict
otherwise goes through FastAPI's per-value Python encoding, the larger part of a listing's
time under load."""

from __future__ import annotations

from fastapi import Response
from pydantic_core import to_json


def json_response(body: object, status_code: int = 200) -> Response:
    return Response(
        to_json(body, fallback=str), status_code=status_code, media_type="application/json"
    )
