"""`brickyard users ...`: users and roles for servers that require auth (browser logins)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from brickyard.cli.common import FormatOption, HomeOption, open_workspace
from brickyard.cli.output import OutputFormat, emit, ms_to_text, say
from brickyard.domain.errors import InvalidInputError
from brickyard.services.users import UserService

users_app = typer.Typer(
    help="Users and roles (admin, user) for logging in when \\[server] auth = true.",
    no_args_is_help=True,
)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from stdin (scripts) instead of a prompt."
    ),
]


@users_app.command("create")
def create_user(
    name: str,
    role: Annotated[str, typer.Option("--role", help="admin or user.")] = "user",
    password_stdin: PasswordStdin = False,
    home: HomeOption = None,
) -> None:
    """Create a user who logs in with a password (or with API tokens made for the name)."""
    password = _read_password(password_stdin)
    with _users(home) as users:
        user = users.create(name, role, password)
    say(f"Created user [bold]{user.name}[/] (role {user.role.value})")


@users_app.command("list")
def list_users(home: HomeOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """List users and their roles (never their password hashes)."""
    with _users(home) as users:
        found = users.list()
    rows = [
        {
            "name": u.name,
            "role": u.role.value,
            "disabled": u.disabled,
            "password": u.has_password,
            "created": ms_to_text(u.created_at),
            "updated": ms_to_text(u.updated_at),
        }
        for u in found
    ]
    emit(rows, fmt, "Users", ["name", "role", "disabled", "password", "created", "updated"])


@users_app.command("set-password")
def set_password(name: str, password_stdin: PasswordStdin = False, home: HomeOption = None) -> None:
    """Change a user's password; their browser sessions end."""
    password = _read_password(password_stdin)
    with _users(home) as users:
        users.set_password(name, password)
    say(f"Password of [bold]{name}[/] changed")


@users_app.command("disable")
def disable_user(name: str, home: HomeOption = None) -> None:
    """Stop a user from logging in or using their API tokens; their sessions end."""
    with _users(home) as users:
        users.disable(name)
    say(f"Disabled user [bold]{name}[/]")


@users_app.command("enable")
def enable_user(name: str, home: HomeOption = None) -> None:
    """Let a disabled user log in (and use their API tokens) again."""
    with _users(home) as users:
        users.enable(name)
    say(f"Enabled user [bold]{name}[/]")


@contextmanager
def _users(home: Path | None) -> Iterator[UserService]:
    from brickyard.adapters.metadata_sql.users_store import SqlUserStore

    with open_workspace(home) as ws:
        yield UserService(SqlUserStore(ws.store.engine), ws.clock, ws.tokens)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.read().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidInputError("no terminal to ask the password on: pass --password-stdin")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password
