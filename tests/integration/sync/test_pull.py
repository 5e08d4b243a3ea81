"""Pulling a caseload from the real index: first sync, later changes, resyncs, cancellation."""

from __future__ import annotations

import threading

import pytest

from app.domain.changes import ChangesPage, SetIndicator
from app.domain.roles import Role
from app.sync.engine import Progress, SyncEngine, SyncState
from tests.integration.sync.conftest import BACKENDS, DeviceFactory
from tests.integration.sync.world import World, utcnow


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """These tests run against an index on SQLite and on PostgreSQL."""
    return str(request.param)


def test_first_sync_stores_the_whole_caseload_page_by_page(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    caseload = world.children(pat, 23)
    world.children(world.staff(), 5)  # someone else's children never arrive
    laptop = device(pat, page_size=5)

    report = laptop.engine.sync_now()

    assert {row.index_id for row in laptop.cache.caseload()} == set(caseload)
    assert laptop.cache.digest() == world.caseload_digest(pat.id)
    assert report.digest_matched
    assert report.pages == 5
    assert report.upserted == 23
    assert [p.done for p in laptop.progress] == [5, 10, 15, 20, 23]
    assert {p.phase for p in laptop.progress} == {"pull"}
    status = laptop.engine.status()
    assert status.state is SyncState.ONLINE
    assert status.last_success is not None
    # Kept in the cache, so the next unlock shows when the offline copy was last fresh.
    assert laptop.cache.last_sync() == status.last_success
    assert status.error_code is None
    assert laptop.cache.cursor() is not None
    assert SyncState.SYNCING in [s.state for s in laptop.statuses]


def test_a_later_sync_brings_only_what_changed(world: World, device: DeviceFactory) -> None:
    pat = world.staff()
    caseload = world.children(pat, 6)
    laptop = device(pat)
    laptop.engine.sync_now()

    world.touch(caseload[:2])
    joined = world.children(pat, 1)
    report = laptop.engine.sync_now()

    assert report.upserted == 3
    assert not report.resynced
    versions = {row.index_id: row.version for row in laptop.cache.caseload()}
    assert versions[caseload[0]] == versions[caseload[1]] == 2
    assert joined[0] in versions
    assert laptop.cache.digest() == world.caseload_digest(pat.id)


def test_a_child_leaving_the_caseload_is_removed_from_the_cache(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    leaving, staying = world.children(pat, 2)
    office, laptop = device(pat), device(pat)
    office.engine.sync_now()
    laptop.engine.sync_now()

    office.end_involvement(leaving)
    office.engine.sync_now()
    report = laptop.engine.sync_now()

    assert report.removed == 1
    assert {row.index_id for row in laptop.cache.caseload()} == {staying}
    assert {row.index_id for row in office.cache.caseload()} == {staying}
    assert laptop.cache.digest() == world.caseload_digest(pat.id)


def test_an_expired_cursor_means_a_full_resync_that_keeps_unpushed_changes(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff(Role.ESSENTIAL, service_code="childrens_social_care")
    camhs = world.staff(service_code="camhs")
    sensitive = world.children(pat, 3, sensitive_practitioner=camhs.id)
    plain = world.children(pat, 2)
    laptop = device(pat, page_size=2)
    laptop.engine.sync_now()
    change = laptop.set_indicator(plain[0])
    assert any(i.sensitive for i in laptop.open(sensitive[0]).involvements)

    # What Pat may see narrows: every cursor Pat holds expires.
    world.change_roles(pat, Role.PRACTITIONER)
    report = laptop.engine.pull_now()

    assert report.resynced
    assert report.digest_matched
    assert change.id in {item.item_id for item in laptop.cache.outbox_batch(1000)}
    payload = change.payload
    assert isinstance(payload, SetIndicator)
    view = laptop.open(plain[0])
    assert payload.indicator_id in {x.id for i in view.involvements for x in i.indicators}
    for index_id in sensitive:
        record = laptop.open(index_id)
        assert not any(i.sensitive for i in record.involvements)
        assert record.restricted_information_exists
    laptop.engine.push_now()
    assert change.id in world.applied_mutations(pat.id)
    assert laptop.cache.pending_count() == 0


def test_a_cache_that_drifted_from_the_index_is_resynced(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    caseload = world.children(pat, 4)
    laptop = device(pat)
    laptop.engine.sync_now()
    # Lose a record behind sync's back: the cursor says the cache is up to date.
    cursor = laptop.cache.cursor()
    assert cursor is not None
    laptop.cache.store_page(
        ChangesPage.model_validate(
            {
                "changes": [{"op": "remove", "index_id": caseload[0]}],
                "cursor": cursor,
                "has_more": False,
            }
        ),
        now=utcnow(),
    )
    assert laptop.cache.digest() != world.caseload_digest(pat.id)

    report = laptop.engine.sync_now()

    assert report.resynced
    assert report.digest_matched
    assert {row.index_id for row in laptop.cache.caseload()} == set(caseload)
    assert laptop.cache.digest() == world.caseload_digest(pat.id)


def test_cancelling_keeps_whole_pages_and_the_next_sync_finishes(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    caseload = world.children(pat, 12)
    engines: list[SyncEngine] = []

    def user_presses_cancel(progress: Progress) -> None:
        # From another thread, as the window would while the worker syncs.
        if engines and progress.done >= 6:
            pressed = threading.Thread(target=engines[0].cancel)
            pressed.start()
            pressed.join()

    laptop = device(pat, page_size=3, on_progress=user_presses_cancel)
    engines.append(laptop.engine)

    report = laptop.engine.sync_now()

    assert report.cancelled
    assert not report.digest_matched
    assert len(laptop.cache.caseload()) == 6
    assert laptop.engine.status().state is SyncState.ONLINE
    assert laptop.engine.status().last_success is None
    engines.clear()  # no more cancelling

    finished = laptop.engine.sync_now()

    assert not finished.cancelled
    assert finished.digest_matched
    assert {row.index_id for row in laptop.cache.caseload()} == set(caseload)
    assert laptop.engine.status().last_success is not None


def test_cancel_before_starting_sends_nothing(world: World, device: DeviceFactory) -> None:
    pat = world.staff()
    world.children(pat, 2)
    laptop = device(pat)
    cancel = threading.Event()
    cancel.set()

    report = laptop.engine.sync_now(cancel)

    assert report.cancelled
    assert report.pages == 0
    assert laptop.cache.caseload() == []
