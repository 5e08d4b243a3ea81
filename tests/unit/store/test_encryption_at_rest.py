"""The cache on disk: nothing personal in plaintext, and nothing opens it without both keys.

PRODUCT.md §6 and §9: no plaintext names in the database file, its WAL or anything else in
the profile folder; a wrong password or a missing keyring secret gives a clear message
and loses nothing — the files are byte-for-byte what they were.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlcipher3

from app.domain.reasons import validate_access_reason
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import StoreError
from app.store.profiles import Profile, load_profile
from tests.unit.store.conftest import (
    AMELIA,
    NOW,
    PASSWORD,
    SECRETS_ON_DISK,
    SEEDED,
    USER_ID,
    page,
    second_connection,
)


def _plaintext_found(folder: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits = [s for s in SECRETS_ON_DISK if s.encode() in data]
            if hits:
                found[path.name] = hits
    return found


def _fingerprint(profile: Profile) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(profile.folder.iterdir())
        if path.is_file()
    }


def test_no_plaintext_in_the_database_its_wal_or_the_profile_folder(
    profile: Profile, cache: Cache, secret_store: EphemeralSecretStore
) -> None:
    cache.open_record(
        AMELIA.index_id,
        validate_access_reason("other", "Checking Featherstonehaugh referral"),
        actor_id=USER_ID,
        device_id=profile.device_id,
        now=NOW,
    )
    wal = profile.database_path.with_name("cache.db-wal")
    assert wal.stat().st_size > 0, "the writes should still be in the WAL"
    assert _plaintext_found(profile.folder) == {}

    with second_connection(profile, secret_store) as connection:
        # Checkpointed, so every page has reached the main file too.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert wal.stat().st_size == 0
    assert _plaintext_found(profile.folder) == {}

    cache.close()
    assert _plaintext_found(profile.folder) == {}


def test_the_seeded_text_is_really_there_once_decrypted(
    profile: Profile, cache: Cache, secret_store: EphemeralSecretStore
) -> None:
    # Guards the test above: the strings it looks for are what the cache stores.
    with second_connection(profile, secret_store) as connection:
        (server_json,) = connection.execute(
            "SELECT server_json FROM records WHERE index_id = ?", (AMELIA.index_id,)
        ).fetchone()
    assert "Featherstonehaugh" in server_json
    assert "BN1 1AA" in server_json


def test_wrong_password_is_refused_and_the_files_are_unchanged(
    profile: Profile, cache: Cache, secret_store: EphemeralSecretStore
) -> None:
    cache.close()
    before = _fingerprint(profile)

    with pytest.raises(StoreError) as refused:
        Cache.open(profile, "Not-the-password-1", secret_store, now=NOW)

    assert refused.value.code == "wrong_password"
    assert refused.value.message.startswith("The password is not right")
    assert _fingerprint(profile) == before
    reopened = Cache.open(profile, PASSWORD, secret_store, now=NOW)
    assert len(reopened.caseload()) == len(SEEDED)
    reopened.close()


def test_password_alone_does_not_open_it_without_the_device_secret(
    profile: Profile, cache: Cache
) -> None:
    cache.close()
    before = _fingerprint(profile)

    with pytest.raises(StoreError) as refused:
        Cache.open(profile, PASSWORD, EphemeralSecretStore(), now=NOW)

    assert refused.value.code == "device_secret_missing"
    assert "Nothing has been deleted" in refused.value.message
    assert _fingerprint(profile) == before


def test_a_copied_profile_folder_with_someone_elses_secret_does_not_open(
    profile: Profile, cache: Cache, tmp_path: Path
) -> None:
    cache.close()
    thief = EphemeralSecretStore()
    thief.create(profile.profile_id)  # a secret under the right name, but not the right one

    with pytest.raises(StoreError) as refused:
        Cache.open(load_profile(profile.profile_id, tmp_path), PASSWORD, thief, now=NOW)

    assert refused.value.code == "wrong_password"


def test_the_raw_file_is_not_a_database_without_the_key(profile: Profile, cache: Cache) -> None:
    cache.close()
    stranger = sqlcipher3.connect(str(profile.database_path))
    with pytest.raises(sqlcipher3.DatabaseError, match="not a database"):
        stranger.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    stranger.close()


def test_a_damaged_file_is_reported_and_kept(
    profile: Profile, cache: Cache, secret_store: EphemeralSecretStore
) -> None:
    cache.close()  # the last connection to close checkpoints the WAL into the file
    data = bytearray(profile.database_path.read_bytes())
    data[0:4096] = bytes(4096)  # the first page, with SQLCipher's salt, wiped
    profile.database_path.write_bytes(bytes(data))
    before = _fingerprint(profile)

    with pytest.raises(StoreError) as refused:
        Cache.open(profile, PASSWORD, secret_store, now=NOW)

    assert refused.value.code == "cache_unreadable"
    assert "Nothing has been deleted" in refused.value.message
    assert _fingerprint(profile) == before


def test_the_profile_file_holds_no_child_data(profile: Profile, cache: Cache) -> None:
    cache.store_page(page(*SEEDED), now=NOW)
    text = (profile.folder / "profile.json").read_text(encoding="utf-8")
    assert all(secret not in text for secret in SECRETS_ON_DISK)
    assert "pat.visitor" in text  # the username is there, for "pick your name"


def test_files_are_readable_by_their_owner_only(profile: Profile, cache: Cache) -> None:
    assert profile.folder.stat().st_mode & 0o777 == 0o700
    for name in ("profile.json", "cache.db"):
        assert (profile.folder / name).stat().st_mode & 0o077 == 0, name


def test_damage_beyond_the_first_page_is_reported_and_kept(
    profile: Profile, cache: Cache, secret_store: EphemeralSecretStore
) -> None:
    cache.close()
    data = bytearray(profile.database_path.read_bytes())
    for offset in range(4096, len(data), 4096):
        data[offset + 100 : offset + 108] = b"\xff" * 8
    profile.database_path.write_bytes(bytes(data))
    before = _fingerprint(profile)

    def open_and_list() -> None:
        # The damage shows when the open reads past the first page, or on the first list.
        damaged = Cache.open(profile, PASSWORD, secret_store, now=NOW)
        damaged.caseload()

    with pytest.raises(StoreError) as refused:
        open_and_list()

    assert refused.value.code == "cache_unreadable"
    assert _fingerprint(profile) == before
