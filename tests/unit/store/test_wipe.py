"""Wiping: past the wipe limit (or when revoked) the cache, its WAL and its secret are gone."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from app.domain.session import DevicePolicy
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import StoreError
from app.store.profiles import Profile, list_profiles
from app.store.wipe_limit import WIPE_DUE_FILE, WipeDue, overdue, wipe_due
from tests.unit.store.conftest import NOW, PASSWORD, POLICY, SEEDED, page

WIPE_AFTER = timedelta(days=POLICY.wipe_after_days)


def _files(profile: Profile) -> set[str]:
    return {p.name for p in profile.folder.iterdir()} if profile.folder.exists() else set()


def test_within_the_wipe_limit_nothing_happens(cache: Cache, profile: Profile) -> None:
    assert cache.check_wipe(NOW + WIPE_AFTER) is False
    assert cache.is_open
    assert len(cache.caseload()) == len(SEEDED)


def test_past_the_wipe_limit_everything_goes(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore, tmp_path: Path
) -> None:
    assert {"cache.db", "cache.db-wal", "cache.db-shm", "profile.json"} <= _files(profile)

    assert cache.check_wipe(NOW + WIPE_AFTER + timedelta(seconds=1)) is True

    assert not profile.folder.exists()
    assert secret_store.get(profile.profile_id) is None
    assert list_profiles(tmp_path) == []
    assert not cache.is_open
    with pytest.raises(StoreError) as refused:
        cache.caseload()
    assert refused.value.code == "cache_locked"


def test_the_limit_comes_from_the_policy_the_index_sent(cache: Cache, profile: Profile) -> None:
    cache.record_contact(
        NOW, DevicePolicy(idle_lock_minutes=2, offline_lease_hours=8, wipe_after_days=3)
    )
    assert cache.device_policy().wipe_after_days == 3
    assert cache.check_wipe(NOW + timedelta(days=3, seconds=1)) is True
    assert not profile.folder.exists()


def test_without_any_contact_the_limit_counts_from_the_profile_creation(
    profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    cache = Cache.open(profile, PASSWORD, secret_store, now=NOW)
    cache.store_page(page(*SEEDED), now=NOW)
    assert cache.check_wipe(profile.created_at + WIPE_AFTER) is False
    assert cache.check_wipe(profile.created_at + WIPE_AFTER + timedelta(minutes=1)) is True
    assert not profile.folder.exists()


def test_destroy_when_the_index_revokes_the_device(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    cache.destroy()

    assert not profile.folder.exists()
    assert secret_store.get(profile.profile_id) is None
    with pytest.raises(StoreError) as refused:
        Cache.open(profile, PASSWORD, secret_store, now=NOW)
    assert refused.value.code == "device_secret_missing"


def test_reception_desk_flag_and_idle_lock_are_kept(cache: Cache) -> None:
    desk = DevicePolicy(idle_lock_minutes=2, offline_lease_hours=8, wipe_after_days=3)
    cache.record_contact(NOW, desk, reception_desk=True)
    cache.record_contact(NOW, desk)  # a later contact that does not say keeps the flag
    assert cache.reception_desk() is True
    assert cache.device_policy() == desk


def test_each_contact_mirrors_when_the_copy_falls_due_and_nothing_else(
    cache: Cache, profile: Profile
) -> None:
    policy = DevicePolicy(idle_lock_minutes=2, offline_lease_hours=8, wipe_after_days=3)
    later = NOW + timedelta(hours=5)
    cache.record_contact(later, policy)

    assert wipe_due(profile) == WipeDue(due_at=later + timedelta(days=3), limit_days=3)
    mirror = profile.folder / WIPE_DUE_FILE
    assert mirror.stat().st_mode & 0o777 == 0o600
    assert set(json.loads(mirror.read_text(encoding="utf-8"))) == {"due_at", "limit_days"}
    assert overdue([profile], later + timedelta(days=3)) == []
    assert overdue([profile], later + timedelta(days=3, seconds=1)) == [
        (profile, WipeDue(due_at=later + timedelta(days=3), limit_days=3))
    ]


def test_a_missing_or_unreadable_mirror_wipes_nothing_early(cache: Cache, profile: Profile) -> None:
    mirror = profile.folder / WIPE_DUE_FILE
    mirror.unlink()
    assert wipe_due(profile) is None
    assert overdue([profile], NOW + timedelta(days=365)) == []
    mirror.write_text("not json", encoding="utf-8")
    assert wipe_due(profile) is None
    # The check at unlock still applies.
    assert cache.check_wipe(NOW + WIPE_AFTER + timedelta(seconds=1)) is True
