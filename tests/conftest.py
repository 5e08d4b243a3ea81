"""Fixtures shared by the whole suite: databases for the central index.

``database_url`` is parametrised over SQLite and a real PostgreSQL; server tests that
request it run on both. PostgreSQL tests skip when no server can be had, unless
``EVERYCHILD_REQUIRE_POSTGRES=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.migrate import upgrade
from tests.support import postgres


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """Admin URL of a running PostgreSQL server, with a migrated template database."""
    try:
        url = postgres.ensure_server()
    except (postgres.PostgresUnavailableError, OSError) as exc:
        if os.environ.get("EVERYCHILD_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    postgres.make_template(url, upgrade)
    yield url
    postgres.drop_template(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "index.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database(postgres_admin_url: str) -> Iterator[str]:
    """This run's migrated PostgreSQL database, emptied before each test that uses it."""
    url = postgres.create_database(postgres_admin_url, template=postgres.TEMPLATE)
    yield url
    postgres.drop_database(postgres_admin_url, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty central-index database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "index.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_database")
    postgres.reset_database(url)
    yield url
