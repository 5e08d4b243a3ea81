"""Property tests of the access policy: whatever the record, the rules hold."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.policy import visible_record
from app.domain.records import ChildRecord, Involvement, ParentCarer
from app.domain.roles import Role, User

TODAY = date(2026, 11, 21)
PRACTITIONERS = ["u1", "u2", "u3", "me"]

involvements = st.builds(
    Involvement,
    id=st.uuids().map(str),
    practitioner_id=st.sampled_from(PRACTITIONERS),
    practitioner_name=st.just("Pat Example"),
    practitioner_role=st.just("Clinician"),
    organisation=st.just("Example Trust"),
    service_code=st.sampled_from(["camhs", "health_visiting", "hiv"]),
    sensitive=st.booleans(),
    start_date=st.dates(date(2010, 1, 1), date(2026, 1, 1)),
    end_date=st.none() | st.dates(date(2026, 1, 2), date(2026, 11, 1)),
    is_lead=st.booleans(),
)

records = st.builds(
    ChildRecord,
    index_id=st.just("7K3M-9QX2-B4HB"),
    nhs_number=st.none() | st.just("9434765919"),
    given_names=st.text(min_size=1, max_size=20),
    family_name=st.text(min_size=1, max_size=20),
    date_of_birth=st.dates(date(2008, 1, 1), date(2026, 1, 1)),
    gender=st.none() | st.sampled_from(["female", "male", "not stated"]),
    parents_carers=st.lists(
        st.builds(
            ParentCarer,
            id=st.uuids().map(str),
            name=st.text(min_size=1, max_size=20),
            relationship=st.none() | st.just("carer"),
        ),
        max_size=3,
    ).map(tuple),
    involvements=st.lists(involvements, max_size=6, unique_by=lambda i: i.id).map(tuple),
    shielded=st.booleans(),
)

users = st.builds(
    User,
    id=st.just("me"),
    username=st.just("me"),
    display_name=st.just("Sam Tester"),
    roles=st.sets(
        st.sampled_from(
            [Role.VIEWER, Role.PRACTITIONER, Role.ESSENTIAL, Role.INDEX_MANAGER, Role.DATA_MANAGER]
        ),
        min_size=1,
    ).map(frozenset),
    organisation=st.just("Example Trust"),
    local_authority=st.just("Example Council"),
    training_completed_on=st.just(TODAY - timedelta(days=1)),
    vetted_on=st.just(TODAY - timedelta(days=100)),
)

NON_ESSENTIAL = {Role.VIEWER, Role.PRACTITIONER, Role.DATA_MANAGER}


@settings(max_examples=300, deadline=None)
@given(record=records, user=users)
def test_without_essential_no_one_receives_another_practitioners_sensitive_involvement(
    record: ChildRecord, user: User
) -> None:
    seen = visible_record(user, record)
    if user.roles <= NON_ESSENTIAL:
        assert all(not i.sensitive or i.practitioner_id == user.id for i in seen.involvements)


@settings(max_examples=300, deadline=None)
@given(record=records, user=users)
def test_restricted_flag_is_shown_exactly_when_something_was_withheld(
    record: ChildRecord, user: User
) -> None:
    seen = visible_record(user, record)
    hidden = {i.id for i in record.involvements} - {i.id for i in seen.involvements}
    if not seen.shielded or Role.INDEX_MANAGER in user.roles:
        assert seen.restricted_information_exists is bool(hidden)
    else:
        assert seen.restricted_information_exists is False


@settings(max_examples=300, deadline=None)
@given(record=records, user=users)
def test_a_shielded_record_reveals_only_name_dob_id_and_carer_names(
    record: ChildRecord, user: User
) -> None:
    seen = visible_record(user, record)
    if record.shielded and Role.INDEX_MANAGER not in user.roles:
        assert seen.involvements == ()
        assert (seen.address, seen.gender, seen.nhs_number, seen.setting) == (None,) * 4
        assert [p.name for p in seen.parents_carers] == [p.name for p in record.parents_carers]
        assert all(p.relationship is None and p.contact is None for p in seen.parents_carers)


@settings(max_examples=200, deadline=None)
@given(record=records, user=users)
def test_filtering_never_adds_and_is_idempotent(record: ChildRecord, user: User) -> None:
    seen = visible_record(user, record)
    assert {i.id for i in seen.involvements} <= {i.id for i in record.involvements}
    assert visible_record(user, seen).involvements == seen.involvements
