"""Access control for every request, in one ASGI middleware.

In this order, before any route runs (the MLflow mount at ``/mlflow`` included):

- Default (loopback bind, ``[server] auth = false``): no credentials needed (any sent are
  ignored), but the Host header must be a loopback name, so a DNS-rebinding page cannot
  reach the API.
- Always: a path with a ``..`` segment (or a NUL) is refused (400); a body larger than
  ``[server] max_request_mb`` is refused (413) from its Content-Length before it is read, or
  as soon as a chunked body grows past it; POST/PUT/PATCH (and DELETE with a body) must be
  ``Content-Type: application/json``. A page on another origin can only send those
  cross-site as "simple" form posts, which are never JSON; a JSON or bodiless DELETE needs a
  CORS preflight, which this server never grants.
- ``auth = true``: every request (``OPEN_PATHS``/``OPEN_PREFIXES`` aside) needs ``Authorization: Bearer
  <token>`` or a valid session cookie (``SESSION_COOKIE``, from ``POST /api/auth/login``).
  Without either: 401 JSON, or for a browser asking for a page (GET, ``Accept: text/html``,
  not under ``/api/``) a redirect to ``/login?next=<the page>``. A state-changing request
  (POST/PUT/PATCH/DELETE) made with the cookie must send ``X-CSRF-Token`` equal to its
  session's token; under ``/mlflow/``, whose UI cannot send it, its Origin (or Referer) must
  be this server instead. Bearer-token requests need neither: browsers never add that header
  on their own.

The request's principal (user and role) goes into the scope's state (``principal``, and the
user name as ``user``); routes decide what it may do through ``api/auth.py: authorize``.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brickyard.api.errors import status_for
from brickyard.config import Config
from brickyard.domain.errors import AuthError, BrickyardError, NotFoundError
from brickyard.services.permissions import Principal, Role
from brickyard.services.tokens import TokenService
from brickyard.services.users import ActiveSession, UserService

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
SESSION_COOKIE = "brickyard_session"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_PAGE = "/login"
MLFLOW_PREFIX = "/mlflow"
# Reachable without credentials when auth is on: health, logging in and out, and the web
# UI's login page with what it loads (its built, content-hashed files and icons).
OPEN_PATHS = frozenset(
    {
        "/api/health",
        "/api/auth/login",
        "/api/auth/logout",
        LOGIN_PAGE,
        "/favicon.ico",
        "/favicon.svg",
    }
)
OPEN_PREFIXES = ("/assets/",)
_JSON_ONLY = {"POST", "PUT", "PATCH"}
_STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
_MB = 1024 * 1024


def request_limit(config: Config) -> int:
    """``[server] max_request_mb`` in bytes (0: no limit)."""
    return max(int(config.get("server.max_request_mb")), 0) * _MB


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


def inside_folder(root: Path, path: Path) -> Path:
    """``path`` resolved (symlinks followed) if it is inside ``root``; else NotFoundError.

    For any route serving files from a folder (task logs, executed notebooks): a name that
    leads elsewhere (``..``, an absolute path, a symlink out) is treated as missing.
    """
    base = root.resolve()
    resolved = path.resolve()
    if resolved != base and not resolved.is_relative_to(base):
        raise NotFoundError("no such file in the workspace's logs")
    return resolved


class RequestTooLarge(HTTPException):
    """A body over the limit: raised while it streams in, answered 413 by the error mapping."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


@dataclass(frozen=True)
class _Refusal:
    status: int
    code: str
    message: str
    headers: tuple[tuple[bytes, bytes], ...] = ()


class AccessControl:
    """ASGI middleware applying the rules above before any route runs."""

    def __init__(
        self,
        app: ASGIApp,
        tokens: TokenService,
        auth: bool,
        users: UserService | None = None,
        max_request_bytes: int = 64 * _MB,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.auth = auth
        self.users = users
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            refusal = self._check(scope, headers)
        except BrickyardError as exc:  # e.g. the token store is unreachable: fail closed
            status, code = status_for(exc)
            refusal = _Refusal(status, code, exc.message)
        if refusal is not None:
            if scope["type"] == "websocket":
                await send(
                    {"type": "websocket.close", "code": 1008, "reason": refusal.message[:120]}
                )
                return
            await _send_error(send, refusal)
            return
        if scope["type"] == "http" and self.max_request_bytes and "transfer-encoding" in headers:
            await self._call_limited(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _check(self, scope: Scope, headers: dict[str, str]) -> _Refusal | None:
        method = scope.get("method", "GET")
        path = scope.get("path", "")
        if not self.auth:
            host = host_without_port(headers.get("host", ""))
            if not is_loopback(host):
                return _Refusal(
                    403,
                    "PERMISSION_DENIED",
                    f"Host '{host}' is not a loopback name; this server only answers "
                    "requests for localhost/127.0.0.1. To serve other hosts set "
                    "[server] auth = true and use API tokens.",
                )
        if "\x00" in path or ".." in path.replace("\\", "/").split("/"):
            return _Refusal(400, "INVALID_PARAMETER_VALUE", "paths may not contain '..' segments")
        refusal = self._check_size(headers)
        if refusal is not None:
            return refusal
        if method in _JSON_ONLY or (method == "DELETE" and _has_body(headers)):
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                return _Refusal(
                    415,
                    "BAD_REQUEST",
                    f"{method} requests must have 'Content-Type: application/json' "
                    f"(got '{content_type or 'none'}')",
                )
        if self.auth and path not in OPEN_PATHS and not path.startswith(OPEN_PREFIXES):
            return self._authenticate(scope, headers)
        return None

    def _check_size(self, headers: dict[str, str]) -> _Refusal | None:
        length = headers.get("content-length")
        if length is None or not self.max_request_bytes:
            return None
        if not length.strip().isdigit():
            return _Refusal(400, "BAD_REQUEST", f"invalid Content-Length header '{length[:40]}'")
        if int(length) > self.max_request_bytes:
            return _Refusal(413, "REQUEST_TOO_LARGE", _too_large(self.max_request_bytes))
        return None

    def _authenticate(self, scope: Scope, headers: dict[str, str]) -> _Refusal | None:
        """Find who the request acts as (token or session cookie), then check CSRF rules."""
        session: ActiveSession | None = None
        authorization = headers.get("authorization", "")
        cookie = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        if authorization:
            scheme, _, secret = authorization.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return _Refusal(
                    401, "UNAUTHENTICATED", "send the token as 'Authorization: Bearer <token>'"
                )
            try:
                user = self.tokens.authenticate(secret.strip()).user
                principal = self.users.principal(user) if self.users else Principal(user, Role.USER)
            except AuthError as exc:
                return _Refusal(401, "UNAUTHENTICATED", exc.message)
        elif cookie and self.users is not None:
            try:
                session = self.users.session(cookie)
            except AuthError as exc:
                return self._unauthenticated(scope, headers, exc.message, clear_cookie=True)
            principal = session.principal
        else:
            return self._unauthenticated(
                scope,
                headers,
                "this server requires a login (POST /api/auth/login) or a token: send "
                "'Authorization: Bearer <token>' (create one with `brickyard tokens create "
                "--user NAME`)",
                clear_cookie=False,
            )
        if session is not None:
            refusal = _csrf_refusal(scope, headers, session)
            if refusal is not None:
                return refusal
        state = scope.setdefault("state", {})
        state["user"] = principal.name
        state["principal"] = principal
        state["session"] = session
        return None

    def _unauthenticated(
        self, scope: Scope, headers: dict[str, str], message: str, clear_cookie: bool
    ) -> _Refusal:
        extra: list[tuple[bytes, bytes]] = []
        if clear_cookie:
            secure = scope.get("scheme") in ("https", "wss")
            extra.append((b"set-cookie", session_cookie("", 0, secure).encode("latin-1")))
        if _wants_page(scope, headers):
            target = scope.get("path", "/")
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
            location = f"{LOGIN_PAGE}?next={quote(target, safe='')}"
            extra.append((b"location", location.encode("latin-1")))
            return _Refusal(303, "UNAUTHENTICATED", message, tuple(extra))
        extra.append((b"www-authenticate", b'Bearer realm="brickyard"'))
        return _Refusal(401, "UNAUTHENTICATED", message, tuple(extra))

    async def _call_limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app counting a streamed body's bytes; past the limit, 413."""
        limit = self.max_request_bytes
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except RequestTooLarge:
            if started:
                raise
            await _send_error(send, _Refusal(413, "REQUEST_TOO_LARGE", _too_large(limit)))


def session_cookie(secret: str, max_age: int, secure: bool) -> str:
    """The Set-Cookie value of a session: HttpOnly, SameSite=Strict, Path=/, Secure over
    https; an empty ``secret`` with ``max_age`` 0 deletes it."""
    flags = "; Secure" if secure else ""
    return (
        f"{SESSION_COOKIE}={secret}; Max-Age={max(max_age, 0)}; Path=/; HttpOnly; "
        f"SameSite=Strict{flags}"
    )


def _csrf_refusal(scope: Scope, headers: dict[str, str], session: ActiveSession) -> _Refusal | None:
    method = scope.get("method", "GET")
    path = scope.get("path", "")
    websocket = scope["type"] == "websocket"
    if not websocket and method not in _STATE_CHANGING:
        return None
    if websocket or path == MLFLOW_PREFIX or path.startswith(MLFLOW_PREFIX + "/"):
        if _same_origin(headers):
            return None
        return _Refusal(
            403,
            "PERMISSION_DENIED",
            f"cross-site request refused: {method} {path} with the session cookie needs an "
            "Origin (or Referer) header naming this server "
            f"('{headers.get('host', '')}')",
        )
    sent = headers.get(CSRF_HEADER.lower(), "")
    if sent and hmac.compare_digest(sent.encode("latin-1"), session.csrf_token.encode()):
        return None
    why = "missing" if not sent else "wrong"
    return _Refusal(
        403,
        "PERMISSION_DENIED",
        f"{why} {CSRF_HEADER} header: {method} requests made with the session cookie must send "
        f"the csrf_token that POST /api/auth/login and GET /api/auth/me return",
    )


def _same_origin(headers: dict[str, str]) -> bool:
    source = headers.get("origin") or headers.get("referer") or ""
    host = headers.get("host", "").strip().lower()
    if not source or not host:
        return False
    parts = urlsplit(source.strip())
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host


def _wants_page(scope: Scope, headers: dict[str, str]) -> bool:
    return (
        scope["type"] == "http"
        and scope.get("method") in ("GET", "HEAD")
        and not scope.get("path", "").startswith("/api/")
        and "text/html" in headers.get("accept", "")
    )


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"') or None
    return None


def _has_body(headers: dict[str, str]) -> bool:
    return headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers


def _too_large(limit: int) -> str:
    return (
        f"request body too large: the limit is {limit // _MB} MB ([server] max_request_mb)"
        if limit >= _MB
        else f"request body too large: the limit is {limit} bytes"
    )


async def _send_error(send: Send, refusal: _Refusal) -> None:
    body = json.dumps({"error_code": refusal.code, "message": refusal.message}).encode()
    response_headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *refusal.headers,
    ]
    await send(
        {"type": "http.response.start", "status": refusal.status, "headers": response_headers}
    )
    await send({"type": "http.response.body", "body": body})
