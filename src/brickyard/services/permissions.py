"""Who may do what: one policy, asked in one place for every API request.

A request acts as a ``Principal`` (a user name and a role). Every route is one ``action`` on
one ``resource`` (``api/auth.py`` names them); ``Permissions.check`` decides. Two roles to
start with:

- ``user``: reads everything, runs jobs and SQL statements, writes the tables it reaches.
- ``admin``: also the admin actions of ``ADMIN_ACTIONS`` (users, catalogs, serving
  endpoints, pausing jobs).

Catalog grants plug in here later: ``check`` is the only decision point, so a grant store
consulted for ``catalog:<name>``-style resources changes no route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from brickyard.domain.errors import InvalidInputError, PermissionDeniedError


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            known = ", ".join(r.value for r in cls)
            raise InvalidInputError(f"unknown role '{text}'; roles: {known}") from None


@dataclass(frozen=True)
class Principal:
    """Who a request acts as."""

    name: str
    role: Role = Role.USER

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


# Action -> what it does, in the words of the refusal message.
ADMIN_ACTIONS: Mapping[str, str] = {
    "users.list": "list users",
    "users.create": "create users",
    "users.delete": "delete or disable users",
    "catalogs.create": "create catalogs",
    "catalogs.delete": "delete catalogs",
    "serving.create": "create serving endpoints",
    "serving.update": "change serving endpoints",
    "serving.delete": "delete serving endpoints",
    "jobs.pause": "pause or unpause jobs",
}


class Permissions:
    """The permission model: a role's allowed actions (catalog grants come later)."""

    def __init__(self, admin_actions: Mapping[str, str] = ADMIN_ACTIONS) -> None:
        self.admin_actions = admin_actions

    def allows(self, user: Principal, action: str, resource: str) -> bool:
        del resource  # no per-object rules yet: grants will read it
        return user.is_admin or action not in self.admin_actions

    def check(self, user: Principal, action: str, resource: str) -> None:
        """Return if ``user`` may do ``action`` on ``resource``; else PermissionDeniedError."""
        if not self.allows(user, action, resource):
            what = self.admin_actions.get(action, action)
            raise PermissionDeniedError(
                f"user '{user.name}' (role {user.role.value}) may not {what}: only admins may "
                f"(an admin can run `brickyard users create NAME --role admin`)"
            )
