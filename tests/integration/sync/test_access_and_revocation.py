"""What the index allows a device to keep: filtering, revocation, sessions and the offline lease."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from app.domain.roles import Role
from app.store.errors import StoreError
from app.store.profiles import list_profiles
from app.sync.engine import SyncState
from app.sync.errors import SyncError
from tests.integration.sync.conftest import BACKENDS, DeviceFactory
from tests.integration.sync.world import (
    PASSWORD,
    SENSITIVE_MARKER,
    World,
    everything_stored,
    utcnow,
)
from tests.support.flaky_proxy import FlakyProxy
from tests.support.live_server import LiveServer


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """These tests run against an index on SQLite and on PostgreSQL."""
    return str(request.param)


def test_a_non_essential_users_cache_never_holds_a_sensitive_involvement(
    world: World, device: DeviceFactory
) -> None:
    camhs = world.staff(service_code="camhs")
    pat = world.staff(Role.PRACTITIONER)
    sam = world.staff(Role.ESSENTIAL, service_code="childrens_social_care")
    shared = world.children([pat, sam], 3, sensitive_practitioner=camhs.id)
    practitioner, social_worker = device(pat), device(sam)

    practitioner.engine.sync_now()
    social_worker.engine.sync_now()

    stored = everything_stored(practitioner)
    assert shared[0] in stored  # the records are there ...
    for secret in (SENSITIVE_MARKER, "Sensitive Clinician", "CAMHS clinician", camhs.id):
        assert secret not in stored  # ... but nothing of the sensitive involvements
    for index_id in shared:
        record = practitioner.open(index_id)
        assert record.restricted_information_exists
        assert all(not i.sensitive for i in record.involvements)
    # The essential user's copy of the same children does hold them: the filter is
    # the access rules, not something lost on the way.
    assert SENSITIVE_MARKER in everything_stored(social_worker)
    assert any(i.sensitive for i in social_worker.open(shared[0]).involvements)


@pytest.mark.parametrize("revocation", ["device_revoked", "account_suspended"])
def test_revocation_destroys_the_cache(
    world: World, device: DeviceFactory, revocation: str
) -> None:
    pat = world.staff()
    world.children(pat, 2)
    laptop = device(pat)
    laptop.engine.sync_now()
    laptop.open(laptop.cache.caseload()[0].index_id)  # an audit entry waits to be pushed
    if revocation == "device_revoked":
        world.revoke_device(pat, laptop.profile.device_id)
    else:
        world.suspend(pat)

    with pytest.raises(SyncError) as refused:
        laptop.engine.sync_now()

    assert refused.value.code == revocation
    assert "Everychild" in refused.value.message or "account" in refused.value.message
    assert laptop.engine.cache_destroyed
    assert not laptop.cache.is_open
    assert not laptop.profile.folder.exists()
    assert laptop.secret_store.get(laptop.profile.profile_id) is None
    assert list_profiles(laptop.profile.folder.parent.parent) == []
    status = laptop.engine.status()
    assert (status.state, status.error_code) == (SyncState.ERROR, revocation)
    with pytest.raises(SyncError) as again:
        laptop.engine.sync_now()
    assert again.value.code == revocation


def test_signing_in_on_a_revoked_device_destroys_the_cache(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    laptop = device(pat)
    laptop.engine.sync_now()
    world.revoke_device(pat, laptop.profile.device_id)

    with pytest.raises(SyncError) as refused:
        laptop.engine.sign_in(PASSWORD)

    assert refused.value.code == "device_revoked"
    assert not laptop.profile.folder.exists()


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def test_past_the_offline_lease_records_stay_shut_until_a_sync(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    (child,) = world.children(pat, 1)
    clock = Clock(utcnow())
    laptop = device(pat, clock=clock)
    laptop.engine.sync_now()
    clock.now += timedelta(hours=73)

    with pytest.raises(StoreError) as shut:
        laptop.open_at(child, clock.now)
    assert shut.value.code == "lease_expired"

    laptop.engine.sync_now()

    assert laptop.open_at(child, clock.now).index_id == child
    assert laptop.cache.last_contact() == clock.now


def test_an_expired_access_token_is_refreshed_and_the_sync_carries_on(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    (child,) = world.children(pat, 1)
    laptop = device(pat)
    laptop.engine.sync_now()
    signed_in = laptop.client.signed_in
    assert signed_in is not None
    change = laptop.set_indicator(child)
    world.expire_access_tokens(pat.id)

    report = laptop.engine.sync_now()

    assert report.applied == 3
    assert change.id in world.applied_mutations(pat.id)
    refreshed = laptop.client.signed_in
    assert refreshed is not None
    assert refreshed.access_token != signed_in.access_token
    assert refreshed.refresh_token != signed_in.refresh_token


def test_an_ended_session_needs_a_new_sign_in_and_keeps_everything(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    (child,) = world.children(pat, 1)
    laptop = device(pat)
    laptop.engine.sync_now()
    change = laptop.set_indicator(child)
    world.end_sessions(pat.id)

    with pytest.raises(SyncError) as refused:
        laptop.engine.sync_now()

    assert refused.value.needs_sign_in
    status = laptop.engine.status()
    assert (status.state, status.error_code, status.pending) == (
        SyncState.ERROR,
        refused.value.code,
        3,
    )
    assert laptop.cache.is_open
    assert change.id not in world.applied_mutations(pat.id)

    laptop.engine.sign_in(PASSWORD)
    laptop.engine.sync_now()

    assert change.id in world.applied_mutations(pat.id)
    assert laptop.engine.status().state is SyncState.ONLINE


def test_a_wrong_password_is_refused_and_nothing_is_lost(
    world: World, device: DeviceFactory
) -> None:
    pat = world.staff()
    world.children(pat, 1)
    laptop = device(pat)
    laptop.engine.sync_now()
    before = laptop.cache.digest()

    with pytest.raises(SyncError) as refused:
        laptop.engine.sign_in("not-the-password-at-all")

    assert refused.value.code == "invalid_credentials"
    assert laptop.engine.status().error_code == "invalid_credentials"
    assert laptop.cache.digest() == before


def test_a_profile_is_never_synced_under_another_account(
    world: World, device: DeviceFactory
) -> None:
    pat, sam = world.staff(), world.staff()
    world.children(sam, 1)
    laptop = device(pat)
    laptop.client.login(username=sam.username, password=PASSWORD, device_id="another-device-1")

    with pytest.raises(SyncError) as refused:
        laptop.engine.sync_now()

    assert refused.value.code == "wrong_account"
    assert laptop.cache.caseload() == []


def test_out_of_contact_past_the_wipe_limit_the_cache_is_destroyed(
    world: World, device: DeviceFactory, live_index: LiveServer
) -> None:
    pat = world.staff()
    world.children(pat, 1)
    clock = Clock(utcnow())
    with FlakyProxy(live_index.port) as proxy:
        laptop = device(pat, server_url=proxy.url, clock=clock)
        laptop.engine.sync_now()
        proxy.drop(count=100)  # the network is gone from here on
        clock.now += timedelta(days=13)

        with pytest.raises(SyncError) as offline:
            laptop.engine.sync_now()
        assert offline.value.code == "offline"
        assert laptop.cache.is_open

        clock.now += timedelta(days=2)
        with pytest.raises(SyncError) as wiped:
            laptop.engine.sync_now()

    assert wiped.value.code == "cache_wiped"
    assert laptop.engine.cache_destroyed
    assert not laptop.profile.folder.exists()
    assert laptop.engine.status().error_code == "cache_wiped"
