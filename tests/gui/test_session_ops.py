"""The Qt-free operations the windows ask for (``app.ui.session``), on a real cache."""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from app.domain.changes import Pin
from app.domain.errors import DomainError
from app.domain.reasons import ReasonCode
from app.domain.roles import Role
from app.ui import session as ops
from app.ui.session import Session, UiContext
from app.ui.tasks import CacheWorker
from tests.gui import synthetic
from tests.gui.conftest import POLICY, run_on, utcnow


def test_the_collector_is_paused_for_a_sync_and_always_resumed() -> None:
    assert gc.isenabled()
    with ops.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), ops.collector_paused():
        raise RuntimeError("the index went away")
    assert gc.isenabled()
    gc.disable()
    try:
        with ops.collector_paused():
            pass
        # Left as the caller had it.
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_user_remembered_at_sign_in_acts_offline(
    qtbot: QtBot, worker: CacheWorker, session: Session
) -> None:
    actor = ops.acting_user(session)
    assert actor is not None
    assert actor.roles == frozenset({Role.PRACTITIONER})
    assert actor.display_name == "Pat Visitor"
    # In order on the day of the last sign-in: that day stands for training and vetting.
    assert actor.training_completed_on == actor.vetted_on == utcnow().date()


def test_without_a_remembered_user_no_change_can_be_made(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, session: Session
) -> None:
    session.user = None
    session.confirmed_on = None
    assert ops.acting_user(session) is None
    with pytest.raises(DomainError) as refused:
        run_on(
            qtbot,
            worker,
            lambda: ops.make_change(
                context, session, synthetic.JOHN, Pin(reason_code=ReasonCode.SAFEGUARDING.value)
            ),
        )
    assert refused.value.code == "sign_in_required"


def test_a_record_not_in_the_cache_needs_a_signed_in_session(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, session: Session
) -> None:
    stranger = synthetic.child(99, "Tobias", "Elsewhere", synthetic.JOHN.date_of_birth)
    with pytest.raises(DomainError) as refused:
        run_on(
            qtbot,
            worker,
            lambda: ops.make_change(
                context, session, stranger, Pin(reason_code=ReasonCode.SAFEGUARDING.value)
            ),
        )
    assert refused.value.code == "sign_in_required"
    with pytest.raises(DomainError) as searched:
        run_on(qtbot, worker, lambda: ops.search_index(session, {"family_name": "Elsewhere"}))
    assert searched.value.code == "not_signed_in"


def test_the_offline_lease_runs_from_the_last_contact(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, session: Session
) -> None:
    fresh = run_on(qtbot, worker, lambda: ops.offline_lease(context, session))
    assert not fresh.expired
    assert fresh.lease_hours == POLICY.offline_lease_hours
    long_ago = utcnow() - timedelta(hours=POLICY.offline_lease_hours, minutes=1)
    run_on(qtbot, worker, lambda: session.cache.record_contact(long_ago, POLICY))
    stale = run_on(qtbot, worker, lambda: ops.offline_lease(context, session))
    assert stale.expired
    assert stale.last_contact == long_ago
