"""Opening a cached record: a reason every time, an audit entry every time, and the lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlcipher3

from app.domain.audit import AuditAction, verify_chain
from app.domain.errors import ValidationError
from app.domain.reasons import AccessReason, ReasonCode, validate_access_reason
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import StoreError
from app.store.models import OutboxKind
from app.store.profiles import Profile
from tests.unit.store.conftest import (
    AMELIA,
    NOW,
    PASSWORD,
    POLICY,
    SEEDED,
    USER_ID,
    page,
    second_connection,
)


def _open(cache: Cache, reason: AccessReason | None, **overrides: object) -> object:
    arguments: dict[str, object] = {
        "actor_id": USER_ID,
        "device_id": cache.profile.device_id,
        "now": NOW,
        **overrides,
    }
    return cache.open_record(AMELIA.index_id, reason, **arguments)  # type: ignore[arg-type]


def _audit_rows(profile: Profile, secret_store: EphemeralSecretStore) -> int:
    with second_connection(profile, secret_store) as connection:
        (count,) = connection.execute("SELECT count(*) FROM audit_chain").fetchone()
    return int(count)


def test_opening_returns_the_record_and_audits_it_once(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    reason = validate_access_reason("mediated_request", "Asked by duty social worker", "Dana Duty")

    record = _open(cache, reason)

    assert record == AMELIA
    assert _audit_rows(profile, secret_store) == 1
    (item,) = cache.outbox_batch(10)
    assert item.kind is OutboxKind.AUDIT
    entry = item.audit
    assert entry is not None
    assert entry.action is AuditAction.OPEN
    assert entry.chain == f"device:{cache.profile.device_id}"
    assert (entry.actor_id, entry.device_id, entry.child_id) == (
        USER_ID,
        cache.profile.device_id,
        AMELIA.index_id,
    )
    assert (entry.reason_code, entry.reason_text, entry.on_behalf_of) == (
        "mediated_request",
        "Asked by duty social worker",
        "Dana Duty",
    )
    assert verify_chain([entry]) is None
    assert cache.verify_audit() is None


def test_every_opening_is_audited(cache: Cache) -> None:
    reason = validate_access_reason("safeguarding")
    for _ in range(3):
        _open(cache, reason)
    entries = [item.audit for item in cache.outbox_batch(10)]
    assert len(entries) == 3
    assert verify_chain(e for e in entries if e is not None) is None


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (None, "reason_required"),
        (AccessReason.model_construct(code=ReasonCode.OTHER, text="short"), "reason_text_required"),
        (
            AccessReason.model_construct(code=ReasonCode.MEDIATED_REQUEST, text=None),
            "on_behalf_of_required",
        ),
    ],
    ids=["missing", "short other", "mediated without whom"],
)
def test_no_valid_reason_no_record_and_nothing_written(
    cache: Cache,
    profile: Profile,
    secret_store: EphemeralSecretStore,
    reason: AccessReason | None,
    code: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        _open(cache, reason)

    assert refused.value.code == code
    assert cache.pending_count() == 0
    assert _audit_rows(profile, secret_store) == 0


def test_the_audit_entry_and_its_outbox_item_are_written_together(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    with second_connection(profile, secret_store) as connection:
        connection.execute(
            "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
        )

    with pytest.raises(sqlcipher3.IntegrityError, match="simulated failure"):
        _open(cache, validate_access_reason("safeguarding"))

    assert _audit_rows(profile, secret_store) == 0
    assert cache.pending_count() == 0


def test_the_lease_runs_out_after_the_offline_limit(cache: Cache) -> None:
    reason = validate_access_reason("service_provision")
    lease = timedelta(hours=POLICY.offline_lease_hours)
    _open(cache, reason, now=NOW + lease)

    with pytest.raises(StoreError) as refused:
        _open(cache, reason, now=NOW + lease + timedelta(seconds=1))

    assert refused.value.code == "lease_expired"
    assert "72 hours" in refused.value.message
    assert "sign in online again" in refused.value.message
    assert cache.pending_count() == 1  # only the opening inside the lease was audited


def test_contact_with_the_index_renews_the_lease(cache: Cache) -> None:
    later = NOW + timedelta(days=5)
    cache.record_contact(later, POLICY)
    _open(cache, validate_access_reason("service_provision"), now=later + timedelta(hours=1))
    assert cache.last_contact() == later


def test_a_cache_never_in_contact_cannot_open_records(
    profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    cache = Cache.open(profile, PASSWORD, secret_store, now=NOW)
    cache.store_page(page(*SEEDED), now=NOW)
    with pytest.raises(StoreError) as refused:
        _open(cache, validate_access_reason("safeguarding"))
    assert refused.value.code == "lease_expired"
    cache.close()


def test_a_record_not_in_the_cache(cache: Cache) -> None:
    with pytest.raises(StoreError) as refused:
        cache.open_record(
            "0000-0000-0000",
            validate_access_reason("safeguarding"),
            actor_id=USER_ID,
            device_id=cache.profile.device_id,
            now=NOW,
        )
    assert refused.value.code == "not_cached"
    assert cache.pending_count() == 0


def test_a_locked_cache_opens_nothing(cache: Cache) -> None:
    cache.close()
    assert not cache.is_open
    with pytest.raises(StoreError) as refused:
        _open(cache, validate_access_reason("safeguarding"))
    assert refused.value.code == "cache_locked"
    with pytest.raises(StoreError, match="Enter your password"):
        cache.search("feath")
