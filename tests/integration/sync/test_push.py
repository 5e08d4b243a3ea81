"""Pushing the outbox to the real index: exactly once, conflicts kept, refusals shown."""

from __future__ import annotations

import pytest

from app.domain.changes import EndInvolvement, PushRequest, PushStatus, SetIndicator
from app.domain.records import IndicatorKind
from app.store.models import OutboxKind
from app.sync.engine import SyncState
from tests.integration.sync.conftest import BACKENDS, DeviceFactory
from tests.integration.sync.world import World, raw_cache


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """These tests run against an index on SQLite and on PostgreSQL."""
    return str(request.param)


def test_changes_made_offline_reach_the_index_at_the_next_sync(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    first, second = world.children(pat, 2)
    laptop = device(pat)
    laptop.engine.sync_now()

    # In the field, with no network: two changes and the audit of every opening.
    changes = [laptop.set_indicator(first), laptop.set_indicator(second)]
    queued = laptop.cache.outbox_batch(100)
    audit_ids = [item.item_id for item in queued if item.kind is OutboxKind.AUDIT]
    assert len(audit_ids) == 4  # two openings, two changes
    assert laptop.engine.refresh_status().pending == 6

    report = laptop.engine.sync_now()

    assert (report.pushed, report.applied, report.conflicts, report.rejected) == (6, 6, 0, 0)
    assert {m.id for m in changes} <= set(world.applied_mutations(pat.id))
    assert world.device_audit(laptop.profile.device_id) == audit_ids
    assert world.device_chain_intact(laptop.profile.device_id)
    assert laptop.cache.pending_count() == 0
    assert laptop.engine.status().pending == 0
    for change in changes:
        payload = change.payload
        assert isinstance(payload, SetIndicator)
        held = world.involvement(change.child_id, payload.involvement_id)
        assert [x.id for x in held.indicators] == [payload.indicator_id]
    # The pulled copy now carries the index's version with the change in it.
    assert laptop.cache.digest() == world.caseload_digest(pat.id)
    assert [p.phase for p in laptop.progress if p.phase == "push"] == ["push"]


def test_the_same_batch_delivered_twice_is_applied_once(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    (child,) = world.children(pat, 1)
    laptop = device(pat)
    laptop.engine.sync_now()
    change = laptop.set_indicator(child)
    items = laptop.cache.outbox_batch(100)
    batch = PushRequest(
        mutations=tuple(i.mutation for i in items if i.mutation is not None),
        audit=tuple(i.audit for i in items if i.audit is not None),
    )

    first = laptop.client.push(batch)
    again = laptop.client.push(batch)

    assert [r.status for r in (*first.mutations, *first.audit)] == [PushStatus.APPLIED] * 3
    assert [r.status for r in (*again.mutations, *again.audit)] == [PushStatus.DUPLICATE] * 3
    assert world.applied_mutations(pat.id) == [change.id]
    payload = change.payload
    assert isinstance(payload, SetIndicator)
    assert len(world.involvement(child, payload.involvement_id).indicators) == 1
    assert len(world.device_audit(laptop.profile.device_id)) == 2

    # The outbox still holds the items (their answers were never stored): the engine
    # sends them a third time, and the index's "duplicate" clears them.
    report = laptop.engine.sync_now()

    assert (report.applied, report.duplicates) == (0, 3)
    assert laptop.cache.pending_count() == 0
    assert world.applied_mutations(pat.id) == [change.id]
    assert len(world.device_audit(laptop.profile.device_id)) == 2


def test_an_involvement_ended_on_two_devices_is_a_conflict_kept_for_the_user(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    child, other = world.children(pat, 2)
    office, laptop = device(pat), device(pat)
    office.engine.sync_now()
    laptop.engine.sync_now()

    ended_first = office.end_involvement(child)
    ended_second = laptop.end_involvement(child)
    office.engine.sync_now()
    report = laptop.engine.sync_now()

    assert (report.conflicts, report.rejected) == (1, 0)
    assert world.applied_mutations(pat.id) == [ended_first.id]
    (conflict,) = laptop.cache.conflicts()
    assert conflict.mutation_id == ended_second.id
    assert conflict.mutation == ended_second
    assert conflict.current is not None
    payload = ended_second.payload
    assert isinstance(payload, EndInvolvement)
    theirs = next(i for i in conflict.current.involvements if i.id == payload.involvement_id)
    assert theirs.end_date is not None
    assert theirs.version == 2
    assert laptop.cache.pending_count() == 0
    status = laptop.engine.status()
    assert (status.conflicts, status.pending, status.state) == (1, 0, SyncState.ONLINE)
    # The child has left Pat's caseload on the index; the conflict outlives the record.
    assert {row.index_id for row in laptop.cache.caseload()} == {other}


def test_a_change_the_index_refuses_stays_visible_with_its_reason(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    child, _ = world.children(pat, 2)
    office, laptop = device(pat), device(pat)
    office.engine.sync_now()
    laptop.engine.sync_now()
    office.end_involvement(child)
    office.engine.sync_now()

    refused = laptop.set_indicator(child)
    report = laptop.engine.sync_now()

    assert (report.rejected, report.conflicts) == (1, 0)
    (kept,) = laptop.cache.rejected()
    assert kept.item_id == refused.id
    assert kept.mutation == refused
    assert kept.rejected_code == "involvement_ended"
    assert kept.rejected_message
    assert refused.id not in world.applied_mutations(pat.id)
    assert laptop.engine.status().rejected == 1
    # Its audit entries (the opening, the attempt) were accepted all the same.
    assert laptop.cache.pending_count() == 0
    assert len(world.device_audit(laptop.profile.device_id)) == 2


def test_pushed_audit_entries_are_pruned_locally_and_the_chain_still_verifies(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    first, second = world.children(pat, 2)
    laptop = device(pat, local_audit_days=0)
    laptop.engine.sync_now()
    laptop.set_indicator(first)
    laptop.set_indicator(second)
    queued = [i.item_id for i in laptop.cache.outbox_batch(100) if i.kind is OutboxKind.AUDIT]

    laptop.engine.sync_now()

    # The index holds every entry; the device kept none it no longer needs...
    assert world.device_audit(laptop.profile.device_id) == queued
    with raw_cache(laptop.profile, laptop.secret_store) as connection:
        (left,) = connection.execute("SELECT count(*) FROM audit_chain").fetchone()
    assert left == 0
    # ...and the chain it goes on writing still links to what it pruned.
    laptop.set_indicator(first, kind=IndicatorKind.ACTION_UNDER_WAY)
    assert laptop.cache.verify_audit() is None
    laptop.engine.sync_now()
    assert world.device_chain_intact(laptop.profile.device_id)
