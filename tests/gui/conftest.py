"""Fixtures for the GUI tests (pytest-qt, offscreen): a real encrypted cache, a real worker.

Each test gets its own profile folder under ``tmp_path`` with a real SQLCipher cache
(cheap Argon2, device secret in memory), filled through ``Cache.store_page`` with the
synthetic caseload of :mod:`tests.gui.synthetic`. The cache is opened, used and closed
on the client's own cache worker, exactly as the application does. Tests wait on
signals or conditions, never on time.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from pytestqt.qtbot import QtBot

from app.domain.changes import Change, ChangesPage
from app.domain.records import ChildRecord
from app.domain.roles import Role
from app.domain.session import DevicePolicy
from app.store.device_secret import EphemeralSecretStore
from app.store.profiles import Profile, create_profile
from app.sync.transport import TransportSettings
from app.ui import session as ops
from app.ui.session import Session, UiContext
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import synthetic

T = TypeVar("T")

POLICY = DevicePolicy(idle_lock_minutes=5, offline_lease_hours=72, wipe_after_days=14)
#: Give up quickly on an index that is not there.
NO_RETRIES = TransportSettings(connect_timeout=2.0, read_timeout=15.0, retries=0)
#: A loopback address nothing listens on (port 9 is "discard", never served in tests).
UNREACHABLE_URL = "http://127.0.0.1:9"


#: The offscreen platform plugin warns that it cannot pass size hints to a window system
#: it does not have; that says nothing about our code, unlike every other Qt warning.
OFFSCREEN_NOISE = r"This plugin does not support (propagateSizeHints|raise)\(\)"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the offscreen plugin's size-hint warning in the GUI tests (and only there)."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session", autouse=True)
def _freeze_what_was_imported() -> None:
    """Leave the modules' objects out of every later collection (it would take 0.1 s each)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def delete_windows_on_the_gui_thread() -> Iterator[None]:
    """After each test, delete its windows and collect its garbage on the GUI thread.

    A window caught in a reference cycle (a lambda connected to a signal that refers back
    to it) is otherwise freed whenever the collector runs — possibly on the cache worker,
    where deleting a widget crashes.
    """
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def utcnow() -> datetime:
    return datetime.now(UTC)


def run_on(qtbot: QtBot, worker: CacheWorker, function: Callable[[], T]) -> T:
    """Run ``function`` on the cache worker and wait for its outcome (raised if it failed)."""
    outcome: dict[str, Any] = {}
    (
        worker.task(function)
        .success(lambda result: outcome.setdefault("result", result))
        .failure(lambda error: outcome.setdefault("error", error))
        .start()
    )
    qtbot.waitUntil(lambda: bool(outcome), timeout=15_000)
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["result"]
    return result


def page(records: list[ChildRecord]) -> ChangesPage:
    """A pulled page upserting ``records``."""
    return ChangesPage(
        changes=tuple(Change(op="upsert", index_id=r.index_id, record=r) for r in records),
        cursor="cursor-1",
        has_more=False,
    )


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[CacheWorker]:
    """The client's cache worker; stopped after the test."""
    started = CacheWorker()
    yield started
    started.stop()


@pytest.fixture
def secret_store() -> EphemeralSecretStore:
    """Device secrets in memory (a stand-in for the OS keyring, which we do not own)."""
    return EphemeralSecretStore()


@pytest.fixture
def context(tmp_path: Path, secret_store: EphemeralSecretStore) -> UiContext:
    """Where the test's profiles live, with cheap key derivation and a quick transport."""
    return UiContext(
        secret_store=secret_store,
        data_root=tmp_path / "data",
        argon2_params=synthetic.CHEAP,
        transport=NO_RETRIES,
        device_name="GUI test",
    )


@pytest.fixture
def make_profile(context: UiContext) -> Callable[..., Profile]:
    """Creates a saved profile (as a first sign-in would have), with no cache yet."""

    def make(
        username: str = "pat.visitor",
        *,
        server_url: str = UNREACHABLE_URL,
        user_id: str = synthetic.USER_ID,
    ) -> Profile:
        return create_profile(
            username=username,
            server_url=server_url,
            password=synthetic.PASSWORD,
            secret_store=context.secret_store,
            now=utcnow(),
            user_id=user_id,
            params=synthetic.CHEAP,
            root=context.data_root,
        )

    return make


@pytest.fixture
def filled_profile(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, make_profile: Callable[..., Profile]
) -> Profile:
    """A saved profile whose cache holds the practitioner's synthetic caseload."""
    profile = make_profile()

    def fill() -> None:
        session = ops.unlock_offline(context, profile, synthetic.PASSWORD)
        try:
            session.cache.record_contact(utcnow(), POLICY)
            # As after a sign-in: the index said who the user is.
            session.cache.remember_user(synthetic.user_profile(), now=utcnow())
            session.cache.store_page(
                page(synthetic.caseload_for(synthetic.user(Role.PRACTITIONER))), now=utcnow()
            )
            # As after a completed sync, so the status bar has a last-synced time to show.
            session.cache.record_sync_success(utcnow())
        finally:
            session.cache.close()
            session.client.close()

    run_on(qtbot, worker, fill)
    return profile


@pytest.fixture
def relay() -> StatusRelay:
    """Carries sync statuses to the GUI thread."""
    return StatusRelay()


@pytest.fixture
def session(
    qtbot: QtBot,
    worker: CacheWorker,
    context: UiContext,
    filled_profile: Profile,
    relay: StatusRelay,
) -> Iterator[Session]:
    """The filled profile, unlocked offline on the worker; locked after the test."""
    opened = run_on(
        qtbot,
        worker,
        lambda: ops.unlock_offline(context, filled_profile, synthetic.PASSWORD, relay.publish),
    )
    yield opened
    if worker.running:
        run_on(qtbot, worker, lambda: ops.lock(context, opened))
