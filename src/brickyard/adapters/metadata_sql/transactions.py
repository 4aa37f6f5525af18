"""Every metadata-store call raises Brickyard errors, never raw SQLAlchemy ones."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from brickyard.domain.errors import StorageError

T = TypeVar("T")


def db_errors_translated(cls: type[T]) -> type[T]:
    """Every public method raises Brickyard errors only, never raw SQLAlchemy ones."""
    for name, method in list(vars(cls).items()):
        if callable(method) and not name.startswith("_"):
            setattr(cls, name, _translating(method))
    return cls


def _translating(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except SQLAlchemyError as exc:
            transient = isinstance(exc, OperationalError)
            detail = getattr(exc, "orig", None) or exc
            hint = "retry" if transient else "check metadata.url and the database's health"
            raise StorageError(
                f"the metadata database failed ({detail}); {hint}", transient=transient
            ) from exc

    return wrapper


class Transaction:
    """``engine.begin()`` that turns lock time-outs into a retryable StorageError."""

    def __init__(self, engine: Engine) -> None:
        self._context = engine.begin()

    def __enter__(self) -> Any:
        return self._context.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        try:
            return self._context.__exit__(*exc)
        except OperationalError as error:
            raise StorageError(
                f"the metadata database is busy or unreachable ({error.orig}); retry",
                transient=True,
            ) from error
