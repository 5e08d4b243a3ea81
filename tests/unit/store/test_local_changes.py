"""Local changes: shown at once, queued with their audit entry in one transaction, and the
index's answers — acknowledged, refused, or in conflict — handled without losing anything."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlcipher3

from app.domain.audit import AuditAction
from app.domain.changes import (
    AddInvolvement,
    EndInvolvement,
    Mutation,
    MutationPayload,
    Pin,
    SetIndicator,
    Unpin,
)
from app.domain.errors import DomainError
from app.domain.reasons import validate_access_reason
from app.domain.records import ChildRecord, IndicatorKind
from app.domain.roles import Role
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import StoreError
from app.store.models import OutboxKind
from app.store.profiles import Profile
from tests.unit.store.conftest import (
    AMELIA,
    JOHN,
    NOW,
    USER_ID,
    make_involvement,
    make_user,
    page,
    second_connection,
)

ME = make_user()


def _mutation(
    payload: MutationPayload, *, child: ChildRecord = AMELIA, mid: str = "mutation-1"
) -> Mutation:
    return Mutation(id=mid, child_id=child.index_id, created_at=NOW, payload=payload)


def _add(mid: str = "mutation-1", child: ChildRecord = JOHN) -> Mutation:
    return _mutation(
        AddInvolvement(
            involvement_id=f"inv-{mid}",
            start_date=date(2026, 11, 1),
            practitioner_role="Health visitor",
        ),
        child=child,
        mid=mid,
    )


def _indicator(mid: str, indicator_id: str) -> Mutation:
    return _mutation(
        SetIndicator(
            indicator_id=indicator_id,
            involvement_id="inv-amelia-1",
            indicator=IndicatorKind.INFORMATION_TO_SHARE,
        ),
        mid=mid,
    )


def _end(mid: str = "mutation-end", base_version: int = 1) -> Mutation:
    return _mutation(
        EndInvolvement(
            involvement_id="inv-amelia-1", end_date=date(2026, 11, 20), base_version=base_version
        ),
        mid=mid,
    )


def _view(cache: Cache, child: ChildRecord) -> ChildRecord:
    return cache.open_record(
        child.index_id,
        validate_access_reason("service_provision"),
        actor_id=USER_ID,
        device_id=cache.profile.device_id,
        now=NOW,
    )


def _snapshot(profile: Profile, secret_store: EphemeralSecretStore) -> tuple[object, ...]:
    with second_connection(profile, secret_store) as connection:
        return tuple(
            tuple(connection.execute(sql).fetchall())
            for sql in (
                "SELECT index_id, server_json, local_json FROM records ORDER BY index_id",
                "SELECT * FROM outbox ORDER BY seq",
                "SELECT * FROM audit_chain ORDER BY position",
                "SELECT * FROM pins ORDER BY index_id",
            )
        )


def test_a_change_shows_at_once_and_is_queued_with_its_audit_entry(cache: Cache) -> None:
    shown = cache.apply_local_change(_add(), actor=ME, now=NOW)

    (added,) = shown.involvements
    assert (added.id, added.practitioner_id, added.service_code) == (
        "inv-mutation-1",
        USER_ID,
        "health_visiting",
    )
    assert _view(cache, JOHN).involvements == shown.involvements
    mutation_item, audit_item = cache.outbox_batch(10)[:2]
    assert mutation_item.kind is OutboxKind.MUTATION
    assert mutation_item.mutation == _add()
    assert audit_item.audit is not None
    assert audit_item.audit.action is AuditAction.ADD_INVOLVEMENT
    assert audit_item.audit.details == {"mutation_id": "mutation-1"}
    (john_row,) = [row for row in cache.caseload() if row.index_id == JOHN.index_id]
    assert john_row.pending_changes == 1


def test_the_policy_refuses_before_anything_is_written(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    before = _snapshot(profile, secret_store)
    viewer = make_user(Role.VIEWER)

    with pytest.raises(DomainError) as forbidden:
        cache.apply_local_change(_add(), actor=viewer, now=NOW)
    with pytest.raises(DomainError) as not_mine:
        cache.apply_local_change(_end(), actor=make_user(user_id="someone-else"), now=NOW)

    assert forbidden.value.code == "forbidden"
    assert not_mine.value.code == "not_your_involvement"
    assert _snapshot(profile, secret_store) == before


def test_a_sensitive_service_needs_consent(cache: Cache) -> None:
    clinician = make_user(service_code="camhs")
    with pytest.raises(DomainError) as refused:
        cache.apply_local_change(_add(), actor=clinician, now=NOW)
    assert refused.value.code == "consent_required"
    assert cache.pending_count() == 0


def test_a_change_to_a_record_not_in_the_cache_writes_nothing(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    before = _snapshot(profile, secret_store)
    stranger = AMELIA.model_copy(update={"index_id": "0000-0000-0000"})

    with pytest.raises(StoreError) as refused:
        cache.apply_local_change(_add(child=stranger), actor=ME, now=NOW)

    assert refused.value.code == "not_cached"
    assert _snapshot(profile, secret_store) == before


def test_a_failure_mid_way_keeps_nothing(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    before = _snapshot(profile, secret_store)
    with second_connection(profile, secret_store) as connection:
        # The record and the outbox are written before the audit entry: fail at the end.
        connection.execute(
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_chain "
            "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
        )

    with pytest.raises(sqlcipher3.IntegrityError, match="simulated failure"):
        cache.apply_local_change(_indicator("mutation-1", "indicator-1"), actor=ME, now=NOW)

    with second_connection(profile, secret_store) as connection:
        connection.execute("DROP TRIGGER fail_audit")
    assert _snapshot(profile, secret_store) == before


def test_the_same_mutation_id_twice_is_refused_and_changes_nothing(cache: Cache) -> None:
    cache.apply_local_change(_indicator("mutation-1", "indicator-1"), actor=ME, now=NOW)

    with pytest.raises(DomainError) as refused:
        cache.apply_local_change(_indicator("mutation-1", "indicator-2"), actor=ME, now=NOW)

    assert refused.value.code == "duplicate"
    (involvement,) = _view(cache, AMELIA).involvements
    assert [i.id for i in involvement.indicators] == ["indicator-1"]


def test_pin_and_unpin(cache: Cache) -> None:
    cache.apply_local_change(
        _mutation(Pin(reason_code="identify_involved"), mid="mutation-pin"), actor=ME, now=NOW
    )
    assert [r.index_id for r in cache.caseload() if r.pinned] == [AMELIA.index_id]

    cache.apply_local_change(_mutation(Unpin(), mid="mutation-unpin"), actor=ME, now=NOW)
    assert [r.index_id for r in cache.caseload() if r.pinned] == []
    assert cache.pending_count() == 4  # two mutations, two audit entries


def test_acknowledged_items_leave_the_outbox_and_the_change_stays_shown(cache: Cache) -> None:
    cache.apply_local_change(_add(), actor=ME, now=NOW)
    ids = [item.item_id for item in cache.outbox_batch(10)]

    cache.acknowledge([*ids, "never-queued"])
    cache.acknowledge(ids)  # a repeated acknowledgement is harmless

    assert cache.pending_count() == 0
    assert len(_view(cache, JOHN).involvements) == 1


def test_a_fresh_copy_from_the_index_keeps_pending_changes_shown(cache: Cache) -> None:
    cache.apply_local_change(_indicator("mutation-1", "indicator-1"), actor=ME, now=NOW)
    renamed = AMELIA.model_copy(update={"given_names": "Ottoline Amélie", "version": 2})

    cache.store_page(page(renamed), now=NOW)

    view = _view(cache, AMELIA)
    assert view.given_names == "Ottoline Amélie"
    assert [i.id for i in view.involvements[0].indicators] == ["indicator-1"]


def test_a_refused_change_is_kept_for_the_user_and_no_longer_shown(cache: Cache) -> None:
    cache.apply_local_change(_indicator("mutation-1", "indicator-1"), actor=ME, now=NOW)
    cache.record_attempt(["mutation-1"], "connection reset")

    cache.mark_rejected("mutation-1", "involvement_ended", "This involvement has already ended.")

    assert _view(cache, AMELIA).involvements[0].indicators == ()
    (rejected,) = cache.rejected()
    assert (rejected.item_id, rejected.rejected_code, rejected.attempts, rejected.last_error) == (
        "mutation-1",
        "involvement_ended",
        1,
        "connection reset",
    )
    assert all(item.item_id != "mutation-1" for item in cache.outbox_batch(10))
    cache.dismiss_rejected("mutation-1")
    assert cache.rejected() == []


def test_a_conflict_waits_for_the_user_with_the_index_copy_shown(cache: Cache) -> None:
    cache.apply_local_change(_end(), actor=ME, now=NOW)
    current = AMELIA.model_copy(
        update={"version": 2, "involvements": (make_involvement("inv-amelia-1", version=2),)}
    )

    cache.move_to_conflicts("mutation-end", current)

    (conflict,) = cache.conflicts()
    assert (conflict.mutation_id, conflict.current) == ("mutation-end", current)
    assert _view(cache, AMELIA) == current
    assert all(item.item_id != "mutation-end" for item in cache.outbox_batch(10))


def test_keeping_theirs_closes_the_conflict_and_queues_nothing(cache: Cache) -> None:
    cache.apply_local_change(_end(), actor=ME, now=NOW)
    cache.move_to_conflicts("mutation-end", None)
    pending = cache.pending_count()

    assert cache.resolve_conflict("mutation-end", "theirs") is None

    assert cache.conflicts() == []
    assert cache.pending_count() == pending
    with pytest.raises(StoreError) as refused:
        cache.resolve_conflict("mutation-end", "theirs")
    assert refused.value.code == "conflict_not_found"


def test_keeping_mine_makes_the_change_again_against_the_current_version(cache: Cache) -> None:
    cache.apply_local_change(_end(), actor=ME, now=NOW)
    current = AMELIA.model_copy(
        update={"version": 2, "involvements": (make_involvement("inv-amelia-1", version=2),)}
    )
    cache.move_to_conflicts("mutation-end", current)

    shown = cache.resolve_conflict("mutation-end", "mine", now=NOW + timedelta(minutes=5))

    assert shown is not None
    assert shown.involvements[0].end_date == date(2026, 11, 20)
    (retry,) = [i.mutation for i in cache.outbox_batch(20) if i.kind is OutboxKind.MUTATION]
    assert retry is not None
    assert retry.id != "mutation-end"
    assert isinstance(retry.payload, EndInvolvement)
    assert retry.payload.base_version == 2
    assert cache.conflicts() == []
    assert cache.verify_audit() is None


def test_the_counts_the_status_bar_shows_follow_the_lists(cache: Cache) -> None:
    assert (cache.rejected_count(), cache.conflict_count()) == (0, 0)
    cache.apply_local_change(_indicator("mutation-1", "indicator-1"), actor=ME, now=NOW)
    cache.apply_local_change(_indicator("mutation-2", "indicator-2"), actor=ME, now=NOW)
    cache.apply_local_change(_end(), actor=ME, now=NOW)

    cache.mark_rejected("mutation-1", "involvement_ended", "This involvement has already ended.")
    cache.mark_rejected("mutation-2", "involvement_ended", "This involvement has already ended.")
    cache.move_to_conflicts("mutation-end", None)

    assert (cache.rejected_count(), cache.conflict_count()) == (2, 1)
    assert cache.rejected_count() == len(cache.rejected())
    assert cache.conflict_count() == len(cache.conflicts())
    cache.dismiss_rejected("mutation-1")
    cache.resolve_conflict("mutation-end", "theirs")
    assert (cache.rejected_count(), cache.conflict_count()) == (1, 0)
    assert cache.pending_count() > 0  # the audit entries: neither refused nor in conflict
