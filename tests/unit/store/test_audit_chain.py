"""The local audit chain: built with the domain's seal, so tampering shows, pruning is safe."""

from __future__ import annotations

import json
from datetime import timedelta

from app.domain.audit import GENESIS_HASH, AuditAction, AuditEntry, verify_chain
from app.domain.reasons import validate_access_reason
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.models import OutboxKind
from app.store.profiles import Profile
from tests.unit.store.conftest import AMELIA, JOHN, NOW, USER_ID, second_connection


def _open(cache: Cache, child_id: str, minutes: int = 0) -> None:
    cache.open_record(
        child_id,
        validate_access_reason("safeguarding"),
        actor_id=USER_ID,
        device_id=cache.profile.device_id,
        now=NOW + timedelta(minutes=minutes),
    )


def _entries(cache: Cache) -> list[AuditEntry]:
    return [i.audit for i in cache.outbox_batch(100) if i.kind is OutboxKind.AUDIT and i.audit]


def test_the_chain_starts_at_genesis_and_each_entry_links_to_the_last(cache: Cache) -> None:
    cache.audit_event(AuditAction.UNLOCK, actor_id=USER_ID, now=NOW)
    _open(cache, AMELIA.index_id, 1)
    _open(cache, JOHN.index_id, 2)

    entries = _entries(cache)

    assert [e.action for e in entries] == [AuditAction.UNLOCK, AuditAction.OPEN, AuditAction.OPEN]
    assert entries[0].prev_hash == GENESIS_HASH
    assert {e.chain for e in entries} == {f"device:{cache.profile.device_id}"}
    assert verify_chain(entries) is None  # what the index will check
    assert cache.verify_audit() is None


def test_an_edited_entry_is_found(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    for minute in range(3):
        _open(cache, AMELIA.index_id, minute)
    with second_connection(profile, secret_store) as connection:
        (entry_json,) = connection.execute(
            "SELECT entry_json FROM audit_chain WHERE position = 2"
        ).fetchone()
        edited = json.loads(entry_json)
        edited["reason_code"] = "data_quality"
        connection.execute(
            "UPDATE audit_chain SET entry_json = ? WHERE position = 2", (json.dumps(edited),)
        )

    broken = cache.verify_audit()

    assert broken is not None
    assert broken.position == 2
    assert "altered" in broken.problem


def test_a_deleted_entry_is_found(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    for minute in range(3):
        _open(cache, AMELIA.index_id, minute)
    with second_connection(profile, secret_store) as connection:
        connection.execute("DELETE FROM audit_chain WHERE position = 2")

    broken = cache.verify_audit()

    assert broken is not None
    assert broken.position == 3
    assert "removed" in broken.problem


def test_an_unreadable_entry_is_found(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    _open(cache, AMELIA.index_id)
    with second_connection(profile, secret_store) as connection:
        connection.execute("UPDATE audit_chain SET entry_json = '{}' WHERE position = 1")

    broken = cache.verify_audit()

    assert broken is not None
    assert (broken.position, broken.problem) == (1, "this entry cannot be read")


def test_pruning_removes_only_old_pushed_entries_and_the_chain_still_verifies(
    cache: Cache,
) -> None:
    for minute in range(4):
        _open(cache, AMELIA.index_id, minute)
    first_three = [e.id for e in _entries(cache)[:3]]
    # The second is not acknowledged: nothing from it onwards may go.
    cache.acknowledge([first_three[0], first_three[2]])

    pruned = cache.prune_pushed_audit(keep_days=30, now=NOW + timedelta(days=31))

    assert pruned == 1
    assert cache.verify_audit() is None
    cache.acknowledge([first_three[1]])
    assert cache.prune_pushed_audit(keep_days=30, now=NOW + timedelta(days=31)) == 2
    assert cache.prune_pushed_audit(keep_days=30, now=NOW + timedelta(days=31)) == 0
    assert cache.verify_audit() is None


def test_after_pruning_new_entries_continue_the_chain(cache: Cache) -> None:
    _open(cache, AMELIA.index_id)
    (entry,) = _entries(cache)
    cache.acknowledge([entry.id])
    assert cache.prune_pushed_audit(keep_days=1, now=NOW + timedelta(days=2)) == 1

    _open(cache, JOHN.index_id, 60 * 24 * 2)

    (following,) = _entries(cache)
    assert following.prev_hash == entry.hash
    assert cache.verify_audit() is None


def test_recent_pushed_entries_are_kept(cache: Cache) -> None:
    _open(cache, AMELIA.index_id)
    cache.acknowledge([e.id for e in _entries(cache)])
    assert cache.prune_pushed_audit(keep_days=30, now=NOW + timedelta(days=29)) == 0
