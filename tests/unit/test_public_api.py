"""The package's public names are a contract: changing them must be deliberate."""

import brickyard


def test_exported_names_are_locked() -> None:
    assert sorted(brickyard.__all__) == [
        "AlreadyExistsError",
        "AuthError",
        "BrickyardError",
        "ConcurrentWriteError",
        "ConfigError",
        "InvalidInputError",
        "InvalidNameError",
        "NotFoundError",
        "SchemaMismatchError",
        "StorageError",
        "Table",
        "Workspace",
        "__version__",
        "connect",
        "job",
        "mlflow",
        "spark",
        "task",
    ]
    for name in brickyard.__all__:
        assert getattr(brickyard, name) is not None


def test_every_error_is_a_brickyard_error_and_says_if_retrying_helps() -> None:
    assert brickyard.ConcurrentWriteError("x").transient
    assert not brickyard.InvalidInputError("x").transient
    assert brickyard.StorageError("x", transient=True).transient
    for name in brickyard.__all__:
        value = getattr(brickyard, name)
        if isinstance(value, type) and name.endswith("Error"):
            assert issubclass(value, brickyard.BrickyardError)
