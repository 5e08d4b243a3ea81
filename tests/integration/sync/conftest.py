"""Fixtures for sync tests: the real central index on loopback, and devices that sync with it.

One index process per database backend serves the whole session (starting one costs
seconds); each test makes its own users and children, so tests never see each other's
caseloads. By default a test talks to an index on an SQLite file (the embedded default);
a module that also wants PostgreSQL (production's database) overrides ``backend`` with
:data:`BACKENDS`. Tests that stop, kill or restart the index get their own with
``own_index``.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.auth import passwords
from tests.integration.sync.world import Device, Staff, World, make_device, today
from tests.support import postgres
from tests.support.live_server import (
    CHEAP_PASSWORDS,
    LiveServer,
    prepare_database,
    seed_database,
)

DeviceFactory = Callable[..., Device]
#: ``params`` for a module's own ``backend`` fixture, to run its tests on both databases.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def index_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite index with the demo users and showcase children."""
    path = tmp_path_factory.mktemp("index-template") / "index.db"
    prepare_database(path, children=0, today=today())
    return path


def _copy(template: Path, folder: Path) -> str:
    path = folder / "index.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_index(
    index_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The shared index on an SQLite file."""
    folder = tmp_path_factory.mktemp("live-index")
    with LiveServer(_copy(index_template, folder), folder / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def postgres_index(
    postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The shared index on a PostgreSQL database of its own."""
    url = postgres.create_database(postgres_admin_url, template=postgres.TEMPLATE)
    try:
        seed_database(url, today=today())
        folder = tmp_path_factory.mktemp("live-index-postgres")
        with LiveServer(url, folder / "server.log") as server:
            yield server
    finally:
        postgres.drop_database(postgres_admin_url, url)


@pytest.fixture
def backend() -> str:
    """The database behind the index a test talks to."""
    return "sqlite"


@pytest.fixture
def live_index(backend: str, request: pytest.FixtureRequest) -> LiveServer:
    """The shared index on the test's backend."""
    server: LiveServer = request.getfixturevalue(f"{backend}_index")
    return server


@pytest.fixture(scope="session")
def worlds() -> Iterator[dict[str, World]]:
    """One :class:`World` per shared index, closed at the end of the session."""
    passwords.configure(
        time_cost=CHEAP_PASSWORDS["password_time_cost"],
        memory_kib=CHEAP_PASSWORDS["password_memory_kib"],
    )
    made: dict[str, World] = {}
    yield made
    for each in made.values():
        each.close()


@pytest.fixture
def world(live_index: LiveServer, worlds: dict[str, World]) -> World:
    """The shared index's database, to build scenarios and check outcomes."""
    if live_index.url not in worlds:
        worlds[live_index.url] = World(live_index.database_url, live_index.url)
    return worlds[live_index.url]


@pytest.fixture
def own_index(index_template: Path, tmp_path: Path) -> Iterator[tuple[LiveServer, World]]:
    """An index of the test's own, which it may stop, kill and restart."""
    folder = tmp_path / "own-index"
    folder.mkdir()
    with LiveServer(_copy(index_template, folder), folder / "server.log") as server:
        built = World(server.database_url, server.url)
        try:
            yield server, built
        finally:
            built.close()


@pytest.fixture
def device(tmp_path: Path, live_index: LiveServer) -> Iterator[DeviceFactory]:
    """Makes signed-in devices (profile, cache, engine) on the shared index by default."""
    made: list[Device] = []

    def make(staff: Staff, **options: Any) -> Device:
        server_url = options.pop("server_url", live_index.url)
        root = tmp_path / f"computer-{uuid.uuid4().hex[:8]}"
        created = make_device(staff, server_url, root, **options)
        made.append(created)
        return created

    yield make
    for each in made:
        each.close()
