"""Fixtures for the guidance tests: a saver on the real encrypted cache of ``tests/gui``.

The cache, the worker and the unlocked session come from ``tests/gui/conftest.py``; a
decision is saved through the very worker the application uses, into a real SQLCipher
file under ``tmp_path``. Helpers read the cache back on the worker too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from app.domain.roles import Role, User
from app.store.models import OutboxItem
from app.ui.guidance.saving import DecisionSaver
from app.ui.session import Session
from app.ui.tasks import CacheWorker
from tests.gui import synthetic
from tests.gui.conftest import run_on

#: Amelia's index id: in the practitioner's synthetic caseload, with no decisions yet.
AMELIA_ID = synthetic.AMELIA.index_id


@pytest.fixture
def practitioner() -> User:
    """The signed-in practitioner, as the access rules see them (trained, vetted)."""
    return synthetic.user(Role.PRACTITIONER)


@pytest.fixture
def saver(worker: CacheWorker, session: Session, practitioner: User) -> DecisionSaver:
    """Saves decisions about Amelia as the practitioner, in the session's cache."""
    return DecisionSaver(worker, session.cache, actor=practitioner, child_id=AMELIA_ID)


@pytest.fixture
def outbox(qtbot: QtBot, worker: CacheWorker, session: Session) -> Callable[[], list[OutboxItem]]:
    """Reads the cache's outbox (on the worker)."""

    def read() -> list[OutboxItem]:
        return run_on(qtbot, worker, lambda: session.cache.outbox_batch(100))

    return read
