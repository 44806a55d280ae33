"""Where telaah keeps its database, config and data: platformdirs, overridable."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "telaah"


def data_dir() -> Path:
    """The data directory: `TELAAH_DATA_DIR`, else the platform's user data dir."""
    env = os.environ.get("TELAAH_DATA_DIR")
    return Path(env) if env else Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The config directory: `TELAAH_CONFIG_DIR`, else the platform's user config dir."""
    env = os.environ.get("TELAAH_CONFIG_DIR")
    return Path(env) if env else Path(user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The config file (TOML): reviewer name, keymap."""
    return config_dir() / "config.toml"


def default_db_url() -> str:
    """The embedded database in the data directory."""
    return sqlite_url(data_dir() / "telaah.db")


def demo_db_url() -> str:
    """The demo database `telaah demo` creates in the data directory."""
    return sqlite_url(data_dir() / "demo.db")


def sqlite_url(path: Path) -> str:
    """A SQLAlchemy URL for a SQLite file."""
    return f"sqlite:///{path}"


def resolve_db_url(flag: str | None) -> str:
    """The database to use: `--db` > `TELAAH_DB` > the default; a bare path becomes SQLite."""
    value = flag or os.environ.get("TELAAH_DB") or default_db_url()
    if "://" in value:
        return value
    return sqlite_url(Path(value).expanduser().resolve())
