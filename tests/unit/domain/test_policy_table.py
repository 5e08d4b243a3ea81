"""The access policy as tables: every role × record kind × field, and every role × action.

The expected values are written out here from PRODUCT.md §1–§3 and seeds 000/004, not
derived from ``app.domain.policy``, so a change to the policy that breaks the
specification fails a named cell of these tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.domain.errors import DomainError
from app.domain.policy import Action, permit, search_summary, visible_record
from app.domain.records import (
    Address,
    ChildRecord,
    ContactDetails,
    Decision,
    DecisionOutcome,
    HealthContact,
    Indicator,
    IndicatorKind,
    Involvement,
    ParentCarer,
    Setting,
    Shield,
)
from app.domain.roles import Role, User

TODAY = date(2026, 11, 21)
AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
ME = "user-me"
OTHER = "user-other"


def make_user(role: Role, *, user_id: str = ME, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "id": user_id,
        "username": f"{role.value}-user",
        "display_name": "Sam Tester",
        "roles": frozenset({role}),
        "organisation": "Seafield Health Trust",
        "local_authority": "Brighton and Hove",
        "service_code": "health_visiting",
        "training_completed_on": TODAY - timedelta(days=10),
        "vetted_on": TODAY - timedelta(days=400),
    }
    fields.update(overrides)
    return User(**fields)


def involvement(
    inv_id: str, practitioner: str, *, sensitive: bool = False, ended: bool = False
) -> Involvement:
    return Involvement(
        id=inv_id,
        practitioner_id=practitioner,
        practitioner_name="Pat Example",
        practitioner_role="Clinician" if sensitive else "Health visitor",
        organisation="Downs NHS Trust",
        service_code="camhs" if sensitive else "health_visiting",
        sensitive=sensitive,
        contact=ContactDetails(phone="01632 960123"),
        start_date=date(2026, 1, 5),
        end_date=date(2026, 6, 1) if ended else None,
        indicators=(
            Indicator(
                id=f"{inv_id}-ind",
                kind=IndicatorKind.INFORMATION_TO_SHARE,
                set_by=practitioner,
                set_by_name="Pat Example",
                set_at=AT,
            ),
        ),
    )


def record(*, sensitive: bool = False, shielded: bool = False) -> ChildRecord:
    """A record with every field filled, so each field's visibility is observable."""
    involvements = [involvement("inv-mine", ME), involvement("inv-other", OTHER)]
    if sensitive:
        involvements.append(involvement("inv-camhs", OTHER, sensitive=True))
    return ChildRecord(
        index_id="7K3M-9QX2-B4HB",
        nhs_number="9434765919",
        given_names="Ada",
        family_name="Quill",
        other_names=("Ada Quil",),
        date_of_birth=date(2014, 5, 2),
        gender="female",
        address=Address(line1="3 Example Row", town="Brighton", postcode="BN1 1AA"),
        parents_carers=(
            ParentCarer(
                id="pc-1",
                name="Jo Quill",
                relationship="mother",
                parental_responsibility=True,
                contact=ContactDetails(phone="01632 960999"),
            ),
        ),
        setting=Setting(name="Example Primary"),
        gp_practice=HealthContact(name="Example Surgery"),
        health_visitor=HealthContact(name="Example HV team"),
        involvements=tuple(involvements),
        decisions=(
            Decision(
                id="dec-1",
                decided_by=OTHER,
                decided_by_name="Pat Example",
                decided_at=AT,
                outcome=DecisionOutcome.SHARE,
                reasons="Shared with the school nurse to plan support.",
            ),
        ),
        shielded=shielded,
        shield=(
            Shield(
                reason="Whereabouts protected",
                review_date=date(2027, 1, 1),
                shielded_by="im-1",
                shielded_at=AT,
            )
            if shielded
            else None
        ),
        version=7,
    )


KINDS = {
    "ordinary": record(),
    "sensitive": record(sensitive=True),
    "shielded": record(shielded=True),
    "shielded+sensitive": record(shielded=True, sensitive=True),
}

ALL_FIELDS = frozenset(ChildRecord.model_fields)
SHIELDED_VIEW = frozenset(
    {
        "index_id",
        "given_names",
        "family_name",
        "date_of_birth",
        "parents_carers",
        "shielded",
        "version",
    }
)
# Fields whose withheld form is not simply "the default": checked by dedicated columns.
PARTIAL = frozenset({"involvements", "parents_carers", "restricted_information_exists"})

# What each role sees of each kind of record: "all", "all-but:<fields>", "shielded-view".
# decisions: only essential staff and index managers see others' decisions.
# shield: only index managers see why and until when a record is shielded.
FIELD_TABLE: dict[Role, dict[str, str]] = {
    Role.VIEWER: {
        "ordinary": "all-but:decisions,shield",
        "sensitive": "all-but:decisions,shield,involvements",
        "shielded": "shielded-view",
        "shielded+sensitive": "shielded-view",
    },
    Role.PRACTITIONER: {
        "ordinary": "all-but:decisions,shield",
        "sensitive": "all-but:decisions,shield,involvements",
        "shielded": "shielded-view",
        "shielded+sensitive": "shielded-view",
    },
    Role.ESSENTIAL: {
        "ordinary": "all-but:shield",
        "sensitive": "all-but:shield",
        "shielded": "shielded-view",
        "shielded+sensitive": "shielded-view",
    },
    Role.INDEX_MANAGER: {
        "ordinary": "all",
        "sensitive": "all",
        "shielded": "all",
        "shielded+sensitive": "all",
    },
    Role.DATA_MANAGER: {
        "ordinary": "all-but:decisions,shield",
        "sensitive": "all-but:decisions,shield,involvements",
        "shielded": "shielded-view",
        "shielded+sensitive": "shielded-view",
    },
}

# Involvement ids each role sees, per kind (the sensitive one is "inv-camhs").
INVOLVEMENTS_SEEN: dict[Role, dict[str, set[str]]] = {
    role: {
        "ordinary": {"inv-mine", "inv-other"},
        "sensitive": (
            {"inv-mine", "inv-other", "inv-camhs"}
            if role in (Role.ESSENTIAL, Role.INDEX_MANAGER)
            else {"inv-mine", "inv-other"}
        ),
        "shielded": {"inv-mine", "inv-other"} if role is Role.INDEX_MANAGER else set(),
        "shielded+sensitive": (
            {"inv-mine", "inv-other", "inv-camhs"} if role is Role.INDEX_MANAGER else set()
        ),
    }
    for role in FIELD_TABLE
}

# "further information exists" is shown exactly when a sensitive involvement was hidden;
# never on a shielded view (it would itself reveal a sensitive service).
RESTRICTED_FLAG: dict[Role, dict[str, bool]] = {
    role: {
        "ordinary": False,
        "sensitive": role in (Role.VIEWER, Role.PRACTITIONER, Role.DATA_MANAGER),
        "shielded": False,
        "shielded+sensitive": False,
    }
    for role in FIELD_TABLE
}


def expected_visible(spec: str) -> frozenset[str]:
    if spec == "all":
        return ALL_FIELDS
    if spec == "shielded-view":
        return SHIELDED_VIEW
    hidden = frozenset(spec.removeprefix("all-but:").split(","))
    assert hidden <= ALL_FIELDS, f"table names unknown fields: {hidden - ALL_FIELDS}"
    return ALL_FIELDS - hidden


FIELD_CELLS = [
    pytest.param(role, kind, field, id=f"{role.value}-{kind}-{field}")
    for role in FIELD_TABLE
    for kind in KINDS
    for field in sorted(ALL_FIELDS)
]


@pytest.mark.parametrize(("role", "kind", "field"), FIELD_CELLS)
def test_field_visibility(role: Role, kind: str, field: str) -> None:
    full = KINDS[kind]
    seen = visible_record(make_user(role), full)
    spec = FIELD_TABLE[role][kind]
    if field == "involvements":
        assert {i.id for i in seen.involvements} == INVOLVEMENTS_SEEN[role][kind]
    elif field == "restricted_information_exists":
        assert seen.restricted_information_exists is RESTRICTED_FLAG[role][kind]
    elif field == "parents_carers" and spec == "shielded-view":
        assert [
            (p.name, p.relationship, p.parental_responsibility, p.contact)
            for p in seen.parents_carers
        ] == [("Jo Quill", None, None, None)]
    elif field in expected_visible(spec):
        assert getattr(seen, field) == getattr(full, field)
    else:
        default = ChildRecord.model_fields[field].get_default(call_default_factory=True)
        assert getattr(seen, field) == default, f"{field} should be withheld"


def test_table_covers_every_field_and_role() -> None:
    """A new record field or role must be added to these tables deliberately."""
    assert set(FIELD_TABLE) | {Role.USER_ADMIN} == set(Role)
    assert PARTIAL <= ALL_FIELDS
    assert SHIELDED_VIEW <= ALL_FIELDS
    assert len(FIELD_CELLS) == len(FIELD_TABLE) * len(KINDS) * len(ALL_FIELDS)


def test_user_admin_reads_no_child_record() -> None:
    with pytest.raises(DomainError) as refused:
        visible_record(make_user(Role.USER_ADMIN), KINDS["ordinary"])
    assert refused.value.code == "forbidden"


def test_own_sensitive_involvement_stays_visible_to_its_practitioner() -> None:
    mine = record().model_copy(
        update={
            "involvements": (
                involvement("inv-camhs", ME, sensitive=True),
                involvement("inv-camhs-2", OTHER, sensitive=True),
            )
        }
    )
    seen = visible_record(make_user(Role.PRACTITIONER, service_code="camhs"), mine)
    assert [i.id for i in seen.involvements] == ["inv-camhs"]
    assert seen.restricted_information_exists is True


def test_search_summary_of_a_shielded_record_says_nothing_of_where_the_child_lives() -> None:
    summary = search_summary(make_user(Role.VIEWER), KINDS["shielded"])
    assert (summary.town, summary.postcode_district, summary.gender) == (None, None, None)
    assert summary.shielded is True
    full = search_summary(make_user(Role.INDEX_MANAGER), KINDS["shielded"])
    assert (full.town, full.postcode_district) == ("Brighton", "BN1")


# --- role × action -------------------------------------------------------------------

ROLES_IN_ORDER = [
    Role.VIEWER,
    Role.PRACTITIONER,
    Role.ESSENTIAL,
    Role.INDEX_MANAGER,
    Role.USER_ADMIN,
    Role.DATA_MANAGER,
]

# PRODUCT.md §1, one row per action, one column per role in ROLES_IN_ORDER.
ACTION_TABLE = """
search                 Y Y Y Y - Y
open                   Y Y Y Y - Y
add_own_involvement    - Y Y Y - -
end_own_involvement    - Y Y Y - -
set_own_indicator      - Y Y Y - -
clear_own_indicator    - Y Y Y - -
record_decision        - Y Y Y - -
shield                 - - - Y - -
unshield               - - - Y - -
subject_access_report  - - - Y - -
read_audit             - - - Y Y -
spot_check             - - - - Y -
manage_users           - - - - Y -
revoke_device          - - - - Y -
data_quality           - - - Y - Y
manage_catalogue       - - - Y - -
"""


def _action_cells() -> list[Any]:
    cells = []
    for line in ACTION_TABLE.strip().splitlines():
        name, *marks = line.split()
        for role, mark in zip(ROLES_IN_ORDER, marks, strict=True):
            cells.append(pytest.param(role, Action(name), mark == "Y", id=f"{role.value}-{name}"))
    return cells


def test_action_table_names_every_action() -> None:
    named = {line.split()[0] for line in ACTION_TABLE.strip().splitlines()}
    assert named == {a.value for a in Action}


@pytest.mark.parametrize(("role", "action", "allowed"), _action_cells())
def test_role_may_perform_action(role: Role, action: Action, allowed: bool) -> None:
    permission = permit(make_user(role), action, today=TODAY)
    assert permission.allowed is allowed
    if not allowed:
        assert permission.refusal is not None
        assert permission.refusal.code == "forbidden"
        assert "role does not allow" in permission.refusal.message


# Record-dependent refusals, for a role that holds the action.
RECORD_CASES = [
    (
        "add on shielded (practitioner)",
        Role.PRACTITIONER,
        Action.ADD_OWN_INVOLVEMENT,
        "shielded",
        None,
        "record_shielded",
    ),
    (
        "add on shielded (index manager)",
        Role.INDEX_MANAGER,
        Action.ADD_OWN_INVOLVEMENT,
        "shielded",
        None,
        "already_involved",
    ),
    (
        "add when already involved",
        Role.PRACTITIONER,
        Action.ADD_OWN_INVOLVEMENT,
        "ordinary",
        None,
        "already_involved",
    ),
    ("end own", Role.PRACTITIONER, Action.END_OWN_INVOLVEMENT, "ordinary", "inv-mine", None),
    (
        "end another's",
        Role.ESSENTIAL,
        Action.END_OWN_INVOLVEMENT,
        "ordinary",
        "inv-other",
        "not_your_involvement",
    ),
    (
        "indicator on another's",
        Role.PRACTITIONER,
        Action.SET_OWN_INDICATOR,
        "ordinary",
        "inv-other",
        "not_your_involvement",
    ),
    (
        "clear own indicator",
        Role.PRACTITIONER,
        Action.CLEAR_OWN_INDICATOR,
        "ordinary",
        "inv-mine",
        None,
    ),
    (
        "indicator on unknown involvement",
        Role.PRACTITIONER,
        Action.SET_OWN_INDICATOR,
        "ordinary",
        "inv-nowhere",
        "not_found",
    ),
    (
        "shield a shielded record",
        Role.INDEX_MANAGER,
        Action.SHIELD,
        "shielded",
        None,
        "already_shielded",
    ),
    (
        "unshield an ordinary record",
        Role.INDEX_MANAGER,
        Action.UNSHIELD,
        "ordinary",
        None,
        "not_shielded",
    ),
    ("shield an ordinary record", Role.INDEX_MANAGER, Action.SHIELD, "ordinary", None, None),
    ("open a shielded record", Role.VIEWER, Action.OPEN, "shielded", None, None),
    (
        "decision on a sensitive record",
        Role.PRACTITIONER,
        Action.RECORD_DECISION,
        "sensitive",
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("role", "action", "kind", "involvement_id", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in RECORD_CASES],
)
def test_record_dependent_permission(
    role: Role, action: Action, kind: str, involvement_id: str | None, code: str | None
) -> None:
    full = KINDS[kind]
    target = None
    if involvement_id is not None:
        target = next(
            (i for i in full.involvements if i.id == involvement_id),
            involvement(involvement_id, ME),
        )
    permission = permit(make_user(role), action, today=TODAY, record=full, involvement=target)
    assert (permission.refusal.code if permission.refusal else None) == code


def test_ended_involvement_cannot_be_ended_again() -> None:
    ended = involvement("inv-mine", ME, ended=True)
    full = record().model_copy(update={"involvements": (ended,)})
    permission = permit(
        make_user(Role.PRACTITIONER),
        Action.END_OWN_INVOLVEMENT,
        today=TODAY,
        record=full,
        involvement=ended,
    )
    assert permission.refusal is not None
    assert permission.refusal.code == "involvement_ended"


# --- preconditions (seed 004) apply to every role and action ---------------------------

PRECONDITION_CASES = [
    ("untrained", {"training_completed_on": None}, "training_incomplete"),
    (
        "training dated in the future",
        {"training_completed_on": TODAY + timedelta(days=1)},
        "training_incomplete",
    ),
    ("never vetted", {"vetted_on": None}, "vetting_expired"),
    ("vetted exactly three years ago", {"vetted_on": date(2023, 11, 21)}, "vetting_expired"),
    ("suspended", {"suspended": True}, "account_suspended"),
]


@pytest.mark.parametrize("role", ROLES_IN_ORDER, ids=lambda r: r.value)
@pytest.mark.parametrize(
    ("overrides", "code"),
    [pytest.param(c[1], c[2], id=c[0]) for c in PRECONDITION_CASES],
)
def test_preconditions_refuse_every_action(
    role: Role, overrides: dict[str, Any], code: str
) -> None:
    user = make_user(role, **overrides)
    for action in Action:
        permission = permit(user, action, today=TODAY)
        assert permission.refusal is not None
        assert permission.refusal.code == code


def test_vetting_a_day_short_of_three_years_is_still_valid() -> None:
    user = make_user(Role.VIEWER, vetted_on=date(2023, 11, 22))
    assert permit(user, Action.OPEN, today=TODAY).allowed
