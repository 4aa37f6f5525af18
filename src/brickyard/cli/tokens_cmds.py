"""`brickyard tokens ...`: API tokens for servers that require auth."""

from __future__ import annotations

from typing import Annotated

import typer

from brickyard.cli.common import FormatOption, HomeOption, open_workspace
from brickyard.cli.output import OutputFormat, emit, emit_object, ms_to_text, say

tokens_app = typer.Typer(
    help="API tokens (needed when \\[server] auth = true).", no_args_is_help=True
)


@tokens_app.command("create")
def create_token(
    user: Annotated[str, typer.Option("--user", help="Who the token acts as.")],
    comment: Annotated[str | None, typer.Option("--comment")] = None,
    lifetime_days: Annotated[int | None, typer.Option("--lifetime-days", min=1)] = None,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Create a token; its secret is printed once and stored only as a hash."""
    with open_workspace(home) as ws:
        secret, info = ws.tokens.create(user, comment, lifetime_days)
    if fmt == OutputFormat.json:
        emit_object(
            {"id": info.id, "user": info.user, "token": secret, "expires_at": info.expires_at}, fmt
        )
        return
    say(f"Token [bold]{info.id}[/] for user [bold]{info.user}[/] (shown once, keep it safe):")
    print(secret)


@tokens_app.command("list")
def list_tokens(home: HomeOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """List tokens (never their secrets)."""
    with open_workspace(home) as ws:
        tokens = ws.tokens.list()
    rows = [
        {
            "id": t.id,
            "user": t.user,
            "comment": t.comment,
            "created": ms_to_text(t.created_at),
            "expires": ms_to_text(t.expires_at),
            "last_used": ms_to_text(t.last_used_at),
            "revoked": ms_to_text(t.revoked_at),
        }
        for t in tokens
    ]
    emit(
        rows, fmt, "Tokens", ["id", "user", "comment", "created", "expires", "last_used", "revoked"]
    )


@tokens_app.command("revoke")
def revoke_token(token_id: str, home: HomeOption = None) -> None:
    """Revoke a token: requests with it are refused from now on."""
    with open_workspace(home) as ws:
        ws.tokens.revoke(token_id)
    say(f"Revoked token [bold]{token_id}[/]")
