"""Bring a database to the newest schema with Alembic (``python -m server migrate``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from server.db import make_engine


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", "server:migrations")
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade ``database_url`` to ``revision``."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
