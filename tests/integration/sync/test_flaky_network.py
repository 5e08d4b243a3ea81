"""Sync over a bad network: the index going away, gateways failing, answers cut off or slow.

Each test says exactly what goes wrong and how often (``tests/support/flaky_proxy.py``);
the engine must report it, keep everything, and finish on the next try without applying
anything twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from app.sync.engine import Progress, SyncState
from app.sync.errors import SyncError
from tests.integration.sync.conftest import DeviceFactory
from tests.integration.sync.world import FAST_RETRIES, PASSWORD, World
from tests.support.flaky_proxy import FlakyProxy
from tests.support.live_server import LiveServer


@pytest.fixture
def proxy(live_index: LiveServer) -> Iterator[FlakyProxy]:
    with FlakyProxy(live_index.port) as flaky:
        yield flaky


def _assert_converged(world: World, device_digest: object, user_id: str) -> None:
    assert device_digest == world.caseload_digest(user_id)


def test_the_index_stopping_mid_push_and_mid_pull_loses_nothing(
    own_index: tuple[LiveServer, World], device: DeviceFactory
) -> None:
    server, world = own_index
    pat = world.staff()
    caseload = world.children(pat, 12)
    stop_on: list[str] = []

    def kill_the_index(progress: Progress) -> None:
        if stop_on and progress.phase == stop_on[0]:
            stop_on.clear()
            server.kill()

    laptop = device(
        pat, server_url=server.url, page_size=3, push_batch=2, on_progress=kill_the_index
    )
    laptop.engine.sync_now()
    # Three openings, three changes and their audit entries: nine outbox items.
    changes = [laptop.set_indicator(child) for child in caseload[:3]]

    stop_on.append("push")
    with pytest.raises(SyncError) as failed:
        laptop.engine.sync_now()

    assert failed.value.code == "offline"
    status = laptop.engine.status()
    assert (status.state, status.error_code, status.pending) == (SyncState.OFFLINE, "offline", 7)
    assert laptop.cache.pending_count() == 7

    server.start()
    world.touch(caseload)
    stop_on.append("pull")
    with pytest.raises(SyncError):
        laptop.engine.sync_now()

    assert laptop.cache.pending_count() == 0
    stale = [row for row in laptop.cache.caseload() if row.version == 1]
    assert 0 < len(stale) < 12  # one page stored whole, the rest still to come

    server.start()
    report = laptop.engine.sync_now()

    assert report.digest_matched
    assert laptop.engine.status().state is SyncState.ONLINE
    assert sorted(world.applied_mutations(pat.id)) == sorted(m.id for m in changes)
    assert len(world.device_audit(laptop.profile.device_id)) == 6
    assert world.device_chain_intact(laptop.profile.device_id)
    _assert_converged(world, laptop.cache.digest(), pat.id)


def test_gateway_errors_are_retried_with_backoff(
    world: World, device: DeviceFactory, proxy: FlakyProxy
) -> None:
    pat = world.staff()
    world.children(pat, 3)
    laptop = device(pat, server_url=proxy.url)
    proxy.fail_with(503, count=3)  # the engine allows three retries per request

    report = laptop.engine.sync_now()

    assert report.digest_matched
    assert proxy.pending_faults() == 0
    _assert_converged(world, laptop.cache.digest(), pat.id)


def test_an_index_that_stays_unavailable_is_reported_and_the_next_try_completes(
    world: World, device: DeviceFactory, proxy: FlakyProxy
) -> None:
    pat = world.staff()
    (child,) = world.children(pat, 1)
    laptop = device(pat, server_url=proxy.url)
    laptop.engine.sync_now()
    change = laptop.set_indicator(child)
    proxy.fail_with(503, count=20)

    with pytest.raises(SyncError) as failed:
        laptop.engine.sync_now()

    assert failed.value.code == "server_unavailable"
    assert failed.value.transient
    status = laptop.engine.status()
    assert (status.state, status.error_code, status.pending) == (
        SyncState.ERROR,
        "server_unavailable",
        3,
    )
    assert proxy.pending_faults() == 16  # the first try and three retries
    (item, *_) = laptop.cache.outbox_batch(1)
    assert (item.attempts, item.last_error) == (1, "server_unavailable")

    proxy.clear()
    laptop.engine.sync_now()

    assert world.applied_mutations(pat.id) == [change.id]
    assert laptop.engine.status().pending == 0


def test_answers_cut_off_mid_response_are_fetched_again(
    world: World, device: DeviceFactory, proxy: FlakyProxy
) -> None:
    pat = world.staff()
    world.children(pat, 9)
    laptop = device(pat, server_url=proxy.url, page_size=3)
    proxy.reset_mid_response(count=3)

    report = laptop.engine.sync_now()

    assert report.digest_matched
    assert proxy.pending_faults() == 0
    _assert_converged(world, laptop.cache.digest(), pat.id)


def test_a_push_whose_answer_is_lost_is_sent_again_and_applied_once(
    world: World, device: DeviceFactory, proxy: FlakyProxy
) -> None:
    pat = world.staff()
    (child,) = world.children(pat, 1)
    laptop = device(pat, server_url=proxy.url)
    laptop.engine.sync_now()
    change = laptop.set_indicator(child)
    proxy.lose_response(count=1)  # the push: applied on the index, answer never arrives

    report = laptop.engine.sync_now()

    assert (report.applied, report.duplicates) == (0, 3)
    assert world.applied_mutations(pat.id) == [change.id]
    assert len(world.device_audit(laptop.profile.device_id)) == 2
    assert laptop.cache.pending_count() == 0


def test_slow_answers_time_out_as_offline_and_the_next_try_completes(
    world: World, device: DeviceFactory, proxy: FlakyProxy
) -> None:
    pat = world.staff()
    world.children(pat, 2)
    patience = replace(FAST_RETRIES, read_timeout=0.8, retries=1)
    laptop = device(pat, server_url=proxy.url, settings=patience)
    proxy.delay = 2.0

    with pytest.raises(SyncError) as failed:
        laptop.engine.sync_now()

    assert failed.value.code == "offline"
    assert laptop.engine.status().state is SyncState.OFFLINE

    proxy.delay = 0.05
    report = laptop.engine.sync_now()

    assert report.digest_matched
    _assert_converged(world, laptop.cache.digest(), pat.id)


def test_signing_in_is_not_sent_twice_when_the_connection_drops(
    world: World, device: DeviceFactory, proxy: FlakyProxy
) -> None:
    pat = world.staff()
    laptop = device(pat, server_url=proxy.url, sign_in=False)
    proxy.drop(count=1)

    with pytest.raises(SyncError) as failed:
        laptop.engine.sign_in(PASSWORD)

    assert failed.value.code == "offline"
    assert proxy.requests == 1
    assert laptop.engine.status().state is SyncState.OFFLINE

    laptop.engine.sign_in(PASSWORD)
    report = laptop.engine.sync_now()

    assert report.digest_matched


def test_a_garbled_answer_is_refused_whole_and_the_next_try_completes(
    world: World, device: DeviceFactory, proxy: FlakyProxy
) -> None:
    pat = world.staff()
    world.children(pat, 4)
    laptop = device(pat, server_url=proxy.url, page_size=2)
    proxy.answer_garbage(count=1)

    with pytest.raises(SyncError) as failed:
        laptop.engine.sync_now()

    assert failed.value.code == "bad_response"
    assert laptop.engine.status().state is SyncState.ERROR
    assert laptop.cache.caseload() == []
    assert laptop.cache.cursor() is None

    report = laptop.engine.sync_now()

    assert report.digest_matched
    _assert_converged(world, laptop.cache.digest(), pat.id)
