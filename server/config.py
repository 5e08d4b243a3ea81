"""Settings of the central index, from environment variables (prefix ``EVERYCHILD_``).

Defaults give a zero-set-up index on an embedded SQLite file under the platform's data
directory; production sets ``EVERYCHILD_DATABASE_URL`` to a PostgreSQL URL.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.retention import RetentionPolicy


def default_database_url() -> str:
    """An SQLite file in the user's data directory for Everychild's index."""
    folder = Path(platformdirs.user_data_dir("everychild-index", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'index.db'}"


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_prefix="EVERYCHILD_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    access_token_minutes: int = Field(default=15, ge=1, le=240)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    lockout_threshold: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1)
    password_time_cost: int = Field(default=3, ge=1, le=20)
    password_memory_kib: int = Field(default=65536, ge=8, le=4 * 1024 * 1024)

    # Device policy sent to clients at login (PRODUCT.md §6).
    idle_lock_minutes: int = Field(default=10, ge=1)
    reception_idle_lock_minutes: int = Field(default=3, ge=1)
    offline_lease_hours: int = Field(default=72, ge=1)
    wipe_after_days: int = Field(default=14, ge=1)

    retention_age: int = Field(default=19, ge=16, le=25)
    search_result_limit: int = Field(default=25, ge=1, le=200)
    sync_page_size: int = Field(default=500, ge=10, le=5000)
    change_log_days: int = Field(default=30, ge=1)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)

    @cached_property
    def retention(self) -> RetentionPolicy:
        """The retention policy these settings describe."""
        return RetentionPolicy(destroy_at_age=self.retention_age)
