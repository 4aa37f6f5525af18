"""Brickyard's error tree: one root, user-facing messages, and whether a retry can help.

BrickyardError                  message a user can act on; ``transient`` says if a retry may help
├── InvalidNameError            a catalog/schema/table/column name breaks the naming rule
├── NotFoundError               the object does not exist (message lists close matches)
├── AlreadyExistsError          an object with that name exists already
├── InvalidInputError           data, file or argument the operation cannot take
│   └── SchemaMismatchError     data whose schema does not fit the table's
├── ConcurrentWriteError        another writer committed first (transient: retry)
├── ConfigError                 brickyard.toml or an env var override is wrong
├── AuthError                   missing/invalid token, bad Host header, refused bind
│   └── PermissionDeniedError   who is asking is known, but their role does not allow it
└── StorageError                the storage backend failed (transient when it says so)
"""

from __future__ import annotations


class BrickyardError(Exception):
    """Root of every error Brickyard raises on purpose."""

    transient: bool = False

    def __init__(self, message: str, *, transient: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if transient is not None:
            self.transient = transient

    def __str__(self) -> str:
        return self.message


class InvalidNameError(BrickyardError):
    """A name breaks the naming rule."""


class NotFoundError(BrickyardError):
    """The named object does not exist."""


class AlreadyExistsError(BrickyardError):
    """An object with that name exists already."""


class InvalidInputError(BrickyardError):
    """Input (data, file, argument) the operation cannot take."""


class SchemaMismatchError(InvalidInputError):
    """Data whose schema does not fit the table's."""


class ConcurrentWriteError(BrickyardError):
    """Another writer committed a conflicting change first; retrying can succeed."""

    transient = True


class ConfigError(BrickyardError):
    """The workspace configuration is wrong."""


class AuthError(BrickyardError):
    """Access refused: missing or invalid credentials, or an unsafe server setup."""


class PermissionDeniedError(AuthError):
    """The caller is authenticated, but the permission model does not allow the action."""


class StorageError(BrickyardError):
    """The storage backend failed."""
