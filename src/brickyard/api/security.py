"""Access control for every request, in one ASGI middleware.

- Default (loopback bind, ``[server] auth = false``): no token needed (one sent is ignored), but
  the Host header must be a loopback name, so a DNS-rebinding page cannot reach the API.
- ``auth = true``: every request needs ``Authorization: Bearer <token>`` (``/api/health`` aside).
- Always: POST/PUT/PATCH (and DELETE with a body) must be ``Content-Type: application/json``.
  A page on another origin can only send those cross-site as "simple" form posts, which are
  never JSON; a JSON or bodiless DELETE needs a CORS preflight, which this server never grants.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from brickyard.api.errors import status_for
from brickyard.domain.errors import AuthError, BrickyardError
from brickyard.services.tokens import TokenService

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_STATE_CHANGING = {"POST", "PUT", "PATCH"}
_OPEN_PATHS = {"/api/health"}


def is_loopback(host: str) -> bool:
    """True for a loopback host name or address (``localhost``, ``127.x.y.z``, ``::1``)."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and "]" in name:
        name = name[1 : name.index("]")]
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_without_port(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[: host_header.find("]") + 1] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class AccessControl:
    """ASGI middleware applying the rules above before any route runs."""

    def __init__(self, app: ASGIApp, tokens: TokenService, auth: bool) -> None:
        self.app = app
        self.tokens = tokens
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            refusal = self._check(scope, headers)
        except BrickyardError as exc:  # e.g. the token store is unreachable: fail closed
            status, code = status_for(exc)
            refusal = (status, code, exc.message)
        if refusal is not None:
            status, code, message = refusal
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
                return
            await _send_error(send, status, code, message)
            return
        await self.app(scope, receive, send)

    def _check(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, str] | None:
        method = scope.get("method", "GET")
        if not self.auth:
            host = host_without_port(headers.get("host", ""))
            if not is_loopback(host):
                return (
                    403,
                    "PERMISSION_DENIED",
                    f"Host '{host}' is not a loopback name; this server only answers "
                    "requests for localhost/127.0.0.1. To serve other hosts set "
                    "[server] auth = true and use API tokens.",
                )
        if method in _STATE_CHANGING or (method == "DELETE" and _has_body(headers)):
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                return (
                    415,
                    "BAD_REQUEST",
                    f"{method} requests must have 'Content-Type: application/json' "
                    f"(got '{content_type or 'none'}')",
                )
        if self.auth and scope.get("path") not in _OPEN_PATHS:
            authorization = headers.get("authorization", "")
            scheme, _, secret = authorization.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return (
                    401,
                    "UNAUTHENTICATED",
                    "this server requires a token: send 'Authorization: Bearer <token>' "
                    "(create one with `brickyard tokens create --user NAME`)",
                )
            try:
                info = self.tokens.authenticate(secret.strip())
            except AuthError as exc:
                return 401, "UNAUTHENTICATED", exc.message
            scope.setdefault("state", {})["user"] = info.user
        return None


def _has_body(headers: dict[str, str]) -> bool:
    return headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error_code": code, "message": message}).encode()
    response_headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        response_headers.append((b"www-authenticate", b'Bearer realm="brickyard"'))
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})
