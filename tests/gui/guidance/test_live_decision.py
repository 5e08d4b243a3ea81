"""A decision made in the dialog reaches the real central index, exactly once, audited.

The index runs in its own process on loopback (``tests/support/live_server.py``), seeded
like the demo. A practitioner's device — a real encrypted cache, opened and used on the
client's cache worker — syncs its caseload, the decision is made in the guided dialog and
saved to the cache, and the next sync pushes it. The index's own database is then read:
one decision, applied once, with the device's audit entry and the index's own entry for
it; a second sync and a repeated push change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.domain.audit import AuditAction
from app.domain.changes import PushRequest, PushStatus
from app.domain.flowcharts import RecordField
from app.domain.records import DecisionOutcome, SharingBasis
from app.ui.guidance.decision_dialog import DecisionDialog
from app.ui.guidance.saving import DecisionSaver, SavedDecision
from app.ui.tasks import CacheWorker
from server.audit.models import AuditRow
from server.auth import passwords
from server.children.models import DecisionRow
from tests.gui.conftest import run_on
from tests.integration.sync.world import Device, World, make_device, today
from tests.support.live_server import CHEAP_PASSWORDS, LiveServer, prepare_database


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    """The index with the demo users, and its database to arrange and check."""
    passwords.configure(
        time_cost=CHEAP_PASSWORDS["password_time_cost"],
        memory_kib=CHEAP_PASSWORDS["password_memory_kib"],
    )
    folder = tmp_path_factory.mktemp("guidance-live-index")
    url = prepare_database(folder / "index.db", children=0, today=today())
    with LiveServer(url, folder / "server.log") as server:
        world = World(server.database_url, server.url)
        try:
            yield server, world
        finally:
            world.close()


@pytest.fixture
def device(
    qtbot: QtBot, worker: CacheWorker, tmp_path: Path, live: tuple[LiveServer, World]
) -> Iterator[tuple[Device, str]]:
    """A practitioner's signed-in device with one child in its caseload; cache on the worker."""
    server, world = live
    pat = world.staff()
    (child,) = world.children(pat, 1)
    laptop = run_on(qtbot, worker, lambda: make_device(pat, server.url, tmp_path / "laptop"))
    try:
        run_on(qtbot, worker, laptop.engine.sync_now)
        yield laptop, child
    finally:
        run_on(qtbot, worker, laptop.close)


def test_a_decision_reaches_the_index_once_with_its_audit_entry(
    qtbot: QtBot,
    worker: CacheWorker,
    device: tuple[Device, str],
    live: tuple[LiveServer, World],
) -> None:
    laptop, child = device
    _server, world = live
    saver = DecisionSaver(worker, laptop.cache, actor=laptop.staff.as_user(), child_id=child)
    dialog = DecisionDialog(saver, child_label="the synthetic child")
    qtbot.addWidget(dialog)
    dialog.show()
    for number in (1, 1, 1, 1):  # purpose, identifiable, confidential, explicit consent
        dialog.panel.choose(number)
        dialog.panel.go_on()
    dialog.show_form()
    form = dialog.form
    assert form is not None
    for field, text in (
        (RecordField.CONSENT_FROM, "The young person (16 or over)"),
        (RecordField.COMPETENCE_JUDGEMENT, "Aged 16: presumed able to decide; understood."),
        (RecordField.INFORMATION_SHARED, "Contact details"),
        (RecordField.SHARED_WITH, "School nurse"),
        (RecordField.PURPOSE, "Health checks at school"),
        (RecordField.REASONS, "She agreed to the school nurse being told."),
    ):
        form.set_text(field, text)
    with qtbot.waitSignal(dialog.decision_saved, timeout=15_000) as saved:
        dialog.save()
    assert saved.args is not None
    decision: SavedDecision = saved.args[0]
    decision_id = decision.payload.decision_id

    queued = run_on(qtbot, worker, lambda: laptop.cache.outbox_batch(100))
    batch = PushRequest(
        mutations=tuple(i.mutation for i in queued if i.mutation is not None),
        audit=tuple(i.audit for i in queued if i.audit is not None),
    )
    (local_entry,) = [
        entry
        for entry in batch.audit
        if entry.action is AuditAction.RECORD_DECISION
        and entry.details.get("mutation_id") == decision.mutation.id
    ]

    report = run_on(qtbot, worker, laptop.engine.sync_now)
    assert (report.conflicts, report.rejected) == (0, 0)
    assert run_on(qtbot, worker, laptop.cache.pending_count) == 0

    def held() -> tuple[list[DecisionRow], int, int]:
        with world.sessions() as session:
            rows = list(session.scalars(select(DecisionRow).where(DecisionRow.child_id == child)))
            device_entries = session.scalar(
                select(func.count()).select_from(AuditRow).where(AuditRow.id == local_entry.id)
            )
            index_entries = session.scalar(
                select(func.count())
                .select_from(AuditRow)
                .where(
                    AuditRow.action == AuditAction.RECORD_DECISION.value,
                    AuditRow.child_id == child,
                    AuditRow.id != local_entry.id,
                )
            )
        return rows, int(device_entries or 0), int(index_entries or 0)

    rows, device_entries, index_entries = held()
    assert [row.id for row in rows] == [decision_id]
    assert rows[0].decided_by == laptop.staff.id
    data = rows[0].data
    assert data["outcome"] == DecisionOutcome.SHARE.value
    assert data["basis"] == SharingBasis.EXPLICIT_CONSENT.value
    assert data["flowchart_id"] == "should-i-share"
    assert [tuple(pair) for pair in data["answers"]] == list(decision.payload.answers)
    assert (device_entries, index_entries) == (1, 1)
    assert world.applied_mutations(laptop.staff.id) == [decision.mutation.id]
    assert world.device_chain_intact(laptop.profile.device_id)

    # Again, and the same batch once more: nothing new is applied or audited.
    run_on(qtbot, worker, laptop.engine.sync_now)
    again = run_on(qtbot, worker, lambda: laptop.client.push(batch))
    assert {r.status for r in (*again.mutations, *again.audit)} == {PushStatus.DUPLICATE}
    rows, device_entries, index_entries = held()
    assert [row.id for row in rows] == [decision_id]
    assert (device_entries, index_entries) == (1, 1)
    assert world.applied_mutations(laptop.staff.id) == [decision.mutation.id]

    # The index's copy comes back to the cache: the decision, named as the index knows it.
    record = run_on(qtbot, worker, lambda: laptop.open(child))
    (pulled,) = [d for d in record.decisions if d.id == decision_id]
    assert pulled.decided_by_name == "Test Practitioner"
    assert pulled.answers == decision.payload.answers
