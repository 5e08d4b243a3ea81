"""What the desktop client reads besides records: list columns, one child's row, the user
the index last signed in, and the device's own access log."""

from __future__ import annotations

from datetime import timedelta

from app.domain.audit import AuditAction
from app.domain.changes import Mutation, Pin, SetIndicator
from app.domain.reasons import validate_access_reason
from app.domain.records import IndicatorKind
from app.domain.roles import Role
from app.domain.session import UserProfile
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.profiles import Profile
from tests.unit.store.conftest import (
    AMELIA,
    JOHN,
    NOW,
    PASSWORD,
    USER_ID,
    make_involvement,
    make_record,
    make_user,
    page,
)

ME = make_user()


def _set_indicator(mid: str) -> Mutation:
    return Mutation(
        id=mid,
        child_id=AMELIA.index_id,
        created_at=NOW,
        payload=SetIndicator(
            indicator_id=f"ind-{mid}",
            involvement_id="inv-amelia-1",
            indicator=IndicatorKind.INFORMATION_TO_SHARE,
        ),
    )


def test_the_list_columns_follow_local_changes_and_the_index(cache: Cache) -> None:
    before = cache.caseload_row(AMELIA.index_id)
    assert before is not None
    assert (before.postcode_district, before.lead_professional, before.indicator_count) == (
        "BN1",
        None,
        0,
    )

    cache.apply_local_change(_set_indicator("mutation-ind-1"), actor=ME, now=NOW)
    changed = cache.caseload_row(AMELIA.index_id)
    assert changed is not None
    assert (changed.indicator_count, changed.pending_changes) == (1, 1)

    # The index refuses it: the list goes back to the index's copy.
    cache.mark_rejected("mutation-ind-1", "forbidden", "Not allowed.")
    assert cache.caseload_row(AMELIA.index_id) == before

    led = AMELIA.model_copy(
        update={
            "version": 2,
            "involvements": (
                make_involvement("inv-amelia-1").model_copy(update={"is_lead": True}),
                make_involvement("inv-ended", practitioner_id="user-gone").model_copy(
                    update={"is_lead": True, "end_date": NOW.date(), "practitioner_name": "Gone"}
                ),
            ),
        }
    )
    cache.store_page(page(led, cursor="cursor-2"), now=NOW)
    after = cache.caseload_row(AMELIA.index_id)
    assert after is not None
    # An ended involvement is no longer the lead.
    assert after.lead_professional == "Pat Visitor"


def test_a_child_not_in_the_cache_has_no_row(cache: Cache) -> None:
    assert cache.caseload_row("0000-0000-0000") is None
    rows = {row.index_id: row for row in cache.caseload()}
    assert rows[JOHN.index_id].postcode_district == "BN2"


def test_the_pinned_mark_of_one_child(cache: Cache) -> None:
    reason = validate_access_reason("service_provision")
    cache.apply_local_change(
        Mutation(
            id="mutation-pin-1",
            child_id=JOHN.index_id,
            created_at=NOW,
            payload=Pin(reason_code=reason.code.value),
        ),
        actor=ME,
        now=NOW,
    )
    row = cache.caseload_row(JOHN.index_id)
    assert row is not None
    assert row.pinned
    # Pinning is an access for a reason: the device's chain records the reason with it.
    logged = cache.access_log(limit=1)[0].entry
    assert (logged.action, logged.child_id, logged.reason_code) == (
        AuditAction.PIN,
        JOHN.index_id,
        "service_provision",
    )


def test_the_signed_in_user_is_remembered_across_unlocks(
    empty_cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    assert empty_cache.remembered_user() is None
    user = UserProfile(
        id=USER_ID,
        username="pat.visitor",
        display_name="Pat Visitor",
        roles=(Role.PRACTITIONER,),
        organisation="Seafield Health",
        local_authority="Brighton and Hove",
        service_code="health_visiting",
        job_title="Health visitor",
    )
    empty_cache.remember_user(user, now=NOW - timedelta(days=1))
    empty_cache.remember_user(user, now=NOW)
    empty_cache.close()

    again = Cache.open(profile, PASSWORD, secret_store, now=NOW)
    try:
        remembered = again.remembered_user()
    finally:
        again.close()
    assert remembered is not None
    assert (remembered.user, remembered.confirmed_at) == (user, NOW)


def test_the_access_log_lists_the_device_chain_newest_first(cache: Cache) -> None:
    cache.audit_event(AuditAction.UNLOCK, actor_id=USER_ID, now=NOW)
    cache.open_record(
        JOHN.index_id,
        validate_access_reason("other", "Checking before a home visit"),
        actor_id=USER_ID,
        device_id=cache.profile.device_id,
        now=NOW + timedelta(minutes=1),
    )

    log = cache.access_log()
    assert [e.entry.action for e in log] == [AuditAction.OPEN, AuditAction.UNLOCK]
    assert log[0].entry.child_id == JOHN.index_id
    assert log[0].entry.reason_text == "Checking before a home visit"
    assert [e.pushed_at for e in log] == [None, None]

    cache.acknowledge([log[0].entry.id])
    assert cache.access_log(limit=1)[0].pushed_at is not None


def test_a_postcode_the_validator_does_not_know_shows_no_district(empty_cache: Cache) -> None:
    odd = make_record(
        7, given="Ottilie", family="Quarrington", dob=JOHN.date_of_birth, postcode="BN1"
    )
    empty_cache.store_page(page(odd), now=NOW)
    row = empty_cache.caseload_row(odd.index_id)
    assert row is not None
    assert row.postcode_district is None
