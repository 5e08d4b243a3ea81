"""Profiles on a device: "pick your name", one folder per user, deleted without trace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import StoreError
from app.store.profiles import (
    DATA_DIR_ENV,
    Profile,
    change_password,
    create_profile,
    data_dir,
    delete_profile,
    list_profiles,
    load_profile,
)
from tests.unit.store.conftest import CHEAP, NOW, PASSWORD, SEEDED, page


def _create(root: Path | None, store: EphemeralSecretStore, username: str) -> Profile:
    return create_profile(
        username=username,
        server_url="https://index.example.test",
        password=PASSWORD,
        secret_store=store,
        now=NOW,
        params=CHEAP,
        root=root,
    )


def test_a_shared_reception_pc_lists_one_profile_per_user(
    tmp_path: Path, secret_store: EphemeralSecretStore
) -> None:
    for name in ("sam.reception", "alex.reception", "kim.reception"):
        _create(tmp_path, secret_store, name)

    profiles = list_profiles(tmp_path)

    assert [p.username for p in profiles] == ["alex.reception", "kim.reception", "sam.reception"]
    assert len({p.device_id for p in profiles}) == 3  # one audit chain per profile
    assert load_profile(profiles[0].profile_id, tmp_path) == profiles[0]


def test_the_same_user_cannot_get_a_second_profile_for_the_same_index(
    tmp_path: Path, secret_store: EphemeralSecretStore
) -> None:
    _create(tmp_path, secret_store, "pat.visitor")
    with pytest.raises(StoreError) as refused:
        _create(tmp_path, secret_store, "pat.visitor")
    assert refused.value.code == "profile_exists"


def test_the_data_folder_follows_the_environment_variable(
    tmp_path: Path, secret_store: EphemeralSecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert data_dir() == tmp_path / "from-env"

    profile = _create(None, secret_store, "pat.visitor")

    assert profile.folder == tmp_path / "from-env" / "profiles" / profile.profile_id
    assert [p.profile_id for p in list_profiles()] == [profile.profile_id]
    assert data_dir(tmp_path / "explicit") == tmp_path / "explicit"


def test_profile_json_holds_only_the_listed_metadata(profile: Profile) -> None:
    data = json.loads((profile.folder / "profile.json").read_text(encoding="utf-8"))
    assert set(data) == {
        "schema_version",
        "profile_id",
        "username",
        "user_id",
        "server_url",
        "device_id",
        "created_at",
        "key",
    }
    assert set(data["key"]) == {"format", "kdf", "params", "salt", "wrapped", "tag"}


def test_a_damaged_profile_is_skipped_in_the_list_and_reported_when_loaded(
    tmp_path: Path, profile: Profile
) -> None:
    (profile.folder / "profile.json").write_text("{not json", encoding="utf-8")
    assert list_profiles(tmp_path) == []
    with pytest.raises(StoreError) as refused:
        load_profile(profile.profile_id, tmp_path)
    assert refused.value.code == "profile_unreadable"


def test_a_profile_moved_to_another_folder_is_not_trusted(tmp_path: Path, profile: Profile) -> None:
    other = tmp_path / "profiles" / ("f" * 32)
    profile.folder.rename(other)
    with pytest.raises(StoreError) as refused:
        load_profile("f" * 32, tmp_path)
    assert refused.value.code == "profile_unreadable"


def test_profile_ids_cannot_walk_out_of_the_profiles_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as refused:
        load_profile("../../etc", tmp_path)
    assert refused.value.code == "profile_not_found"


def test_changing_the_password_rewraps_the_same_key(
    tmp_path: Path, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    cache = Cache.open(profile, PASSWORD, secret_store, now=NOW)
    cache.store_page(page(*SEEDED), now=NOW)
    cache.close()
    database_before = profile.database_path.read_bytes()

    changed = change_password(
        profile, old_password=PASSWORD, new_password="Brand-new-pass-2", secret_store=secret_store
    )

    assert load_profile(profile.profile_id, tmp_path).key == changed.key
    assert profile.database_path.read_bytes() == database_before  # not re-encrypted
    with pytest.raises(StoreError) as refused:
        Cache.open(changed, PASSWORD, secret_store, now=NOW)
    assert refused.value.code == "wrong_password"
    reopened = Cache.open(changed, "Brand-new-pass-2", secret_store, now=NOW)
    assert len(reopened.caseload()) == len(SEEDED)
    reopened.close()


def test_deleting_a_profile_removes_its_folder_and_secret(
    tmp_path: Path, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    cache = Cache.open(profile, PASSWORD, secret_store, now=NOW)
    cache.store_page(page(*SEEDED), now=NOW)
    cache.close()

    delete_profile(profile, secret_store)

    assert not profile.folder.exists()
    assert secret_store.get(profile.profile_id) is None
    assert list_profiles(tmp_path) == []
