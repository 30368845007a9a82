"""Schema migrations, run programmatically so the CLI and tests need no alembic.ini."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config

from assistant.config import load_settings
from assistant.db import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: Optional[str] = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", (url or load_settings().database_url).replace("%", "%%"))
    return config


def upgrade(url: Optional[str] = None, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; a no-op when it is already there."""
    config = alembic_config(url)
    with get_engine(url or load_settings().database_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(url: Optional[str] = None, revision: str = "base") -> None:
    config = alembic_config(url)
    with get_engine(url or load_settings().database_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
