"""Applying one mutation to a child's record: the only place any change payload is applied.

PRODUCT.md §6. The sync push calls :func:`apply` for each pushed mutation and the online
endpoints (``POST /children/{id}/involvements`` and friends) call it too, so a change
made online and one made offline and pushed later meet exactly the same rules.

Each mutation is applied **exactly once**, by its client-generated id: an
``AppliedMutationRow`` is written with the change, in the same transaction, and a
mutation whose id is already there is answered ``duplicate``. The whole application runs
inside a SAVEPOINT, so a mutation that is refused or conflicts part-way leaves no trace —
no change, no audit entry, no change-log entry — while the rest of a push batch carries
on in the same transaction.

Order of checks, so that a refusal never depends on facts the caller may not learn:
the mutation id, then the child (``not_found``), then ``permit`` on the full record, then
versions (``conflict``), then the payload's own rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.audit import AuditAction
from app.domain.changes import (
    AddInvolvement,
    ClearIndicator,
    EndInvolvement,
    Mutation,
    Pin,
    PushResult,
    PushStatus,
    RecordDecision,
    RemovalReason,
    SetIndicator,
    Unpin,
)
from app.domain.errors import DomainError
from app.domain.identifiers import is_valid_index_id, validate_index_id
from app.domain.policy import Action, permit, visible_record
from app.domain.reasons import AccessReason, ReasonCode, validate_access_reason
from app.domain.records import (
    ChildRecord,
    ContactDetails,
    Decision,
    DecisionOutcome,
    Involvement,
)
from app.domain.retention import is_due_for_destruction
from app.domain.services import check_involvement_consent, default_catalogue
from server.audit import trail
from server.children import repository
from server.children.models import (
    ChildRow,
    DecisionRow,
    IndicatorRow,
    InvolvementRow,
    PinRow,
)
from server.config import Settings
from server.deps import Caller
from server.sync import caseload, feed
from server.sync.models import AppliedMutationRow

CONFLICT_MESSAGE = (
    "This record was changed elsewhere since you last saw it. Your change was not saved: "
    "look at the record as it is now and decide whether to make it again."
)


class _ConflictError(Exception):
    """Raised inside the savepoint so that nothing done so far is kept."""

    def __init__(self, current: ChildRecord, message: str = CONFLICT_MESSAGE) -> None:
        super().__init__(message)
        self.current = current
        self.message = message


@dataclass
class _Effect:
    """What a payload handler did, for the bookkeeping every change shares."""

    action: AuditAction
    details: dict[str, Any]
    #: False for a change that altered nothing others can see (pin, unpin, repeat pin).
    record_changed: bool = True
    #: False for a no-op (pinning twice): nothing to audit, nothing to log.
    changed: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    #: The reason for access given with the change (pins), stored in its audit entry.
    reason: AccessReason | None = None


@dataclass(frozen=True)
class _Context:
    """Everything a payload handler needs."""

    session: Session
    caller: Caller
    mutation: Mutation
    row: ChildRow
    record: ChildRecord
    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()


def apply(
    session: Session, *, caller: Caller, mutation: Mutation, now: datetime, settings: Settings
) -> PushResult:
    """Apply ``mutation`` for ``caller`` exactly once; never raises for a refused change.

    Returns ``applied`` (with ``current``: the record as the caller may now see it),
    ``duplicate`` (already applied; ``current`` as it stands, when visible), ``conflict``
    (with ``current``) or ``rejected`` (with the refusal's ``error`` and ``message``).
    """
    # Every change locks the index audit chain's head (to append its entry) and the
    # child's row. Taking the head first, and for the whole transaction, gives every
    # writer the same lock order: a push that changes children A then B can never
    # deadlock with one that changes B then A.
    trail.lock_head(session, trail.INDEX_CHAIN)
    try:
        with session.begin_nested():
            return _apply_in_savepoint(
                session, caller=caller, mutation=mutation, now=now, settings=settings
            )
    except DomainError as exc:
        return _rejected(mutation, exc.code, exc.message)
    except _ConflictError as exc:
        return PushResult(
            id=mutation.id,
            status=PushStatus.CONFLICT,
            error="conflict",
            message=exc.message,
            current=exc.current,
        )
    except IntegrityError:
        # A concurrent request inserted the same mutation id (or entity id) first; the
        # savepoint is gone and the answer depends on what is now committed.
        previous = session.get(AppliedMutationRow, mutation.id)
        if previous is not None:
            return _answer_previous(
                session, caller, mutation=mutation, previous=previous, now=now, settings=settings
            )
        return _rejected(mutation, "id_taken", _ID_TAKEN)


def _rejected(mutation: Mutation, code: str, message: str) -> PushResult:
    return PushResult(id=mutation.id, status=PushStatus.REJECTED, error=code, message=message)


_ID_TAKEN = "That id is already used by something else on the index. Your change was not saved."


def _apply_in_savepoint(
    session: Session, *, caller: Caller, mutation: Mutation, now: datetime, settings: Settings
) -> PushResult:
    # Looked up only under the locks: a second delivery of the same mutation waits for
    # the first to commit, then finds its AppliedMutationRow here.
    row = repository.load_child(session, _child_id(mutation.child_id), for_update=True)
    previous = session.scalars(
        select(AppliedMutationRow).where(AppliedMutationRow.id == mutation.id)
    ).one_or_none()
    if previous is not None:
        return _answer_previous(
            session, caller, mutation=mutation, previous=previous, now=now, settings=settings
        )
    if row is None or is_due_for_destruction(row.date_of_birth, now.date(), settings.retention):
        raise DomainError("not_found", "There is no record with that index ID.")
    context = _Context(
        session=session,
        caller=caller,
        mutation=mutation,
        row=row,
        record=repository.to_record(row),
        now=now,
    )
    user_id = caller.user.id
    was_in_caseload = caseload.in_caseload(session, user_id=user_id, child_id=row.index_id)
    handler = _HANDLERS[type(mutation.payload)]
    effect = handler(context)
    if effect.changed:
        if effect.record_changed:
            repository.touch(row, now=now)
            feed.record_changed(session, row.index_id, now=now)
        session.flush()
        now_in_caseload = caseload.in_caseload(session, user_id=user_id, child_id=row.index_id)
        if now_in_caseload and not was_in_caseload:
            feed.caseload_joined(session, user_id=user_id, child_id=row.index_id, now=now)
        elif was_in_caseload and not now_in_caseload:
            feed.caseload_left(
                session,
                user_id=user_id,
                child_id=row.index_id,
                reason=RemovalReason.LEFT_CASELOAD,
                now=now,
            )
        trail.record(
            session,
            effect.action,
            now=now,
            actor_id=user_id,
            device_id=caller.device_id,
            child_id=row.index_id,
            reason_code=effect.reason.code.value if effect.reason else None,
            reason_text=effect.reason.text if effect.reason else None,
            details={"mutation_id": mutation.id, **effect.details},
        )
    session.add(
        AppliedMutationRow(
            id=mutation.id,
            user_id=user_id,
            device_id=caller.device_id,
            child_id=row.index_id,
            kind=mutation.payload.kind,
            applied_at=now,
            result={"status": PushStatus.APPLIED.value, **effect.details, **effect.extra},
        )
    )
    session.flush()
    return PushResult(
        id=mutation.id,
        status=PushStatus.APPLIED,
        current=_returned_record(caller, mutation, repository.to_record(row), now=now),
    )


def _child_id(raw: str) -> str:
    # Clients may send an index id as typed; the index stores the canonical form.
    return validate_index_id(raw) if is_valid_index_id(raw) else raw


def _answer_previous(
    session: Session,
    caller: Caller,
    *,
    mutation: Mutation,
    previous: AppliedMutationRow,
    now: datetime,
    settings: Settings,
) -> PushResult:
    if (
        previous.user_id != caller.user.id
        or previous.kind != mutation.payload.kind
        or previous.child_id != _child_id(mutation.child_id)
    ):
        return _rejected(
            mutation,
            "mutation_id_reused",
            "That change id was already used for a different change. Your change was not saved.",
        )
    current = None
    row = repository.load_child(session, previous.child_id)
    if row is not None and not is_due_for_destruction(
        row.date_of_birth, now.date(), settings.retention
    ):
        current = _returned_record(caller, mutation, repository.to_record(row), now=now)
    return PushResult(id=mutation.id, status=PushStatus.DUPLICATE, current=current)


def _returned_record(
    caller: Caller, mutation: Mutation, record: ChildRecord, *, now: datetime
) -> ChildRecord | None:
    """The record sent back with a result, if any.

    Only a change to the record itself returns it, and only while the caller may open
    records today. Pins and unpins return nothing: they change the caller's caseload,
    and a record must never come back without a reason for access having been given.
    """
    if isinstance(mutation.payload, Pin | Unpin):
        return None
    if not permit(caller.user, Action.OPEN, today=now.date(), record=record).allowed:
        return None
    return visible_record(caller.user, record)


def _conflict(context: _Context) -> _ConflictError:
    current = visible_record(context.caller.user, context.record)
    return _ConflictError(current)


def _own_involvement(context: _Context, involvement_id: str) -> Involvement | None:
    return next((i for i in context.record.involvements if i.id == involvement_id), None)


def _involvement_row(context: _Context, involvement_id: str) -> InvolvementRow:
    return next(i for i in context.row.involvements if i.id == involvement_id)


def _refuse_taken_id(session: Session, model: type[Any], entity_id: str) -> None:
    if session.get(model, entity_id) is not None:
        raise DomainError("id_taken", _ID_TAKEN)


def _add_involvement(context: _Context) -> _Effect:
    payload = context.mutation.payload
    assert isinstance(payload, AddInvolvement)
    caller = context.caller
    permit(
        caller.user, Action.ADD_OWN_INVOLVEMENT, today=context.today, record=context.record
    ).raise_if_refused()
    service_code = caller.row.service_code
    if not service_code:
        raise DomainError(
            "no_service",
            "Your account has no service recorded, so an involvement cannot be added. "
            "Please ask your user administrator to record your service.",
        )
    service = default_catalogue().get(service_code)
    consent = check_involvement_consent(service, payload.consent)
    _refuse_taken_id(context.session, InvolvementRow, payload.involvement_id)
    contact = payload.contact
    if contact is None and (caller.row.phone or caller.row.email):
        contact = ContactDetails(phone=caller.row.phone, email=caller.row.email)
    involvement = Involvement(
        id=payload.involvement_id,
        practitioner_id=caller.user.id,
        practitioner_name=caller.row.display_name,
        practitioner_role=payload.practitioner_role,
        organisation=caller.row.organisation,
        service_code=service.code,
        sensitive=service.sensitive,
        contact=contact,
        start_date=payload.start_date,
        is_lead=payload.is_lead,
        consent=consent,
    )
    context.row.involvements.append(repository.involvement_row(context.row.index_id, involvement))
    return _Effect(
        AuditAction.ADD_INVOLVEMENT,
        {"involvement_id": involvement.id},
        extra={"flagged_for_review": bool(consent and consent.flagged_for_review)},
    )


def _end_involvement(context: _Context) -> _Effect:
    payload = context.mutation.payload
    assert isinstance(payload, EndInvolvement)
    involvement = _own_involvement(context, payload.involvement_id)
    permission = permit(
        context.caller.user,
        Action.END_OWN_INVOLVEMENT,
        today=context.today,
        record=context.record,
        involvement=involvement,
    )
    # Ended on another device first: that is a conflict to show, not a refusal.
    if permission.refusal is not None and permission.refusal.code == "involvement_ended":
        raise _conflict(context)
    permission.raise_if_refused()
    assert involvement is not None
    if involvement.version != payload.base_version:
        raise _conflict(context)
    if payload.end_date < involvement.start_date:
        raise DomainError(
            "invalid_end_date",
            "The end date cannot be before the involvement started.",
        )
    row = _involvement_row(context, involvement.id)
    row.end_date = payload.end_date
    row.version += 1
    return _Effect(AuditAction.END_INVOLVEMENT, {"involvement_id": involvement.id})


def _set_indicator(context: _Context) -> _Effect:
    payload = context.mutation.payload
    assert isinstance(payload, SetIndicator)
    involvement = _own_involvement(context, payload.involvement_id)
    permit(
        context.caller.user,
        Action.SET_OWN_INDICATOR,
        today=context.today,
        record=context.record,
        involvement=involvement,
    ).raise_if_refused()
    _refuse_taken_id(context.session, IndicatorRow, payload.indicator_id)
    assert involvement is not None
    _involvement_row(context, involvement.id).indicators.append(
        IndicatorRow(
            id=payload.indicator_id,
            involvement_id=involvement.id,
            kind=payload.indicator.value,
            set_by=context.caller.user.id,
            set_by_name=context.caller.row.display_name,
            set_at=context.now,
        )
    )
    return _Effect(
        AuditAction.SET_INDICATOR,
        {"indicator_id": payload.indicator_id, "involvement_id": involvement.id},
    )


def _clear_indicator(context: _Context) -> _Effect:
    payload = context.mutation.payload
    assert isinstance(payload, ClearIndicator)
    found = next(
        (
            (inv_row, ind_row)
            for inv_row in context.row.involvements
            for ind_row in inv_row.indicators
            if ind_row.id == payload.indicator_id
        ),
        None,
    )
    # Permission first even for an unknown indicator, so a viewer learns nothing.
    involvement = _own_involvement(context, found[0].id) if found else None
    permit(
        context.caller.user,
        Action.CLEAR_OWN_INDICATOR,
        today=context.today,
        record=context.record,
        involvement=involvement,
    ).raise_if_refused()
    assert found is not None
    indicator = found[1]
    # Cleared elsewhere first, or changed since the caller saw it.
    if indicator.cleared_at is not None or indicator.version != payload.base_version:
        raise _conflict(context)
    indicator.cleared_at = context.now
    indicator.version += 1
    return _Effect(
        AuditAction.CLEAR_INDICATOR,
        {"indicator_id": indicator.id, "involvement_id": found[0].id},
    )


def _record_decision(context: _Context) -> _Effect:
    payload = context.mutation.payload
    assert isinstance(payload, RecordDecision)
    permit(
        context.caller.user, Action.RECORD_DECISION, today=context.today, record=context.record
    ).raise_if_refused()
    if payload.outcome is DecisionOutcome.CONSENT_WITHDRAWN and payload.withdraws is None:
        raise DomainError(
            "withdraws_required",
            "Say which decision the withdrawal of consent applies to.",
            field="withdraws",
        )
    if payload.withdraws is not None and all(
        d.id != payload.withdraws for d in context.row.decisions
    ):
        raise DomainError(
            "unknown_decision",
            "The decision this refers to is not on this child's record.",
            field="withdraws",
        )
    _refuse_taken_id(context.session, DecisionRow, payload.decision_id)
    decision = Decision(
        **payload.model_dump(exclude={"kind", "decision_id"}),
        id=payload.decision_id,
        decided_by=context.caller.user.id,
        decided_by_name=context.caller.row.display_name,
        decided_at=context.now,
    )
    context.row.decisions.append(repository.decision_row(context.row.index_id, decision))
    details: dict[str, Any] = {"decision_id": decision.id}
    if decision.withdraws is not None:
        details["withdraws"] = decision.withdraws
    return _Effect(AuditAction.RECORD_DECISION, details)


def _pin(context: _Context) -> _Effect:
    payload = context.mutation.payload
    assert isinstance(payload, Pin)
    permit(
        context.caller.user, Action.OPEN, today=context.today, record=context.record
    ).raise_if_refused()
    # A pin brings the whole record to the caller's devices: it needs a reason for access
    # exactly as opening does, and is audited with it.
    reason = validate_access_reason(payload.reason_code, payload.reason_text, payload.on_behalf_of)
    if reason.code is ReasonCode.MEDIATED_REQUEST:
        raise DomainError(
            "mediated_pin_not_allowed",
            "A pinned record is kept in your own caseload. To look a record up for a "
            "colleague, open it on their behalf instead.",
            field="reason_code",
        )
    key = (context.caller.user.id, context.row.index_id)
    if context.session.get(PinRow, key) is not None:
        return _Effect(AuditAction.PIN, {}, record_changed=False, changed=False)
    context.session.add(PinRow(user_id=key[0], child_id=key[1], pinned_at=context.now))
    # A pin changes the caller's caseload, not the record others hold: no version bump.
    return _Effect(AuditAction.PIN, {}, record_changed=False, reason=reason)


def _unpin(context: _Context) -> _Effect:
    # No permission check: taking a record out of one's own cache is always allowed,
    # even after one's access has narrowed.
    pin = context.session.get(PinRow, (context.caller.user.id, context.row.index_id))
    if pin is None:
        return _Effect(AuditAction.UNPIN, {}, record_changed=False, changed=False)
    context.session.delete(pin)
    return _Effect(AuditAction.UNPIN, {}, record_changed=False)


_HANDLERS: dict[type[Any], Callable[[_Context], _Effect]] = {
    AddInvolvement: _add_involvement,
    EndInvolvement: _end_involvement,
    SetIndicator: _set_indicator,
    ClearIndicator: _clear_indicator,
    RecordDecision: _record_decision,
    Pin: _pin,
    Unpin: _unpin,
}
