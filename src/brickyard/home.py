"""Creating a workspace home: config file, metadata DB, warehouse, jobs and logs folders."""

from __future__ import annotations

from pathlib import Path

from brickyard.config import CONFIG_FILE, CONFIG_TEMPLATE, Config, load_config
from brickyard.domain.errors import ConfigError

HOME_FOLDERS = ("jobs", "logs")


def init_home(home: Path) -> Config:
    """Create what is missing in ``home`` (idempotent) and return its configuration."""
    home = home.expanduser().resolve()
    if home.exists() and not home.is_dir():
        raise ConfigError(f"{home} exists and is not a folder; choose another --home")
    config_path = home / CONFIG_FILE
    if home.is_dir() and not config_path.exists() and any(home.iterdir()):
        raise ConfigError(
            f"{home} is a folder with other files and no {CONFIG_FILE}: a workspace home is made "
            "only in a missing or empty folder; choose another --home (or BRICKYARD_HOME)"
        )
    home.mkdir(parents=True, exist_ok=True)
    if not config_path.exists():
        config_path.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    config = load_config(home)
    if "://" not in config.warehouse:
        Path(config.warehouse).mkdir(parents=True, exist_ok=True)
    config.jobs_dir.mkdir(parents=True, exist_ok=True)
    config.logs_dir.mkdir(parents=True, exist_ok=True)
    return config
