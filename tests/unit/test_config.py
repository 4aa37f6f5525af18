from pathlib import Path

import pytest

from brickyard.config import CONFIG_TEMPLATE, load_config
from brickyard.domain.errors import ConfigError
from brickyard.home import init_home


def test_defaults_use_the_home_for_everything(tmp_path: Path) -> None:
    config = load_config(tmp_path, environ={})
    assert config.metadata_url == f"sqlite:///{tmp_path / 'metadata.db'}"
    assert config.warehouse == str((tmp_path / "warehouse").resolve())
    assert config.server_host == "127.0.0.1"
    assert config.server_port == 8585
    assert config.server_auth is False
    assert config.get("engine.spark.master") == "local[*]"


def test_env_vars_named_after_the_full_key_path_override_the_file(tmp_path: Path) -> None:
    (tmp_path / "brickyard.toml").write_text(CONFIG_TEMPLATE)
    env = {
        "BRICKYARD_METADATA_URL": "postgresql+psycopg://u@h/db",
        "BRICKYARD_ENGINE_SPARK_MASTER": "local[2]",
        "BRICKYARD_SERVER_PORT": "9000",
        "BRICKYARD_SERVER_AUTH": "true",
        "BRICKYARD_STORAGE_OPTIONS_AWS_REGION": "eu-west-1",
    }
    config = load_config(tmp_path, environ=env)
    assert config.metadata_url == "postgresql+psycopg://u@h/db"
    assert config.get("engine.spark.master") == "local[2]"
    assert config.server_port == 9000
    assert config.server_auth is True
    assert config.storage_options == {"aws_region": "eu-west-1"}


def test_file_values_are_read(tmp_path: Path) -> None:
    (tmp_path / "brickyard.toml").write_text(
        '[storage]\nwarehouse = "s3://bucket/wh/"\n[storage.options]\naws_region = "x"\n'
        "[server]\nport = 9999\n"
    )
    config = load_config(tmp_path, environ={})
    assert config.warehouse == "s3://bucket/wh"
    assert config.storage_options == {"aws_region": "x"}
    assert config.server_port == 9999


def test_unknown_keys_and_bad_values_are_explained(tmp_path: Path) -> None:
    (tmp_path / "brickyard.toml").write_text("[server]\nprot = 1\n")
    with pytest.raises(ConfigError, match=r"unknown configuration key 'server\.prot'"):
        load_config(tmp_path, environ={})
    (tmp_path / "brickyard.toml").write_text("[server\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path, environ={})
    (tmp_path / "brickyard.toml").write_text("")
    with pytest.raises(ConfigError, match="must be an integer"):
        load_config(tmp_path, environ={"BRICKYARD_SERVER_PORT": "eighty"})
    with pytest.raises(ConfigError, match="must be true or false"):
        load_config(tmp_path, environ={"BRICKYARD_SERVER_AUTH": "maybe"})


def test_init_home_creates_the_layout_and_is_idempotent(tmp_path: Path) -> None:
    home = tmp_path / "h"
    init_home(home)
    (home / "brickyard.toml").write_text(CONFIG_TEMPLATE.replace("8585", "8600"))
    config = init_home(home)
    assert config.server_port == 8600  # an existing config is never overwritten
    for folder in ("warehouse", "jobs", "logs"):
        assert (home / folder).is_dir()


def test_init_home_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ConfigError, match="is not a folder"):
        init_home(target)
