"""Service functions behind the children endpoints: search, open, change, shield.

Each function takes the request's session (one transaction), checks the caller with
``app.domain.policy.permit``, writes its audit entry in that same transaction, and
returns only what ``policy.visible_record`` / ``policy.search_summary`` let the caller
see. Changes to involvements, indicators, decisions and pins go through
``server.children.mutations.apply``, the same code the sync push uses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.audit import AuditAction
from app.domain.changes import (
    AddInvolvement,
    ClearIndicator,
    ClientId,
    EndInvolvement,
    Mutation,
    MutationPayload,
    Pin,
    PushResult,
    PushStatus,
    RecordDecision,
    SetIndicator,
    Unpin,
)
from app.domain.errors import DomainError, ValidationError
from app.domain.identifiers import validate_index_id
from app.domain.policy import (
    Action,
    allowed_actions,
    permit,
    search_summary,
    visible_record,
)
from app.domain.reasons import validate_access_reason
from app.domain.records import ChildRecord
from app.domain.retention import is_due_for_destruction
from server.audit import trail
from server.auth.models import UserRow
from server.children import mutations, repository
from server.children.models import ChildRow, InvolvementRow
from server.children.schemas import (
    AccessRequest,
    SearchResponse,
    ShieldReview,
    ShieldReviewsResponse,
)
from server.children.search import parse_criteria, retained_born_after, search_query
from server.config import Settings
from server.deps import Caller, to_domain_user
from server.errors import ApiError
from server.sync import feed

NOT_FOUND_MESSAGE = "There is no record with that index ID."
TOO_MANY_MESSAGE = (
    "More than {limit} children match. Please refine your search: add a date of birth, "
    "a postcode or another name."
)
#: A shield or unshield reason shorter than this cannot say why.
MIN_SHIELD_REASON = 10

_PAYLOAD_ACTIONS: dict[type[object], Action | None] = {
    AddInvolvement: Action.ADD_OWN_INVOLVEMENT,
    EndInvolvement: Action.END_OWN_INVOLVEMENT,
    SetIndicator: Action.SET_OWN_INDICATOR,
    ClearIndicator: Action.CLEAR_OWN_INDICATOR,
    RecordDecision: Action.RECORD_DECISION,
    Pin: Action.OPEN,
    # Removing a record from one's own caseload needs no permission.
    Unpin: None,
}


def _not_found() -> ApiError:
    return ApiError("not_found", NOT_FOUND_MESSAGE)


def canonical_index_id(raw: str) -> str:
    """The canonical form of an index id from a URL; anything else is simply not found."""
    try:
        return validate_index_id(raw)
    except ValidationError:
        raise _not_found() from None


def _load_live(
    session: Session, index_id: str, *, today: date, settings: Settings, for_update: bool
) -> ChildRow:
    row = repository.load_child(session, index_id, for_update=for_update)
    # A record past the retention age is due to be destroyed: it no longer exists.
    if row is None or is_due_for_destruction(row.date_of_birth, today, settings.retention):
        raise _not_found()
    return row


@dataclass(frozen=True)
class TooManyResults:
    """A search that matched more children than may be listed."""

    limit: int

    @property
    def message(self) -> str:
        """What the searcher is told to do."""
        return TOO_MANY_MESSAGE.format(limit=self.limit)


def search(
    session: Session,
    *,
    caller: Caller,
    family_name: str | None,
    given_names: str | None,
    date_of_birth: str | None,
    postcode: str | None,
    nhs_number: str | None,
    index_id: str | None,
    now: datetime,
    settings: Settings,
) -> SearchResponse | TooManyResults:
    """Search the index; audited whether it lists children or matches too many.

    Returns ``TooManyResults`` rather than raising so that the audit entry of a search
    that matched too many is kept (the request's transaction commits).
    """
    today = now.date()
    permit(caller.user, Action.SEARCH, today=today).raise_if_refused()
    criteria = parse_criteria(
        family_name=family_name,
        given_names=given_names,
        date_of_birth=date_of_birth,
        postcode=postcode,
        nhs_number=nhs_number,
        index_id=index_id,
        today=today,
        policy=settings.retention,
    )
    limit = settings.search_result_limit
    query = (
        search_query(criteria, today=today, policy=settings.retention)
        .options(
            selectinload(ChildRow.involvements).selectinload(InvolvementRow.indicators),
            selectinload(ChildRow.decisions),
        )
        .limit(limit + 1)
    )
    rows = list(session.scalars(query))
    too_many = len(rows) > limit
    trail.record(
        session,
        AuditAction.SEARCH,
        now=now,
        actor_id=caller.user.id,
        device_id=caller.device_id,
        details={
            "criteria": criteria.used(),
            "count": None if too_many else len(rows),
            "too_many_results": too_many,
        },
    )
    if too_many:
        return TooManyResults(limit=limit)
    results = [search_summary(caller.user, repository.to_record(row)) for row in rows]
    return SearchResponse(results=results, count=len(results))


def _mediating_user(session: Session, username: str, *, caller: Caller, today: date) -> UserRow:
    other = session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
    # Seed 004: mediated access "can only occur between two authorised users".
    if (
        other is None
        or other.id == caller.user.id
        or not permit(to_domain_user(other), Action.OPEN, today=today).allowed
    ):
        raise ValidationError(
            "invalid_on_behalf_of",
            "The practitioner you are acting for must be another authorised Everychild "
            "user who may open records. Check their username.",
            field="on_behalf_of",
        )
    return other


def open_record(
    session: Session,
    *,
    caller: Caller,
    index_id: str,
    request: AccessRequest,
    now: datetime,
    settings: Settings,
) -> ChildRecord:
    """Open a child's record with a reason; audited; returns what the caller may see.

    The caller's role and reason are checked before the record is looked up, so an
    unknown index id is indistinguishable from any other until a valid reason is given.
    """
    today = now.date()
    permit(caller.user, Action.OPEN, today=today).raise_if_refused()
    reason = validate_access_reason(request.reason_code, request.reason_text, request.on_behalf_of)
    on_behalf_of = None
    if reason.on_behalf_of is not None:
        on_behalf_of = _mediating_user(session, reason.on_behalf_of, caller=caller, today=today)
    row = _load_live(
        session, canonical_index_id(index_id), today=today, settings=settings, for_update=False
    )
    record = repository.to_record(row)
    permit(caller.user, Action.OPEN, today=today, record=record).raise_if_refused()
    visible = visible_record(caller.user, record)
    trail.record(
        session,
        AuditAction.OPEN,
        now=now,
        actor_id=caller.user.id,
        device_id=caller.device_id,
        child_id=row.index_id,
        on_behalf_of=on_behalf_of.id if on_behalf_of else None,
        reason_code=reason.code.value,
        reason_text=reason.text,
        details={"shielded": record.shielded},
    )
    return visible


_CLIENT_ID: TypeAdapter[str] = TypeAdapter(ClientId)


def _mutation_id(idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return uuid.uuid4().hex
    try:
        return _CLIENT_ID.validate_python(idempotency_key)
    except PydanticValidationError:
        raise ApiError(
            "invalid_idempotency_key",
            "The Idempotency-Key header must be 8 to 64 letters, digits, '-' or '_'.",
            field="Idempotency-Key",
        ) from None


def change(
    session: Session,
    *,
    caller: Caller,
    index_id: str,
    payload: MutationPayload,
    idempotency_key: str | None,
    now: datetime,
    settings: Settings,
) -> PushResult:
    """Apply one change made online; a refusal is raised, a conflict returned.

    The ``Idempotency-Key`` header, when given, is the mutation id: a retried request
    is answered ``duplicate`` and applied only once.
    """
    action = _PAYLOAD_ACTIONS[type(payload)]
    if action is not None:
        # The role check comes first so that a role that may not change records learns
        # nothing about which index ids exist.
        permit(caller.user, action, today=now.date()).raise_if_refused()
    mutation = Mutation(
        id=_mutation_id(idempotency_key),
        child_id=canonical_index_id(index_id),
        created_at=now,
        payload=payload,
    )
    result = mutations.apply(session, caller=caller, mutation=mutation, now=now, settings=settings)
    if result.status is PushStatus.REJECTED:
        raise ApiError(result.error or "rejected", result.message or "The change was refused.")
    # Pins answer with no record by design (see mutations._returned_record).
    pinning = isinstance(payload, Pin | Unpin)
    if result.status.acknowledged and result.current is None and not pinning:
        if Action.OPEN not in allowed_actions(caller.user):
            raise DomainError(
                "forbidden", "Your role does not allow you to open children's records."
            )
        raise _not_found()
    return result


def _shield_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if sum(not char.isspace() for char in text) < MIN_SHIELD_REASON:
        raise ValidationError(
            "shield_reason_required",
            f"Give the reason in at least {MIN_SHIELD_REASON} characters.",
            field="reason",
        )
    return text


def _shield_change(
    session: Session,
    *,
    caller: Caller,
    action: Action,
    index_id: str,
    now: datetime,
    settings: Settings,
) -> ChildRow:
    permit(caller.user, action, today=now.date()).raise_if_refused()
    # The audit chain's head before the child, as ``mutations.apply`` does (deadlock-free).
    trail.lock_head(session, trail.INDEX_CHAIN)
    row = _load_live(
        session, canonical_index_id(index_id), today=now.date(), settings=settings, for_update=True
    )
    permit(
        caller.user, action, today=now.date(), record=repository.to_record(row)
    ).raise_if_refused()
    return row


def shield(
    session: Session,
    *,
    caller: Caller,
    index_id: str,
    reason: str,
    review_date: date,
    now: datetime,
    settings: Settings,
) -> ChildRecord:
    """Shield a record (index managers): only name, date of birth, id and carers show."""
    row = _shield_change(
        session, caller=caller, action=Action.SHIELD, index_id=index_id, now=now, settings=settings
    )
    text = _shield_reason(reason)
    if review_date <= now.date():
        raise ValidationError(
            "invalid_review_date",
            "The review date must be in the future.",
            field="review_date",
        )
    row.shielded = True
    row.shield_reason = text
    row.shield_review_date = review_date
    row.shielded_by = caller.user.id
    row.shielded_at = now
    repository.touch(row, now=now)
    feed.record_changed(session, row.index_id, now=now)
    trail.record(
        session,
        AuditAction.SHIELD,
        now=now,
        actor_id=caller.user.id,
        device_id=caller.device_id,
        child_id=row.index_id,
        reason_text=text,
        details={"review_date": review_date.isoformat()},
    )
    return visible_record(caller.user, repository.to_record(row))


def unshield(
    session: Session,
    *,
    caller: Caller,
    index_id: str,
    reason: str,
    now: datetime,
    settings: Settings,
) -> ChildRecord:
    """Lift a record's shield (index managers)."""
    row = _shield_change(
        session,
        caller=caller,
        action=Action.UNSHIELD,
        index_id=index_id,
        now=now,
        settings=settings,
    )
    text = _shield_reason(reason)
    row.shielded = False
    row.shield_reason = None
    row.shield_review_date = None
    row.shielded_by = None
    row.shielded_at = None
    repository.touch(row, now=now)
    feed.record_changed(session, row.index_id, now=now)
    trail.record(
        session,
        AuditAction.UNSHIELD,
        now=now,
        actor_id=caller.user.id,
        device_id=caller.device_id,
        child_id=row.index_id,
        reason_text=text,
    )
    return visible_record(caller.user, repository.to_record(row))


def shield_reviews(
    session: Session,
    *,
    caller: Caller,
    due_before: date | None,
    now: datetime,
    settings: Settings,
) -> ShieldReviewsResponse:
    """Shielded records whose review date falls on or before ``due_before`` (default today)."""
    today = now.date()
    permit(caller.user, Action.SHIELD, today=today).raise_if_refused()
    due = due_before or today
    rows = session.scalars(
        select(ChildRow)
        .where(
            ChildRow.shielded.is_(True),
            ChildRow.shield_review_date <= due,
            ChildRow.date_of_birth > retained_born_after(today, settings.retention),
        )
        .order_by(ChildRow.shield_review_date, ChildRow.index_id)
    ).all()
    reviews = [
        ShieldReview(
            index_id=row.index_id,
            given_names=row.given_names,
            family_name=row.family_name,
            date_of_birth=row.date_of_birth,
            review_date=row.shield_review_date,
            reason=row.shield_reason or "",
            shielded_at=row.shielded_at,
            shielded_by=row.shielded_by,
        )
        for row in rows
        if row.shield_review_date is not None
    ]
    trail.record(
        session,
        AuditAction.ADMIN,
        now=now,
        actor_id=caller.user.id,
        device_id=caller.device_id,
        details={
            "view": "shield_reviews",
            "due_before": due.isoformat(),
            "count": len(reviews),
        },
    )
    return ShieldReviewsResponse(reviews=reviews, count=len(reviews))
