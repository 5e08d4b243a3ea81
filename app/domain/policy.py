"""The access policy: what a user may see of a child's record, and what they may do.

This is the only place these rules are written (PRODUCT.md §1–§3, seeds 000 and 004).
The server calls it before any data leaves the index; the client calls it only to avoid
offering what would be refused. Two questions, two functions:

* ``permit(user, action, …)`` — may this user do this now? Returns a ``Permission``
  carrying a stable refusal code and a message when the answer is no.
* ``visible_record(user, record)`` — the record exactly as this user may see it:
  sensitive-service involvements removed (with ``restricted_information_exists``) for
  anyone below ``essential``; shielded records reduced to name, date of birth, index id
  and parent/carer names for anyone but index managers.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from app.domain.errors import DomainError
from app.domain.records import ChildRecord, Involvement, ParentCarer
from app.domain.roles import Refusal, Role, User, precondition_refusal


class Action(StrEnum):
    """Everything a user can ask the index to do."""

    SEARCH = "search"
    OPEN = "open"
    ADD_OWN_INVOLVEMENT = "add_own_involvement"
    END_OWN_INVOLVEMENT = "end_own_involvement"
    SET_OWN_INDICATOR = "set_own_indicator"
    CLEAR_OWN_INDICATOR = "clear_own_indicator"
    RECORD_DECISION = "record_decision"
    SHIELD = "shield"
    UNSHIELD = "unshield"
    SUBJECT_ACCESS_REPORT = "subject_access_report"
    READ_AUDIT = "read_audit"
    SPOT_CHECK = "spot_check"
    MANAGE_USERS = "manage_users"
    REVOKE_DEVICE = "revoke_device"
    DATA_QUALITY = "data_quality"
    MANAGE_CATALOGUE = "manage_catalogue"


_READ = frozenset({Action.SEARCH, Action.OPEN})
_CONTRIBUTE = _READ | {
    Action.ADD_OWN_INVOLVEMENT,
    Action.END_OWN_INVOLVEMENT,
    Action.SET_OWN_INDICATOR,
    Action.CLEAR_OWN_INDICATOR,
    Action.RECORD_DECISION,
}

#: PRODUCT.md §1. ``essential`` adds no action, only sight of sensitive involvements.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: _READ,
    Role.PRACTITIONER: _CONTRIBUTE,
    Role.ESSENTIAL: _CONTRIBUTE,
    Role.INDEX_MANAGER: _CONTRIBUTE
    | {
        Action.SHIELD,
        Action.UNSHIELD,
        Action.SUBJECT_ACCESS_REPORT,
        Action.READ_AUDIT,
        Action.DATA_QUALITY,
        Action.MANAGE_CATALOGUE,
    },
    # "does not read child records by default"
    Role.USER_ADMIN: frozenset(
        {Action.READ_AUDIT, Action.SPOT_CHECK, Action.MANAGE_USERS, Action.REVOKE_DEVICE}
    ),
    # Data quality needs sight of records (reason ``data_quality``), never sensitive ones.
    Role.DATA_MANAGER: _READ | {Action.DATA_QUALITY},
}

#: Roles that see sensitive-service involvements ("essential staff", seed 000 §14).
SENSITIVE_ROLES = frozenset({Role.ESSENTIAL, Role.INDEX_MANAGER})
#: Roles that see a shielded record in full, and the shield's reason (seed 004).
SHIELD_ROLES = frozenset({Role.INDEX_MANAGER})
#: Roles that see every recorded information-sharing decision, not only their own.
DECISION_ROLES = SENSITIVE_ROLES

_ACTION_WORDS: dict[Action, str] = {
    Action.SEARCH: "search the index",
    Action.OPEN: "open children's records",
    Action.ADD_OWN_INVOLVEMENT: "record your involvement with a child",
    Action.END_OWN_INVOLVEMENT: "end an involvement",
    Action.SET_OWN_INDICATOR: "set indicators",
    Action.CLEAR_OWN_INDICATOR: "clear indicators",
    Action.RECORD_DECISION: "record information-sharing decisions",
    Action.SHIELD: "shield records",
    Action.UNSHIELD: "unshield records",
    Action.SUBJECT_ACCESS_REPORT: "produce subject access reports",
    Action.READ_AUDIT: "read the audit trail",
    Action.SPOT_CHECK: "run spot checks",
    Action.MANAGE_USERS: "manage users",
    Action.REVOKE_DEVICE: "revoke devices",
    Action.DATA_QUALITY: "run data-quality checks",
    Action.MANAGE_CATALOGUE: "edit the service catalogue",
}

_INVOLVEMENT_ACTIONS = frozenset(
    {Action.END_OWN_INVOLVEMENT, Action.SET_OWN_INDICATOR, Action.CLEAR_OWN_INDICATOR}
)


class Permission(BaseModel):
    """The answer to "may this user do this?": allowed, or a refusal with its reason."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    refusal: Refusal | None = None

    def raise_if_refused(self) -> None:
        """Turn a refusal into a ``DomainError`` carrying its code and message."""
        if self.refusal is not None:
            raise DomainError(self.refusal.code, self.refusal.message)


ALLOWED = Permission(allowed=True)


def _refuse(code: str, message: str) -> Permission:
    return Permission(allowed=False, refusal=Refusal(code=code, message=message))


def allowed_actions(user: User) -> frozenset[Action]:
    """Every action any of the user's roles grants (preconditions not yet applied)."""
    granted: frozenset[Action] = frozenset()
    for role in user.roles:
        granted |= ROLE_ACTIONS[role]
    return granted


def sees_sensitive(user: User) -> bool:
    """True if the user may see sensitive-service involvements."""
    return bool(user.roles & SENSITIVE_ROLES)


def sees_shielded(user: User) -> bool:
    """True if the user may see a shielded record in full."""
    return bool(user.roles & SHIELD_ROLES)


def permit(
    user: User,
    action: Action,
    *,
    today: date,
    record: ChildRecord | None = None,
    involvement: Involvement | None = None,
) -> Permission:
    """Decide whether ``user`` may perform ``action`` (on ``record`` / ``involvement``).

    ``record`` must be the full record as the index holds it, not a filtered view, so
    that ownership and shielding are judged on the facts.
    """
    refusal = precondition_refusal(user, today=today)
    if refusal is not None:
        return Permission(allowed=False, refusal=refusal)
    if action not in allowed_actions(user):
        return _refuse(
            "forbidden",
            f"Your role does not allow you to {_ACTION_WORDS[action]}. "
            "If you need to, please speak to your manager.",
        )
    if record is None:
        return ALLOWED
    return _record_permission(user, action, record, involvement)


def alert_review_permission(user: User, *, subject_id: str, today: date) -> Permission:
    """May ``user`` close an unusual-activity alert about ``subject_id``'s activity?

    The oversight roles review alerts (PRODUCT.md §5), but never one about their own
    activity: an alert closed by the person it is about has not been reviewed.
    """
    granted = permit(user, Action.READ_AUDIT, today=today)
    if not granted.allowed:
        return granted
    if subject_id == user.id:
        return _refuse(
            "own_alert",
            "This alert is about your own activity. Another oversight officer must review it.",
        )
    return ALLOWED


def _record_permission(
    user: User, action: Action, record: ChildRecord, involvement: Involvement | None
) -> Permission:
    if action is Action.SHIELD and record.shielded:
        return _refuse("already_shielded", "This record is already shielded.")
    if action is Action.UNSHIELD and not record.shielded:
        return _refuse("not_shielded", "This record is not shielded.")
    if action is Action.ADD_OWN_INVOLVEMENT:
        if record.shielded and not sees_shielded(user):
            return _refuse(
                "record_shielded",
                "This record is shielded. Please contact your local authority's index "
                "team to record your involvement.",
            )
        if any(i.practitioner_id == user.id and i.active for i in record.involvements):
            return _refuse(
                "already_involved", "You are already recorded as involved with this child."
            )
    if action in _INVOLVEMENT_ACTIONS:
        return _own_involvement_permission(user, record, involvement)
    return ALLOWED


def _own_involvement_permission(
    user: User, record: ChildRecord, involvement: Involvement | None
) -> Permission:
    if involvement is None or all(i.id != involvement.id for i in record.involvements):
        return _refuse("not_found", "That involvement is not on this child's record.")
    if involvement.practitioner_id != user.id:
        return _refuse(
            "not_your_involvement",
            "You can only change your own involvement and your own indicators.",
        )
    if not involvement.active:
        return _refuse("involvement_ended", "This involvement has already ended.")
    return ALLOWED


def visible_record(user: User, record: ChildRecord) -> ChildRecord:
    """Return ``record`` reduced to exactly what ``user`` may see.

    Raises ``DomainError('forbidden')`` for a user whose roles do not open records at
    all, so a caller that forgot ``permit`` still cannot leak a record.
    """
    if Action.OPEN not in allowed_actions(user):
        raise DomainError("forbidden", "Your role does not allow you to open children's records.")
    if record.shielded and not sees_shielded(user):
        return _shielded_view(record)
    involvements = tuple(i for i in record.involvements if _sees_involvement(user, i))
    decisions = tuple(
        d for d in record.decisions if d.decided_by == user.id or user.roles & DECISION_ROLES
    )
    return record.model_copy(
        update={
            "involvements": involvements,
            "decisions": decisions,
            "shield": record.shield if sees_shielded(user) else None,
            "restricted_information_exists": len(involvements) < len(record.involvements),
        }
    )


def _sees_involvement(user: User, involvement: Involvement) -> bool:
    # A practitioner in a sensitive service always sees their own involvement.
    return (
        not involvement.sensitive or sees_sensitive(user) or involvement.practitioner_id == user.id
    )


def _shielded_view(record: ChildRecord) -> ChildRecord:
    # Seed 004: "name, date of birth, the unique identity number, and the name of the
    # parent/carer" — built field by field so a new field is hidden until allowed here.
    return ChildRecord(
        index_id=record.index_id,
        given_names=record.given_names,
        family_name=record.family_name,
        date_of_birth=record.date_of_birth,
        parents_carers=tuple(ParentCarer(id=p.id, name=p.name) for p in record.parents_carers),
        shielded=True,
        version=record.version,
    )


class SearchResult(BaseModel):
    """One search hit: just enough to pick the right child (PRODUCT.md §3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index_id: str
    given_names: str
    family_name: str
    date_of_birth: date
    gender: str | None = None
    town: str | None = None
    postcode_district: str | None = None
    shielded: bool = False


def search_summary(user: User, record: ChildRecord) -> SearchResult:
    """The search-result line ``user`` may see for ``record``.

    A shielded record shows nothing of where the child lives to anyone but index
    managers: no town, no postcode district, and no gender either (seed 004's list).
    """
    if Action.SEARCH not in allowed_actions(user):
        raise DomainError("forbidden", "Your role does not allow you to search the index.")
    hide = record.shielded and not sees_shielded(user)
    address = None if hide else record.address
    return SearchResult(
        index_id=record.index_id,
        given_names=record.given_names,
        family_name=record.family_name,
        date_of_birth=record.date_of_birth,
        gender=None if hide else record.gender,
        town=address.town if address else None,
        postcode_district=address.postcode.split(" ")[0] if address else None,
        shielded=record.shielded,
    )
