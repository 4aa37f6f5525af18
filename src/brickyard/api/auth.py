"""Logging in, who am I, users, and the one permission check every route goes through.

Endpoints: ``POST /api/auth/login`` (``{"user", "password"}`` or ``{"token"}``: sets the
session cookie, returns ``{"user", "role", "csrf_token", "expires_at"}``),
``POST /api/auth/logout``, ``GET /api/auth/me``, ``GET /api/users`` and ``POST /api/users``
(admins only).

``authorize`` is a dependency of the whole app (``FastAPI(dependencies=...)``): every route
names one action on one resource (``ROUTE_ACTIONS``, else ``read``/``write`` of its path),
and ``Permissions.check`` decides. Catalog grants will plug in there, not in the routes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from brickyard.adapters.metadata_sql.users_store import SqlUserStore
from brickyard.api.security import SESSION_COOKIE, session_cookie
from brickyard.domain.errors import InvalidInputError
from brickyard.services.permissions import Permissions, Principal, Role
from brickyard.services.users import ActiveSession, UserInfo, UserService
from brickyard.workspace import Workspace

router = APIRouter(tags=["auth"])

# (method, route path) -> (action, resource); "{name}" in a resource is the path parameter.
ROUTE_ACTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/api/users"): ("users.list", "users"),
    ("POST", "/api/users"): ("users.create", "users"),
    ("POST", "/api/2.1/unity-catalog/catalogs"): ("catalogs.create", "catalogs"),
    ("DELETE", "/api/2.1/unity-catalog/catalogs/{name}"): ("catalogs.delete", "catalog:{name}"),
    ("POST", "/api/2.0/serving-endpoints"): ("serving.create", "serving-endpoints"),
    ("PUT", "/api/2.0/serving-endpoints/{name}/config"): (
        "serving.update",
        "serving-endpoint:{name}",
    ),
    ("DELETE", "/api/2.0/serving-endpoints/{name}"): ("serving.delete", "serving-endpoint:{name}"),
    # Databricks pauses a job through its settings (schedule.pause_status).
    ("POST", "/api/2.2/jobs/update"): ("jobs.pause", "jobs"),
    ("POST", "/api/2.2/jobs/reset"): ("jobs.pause", "jobs"),
}
_DEFAULT_PERMISSIONS = Permissions()


def user_service(workspace: Workspace) -> UserService:
    """The workspace's users and sessions (``[server] session_hours``)."""
    hours = float(workspace.config.get("server.session_hours"))
    store = SqlUserStore(workspace.store.engine)
    return UserService(store, workspace.clock, workspace.tokens, hours)


async def authorize(request: Request) -> Principal:
    """The request's principal, once the permission model allows the route's action."""
    principal = current_principal(request)
    route = request.scope.get("route")
    template = str(getattr(route, "path", request.url.path))
    _check_path_params(request.path_params)
    action, resource = route_action(request.method, template, request.path_params)
    permissions: Permissions = getattr(request.app.state, "permissions", _DEFAULT_PERMISSIONS)
    permissions.check(principal, action, resource)
    return principal


def route_action(method: str, template: str, params: dict[str, Any]) -> tuple[str, str]:
    """The action and resource a request to route ``template`` stands for."""
    found = ROUTE_ACTIONS.get((method, template))
    if found is None:
        return ("read" if method in ("GET", "HEAD") else "write"), template
    action, resource = found
    for key, value in params.items():
        resource = resource.replace("{" + key + "}", str(value))
    return action, resource


def current_principal(request: Request) -> Principal:
    """Who the request acts as: set by AccessControl; with auth off, the local user (admin)."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    if getattr(request.app.state, "auth", False):
        return Principal("anonymous", Role.USER)  # an open path (login, health)
    return Principal(request.app.state.workspace.user, Role.ADMIN)


# -- login -----------------------------------------------------------------------------------
class LoginIn(BaseModel):
    user: str | None = None
    password: str | None = None
    token: str | None = None


class CreateUserIn(BaseModel):
    name: str
    role: str = Role.USER.value
    password: str | None = None


@router.post("/api/auth/login")
def login(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
    """Open a browser session with a password or an API token (sets the session cookie)."""
    if not getattr(request.app.state, "auth", False):
        raise InvalidInputError(
            "this server has no logins ([server] auth = false): requests from this machine "
            "act as the local user"
        )
    users = _users(request)
    if body.token is not None and body.user is None and body.password is None:
        secret, session = users.login_with_token(body.token)
    elif body.user is not None and body.password is not None and body.token is None:
        secret, session = users.login(body.user, body.password)
    else:
        raise InvalidInputError('send {"user": NAME, "password": PASSWORD} or {"token": TOKEN}')
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        users.logout(previous)  # a login always starts a new session id
    max_age = round((session.expires_at - users.clock.now_ms()) / 1000)
    secure = request.url.scheme == "https"
    response.headers.append("set-cookie", session_cookie(secret, max_age, secure))
    return _me(session.principal, session, auth=True)


@router.post("/api/auth/logout")
def logout(request: Request, response: Response) -> dict[str, Any]:
    """End the browser session (if any) and delete its cookie."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        _users(request).logout(secret)
    response.headers.append("set-cookie", session_cookie("", 0, request.url.scheme == "https"))
    return {}


@router.get("/api/auth/me")
def me(request: Request) -> dict[str, Any]:
    """Who the request acts as, and the session's CSRF token (null with a token or no auth)."""
    session = getattr(request.state, "session", None)
    active = session if isinstance(session, ActiveSession) else None
    auth = bool(getattr(request.app.state, "auth", False))
    return _me(current_principal(request), active, auth)


# -- users -----------------------------------------------------------------------------------
@router.get("/api/users")
def list_users(request: Request) -> dict[str, Any]:
    return {"users": [_user(u) for u in _users(request).list()]}


@router.post("/api/users")
def create_user(body: CreateUserIn, request: Request) -> dict[str, Any]:
    return _user(_users(request).create(body.name, body.role, body.password))


def _me(principal: Principal, session: ActiveSession | None, auth: bool) -> dict[str, Any]:
    return {
        "user": principal.name,
        "role": principal.role.value,
        "csrf_token": session.csrf_token if session else None,
        "expires_at": session.expires_at if session else None,
        "auth": auth,
    }


def _user(user: UserInfo) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role.value,
        "disabled": user.disabled,
        "has_password": user.has_password,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def _users(request: Request) -> UserService:
    users: UserService = request.app.state.users
    return users


def _check_path_params(params: dict[str, Any]) -> None:
    for key, value in params.items():
        text = str(value)
        if (
            "\x00" in text
            or text.startswith(("/", "\\"))
            or ".." in text.replace("\\", "/").split("/")
        ):
            raise InvalidInputError(
                f"path parameter {key} may not be an absolute path or contain '..'"
            )
