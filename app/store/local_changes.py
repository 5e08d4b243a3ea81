"""Applying a queued mutation to the cached copy of a record, so the user sees it at once.

The index is the authority: it re-checks and applies every pushed mutation
(``server/children/mutations.py``). The client applies the same mutation to its cached
copy so the change shows immediately and survives going offline; the cache re-applies
pending mutations over each fresh copy of the record the index sends, until the index
has accepted or refused them.

Two steps, kept apart because re-applying must not re-judge permission:

* :func:`authorise` asks the domain policy (``policy.permit``) whether the user may make
  this change now, exactly as the index will — so the UI refuses early with the index's
  own codes and messages;
* :func:`apply_mutation` changes the record, refusing only when the change no longer fits
  it (the involvement is not there, for instance).
"""

from __future__ import annotations

from datetime import datetime

from app.domain.changes import (
    AddInvolvement,
    ClearIndicator,
    EndInvolvement,
    Mutation,
    Pin,
    RecordDecision,
    SetIndicator,
    Unpin,
)
from app.domain.errors import DomainError
from app.domain.policy import Action, permit
from app.domain.records import ChildRecord, Decision, DecisionOutcome, Indicator, Involvement
from app.domain.roles import User
from app.domain.services import check_involvement_consent, default_catalogue

_NOT_FOUND = "That involvement is not on this child's record."


def _involvement(record: ChildRecord, involvement_id: str) -> Involvement | None:
    return next((i for i in record.involvements if i.id == involvement_id), None)


def _indicator_owner(record: ChildRecord, indicator_id: str) -> Involvement | None:
    return next(
        (i for i in record.involvements if any(x.id == indicator_id for x in i.indicators)),
        None,
    )


def authorise(actor: User, record: ChildRecord, mutation: Mutation, *, now: datetime) -> None:
    """Refuse (``DomainError``) if the policy does not let ``actor`` make this change now."""
    payload = mutation.payload
    day = now.date()
    match payload:
        case AddInvolvement():
            permit(actor, Action.ADD_OWN_INVOLVEMENT, today=day, record=record).raise_if_refused()
        case EndInvolvement():
            permit(
                actor,
                Action.END_OWN_INVOLVEMENT,
                today=day,
                record=record,
                involvement=_involvement(record, payload.involvement_id),
            ).raise_if_refused()
        case SetIndicator():
            permit(
                actor,
                Action.SET_OWN_INDICATOR,
                today=day,
                record=record,
                involvement=_involvement(record, payload.involvement_id),
            ).raise_if_refused()
        case ClearIndicator():
            permit(
                actor,
                Action.CLEAR_OWN_INDICATOR,
                today=day,
                record=record,
                involvement=_indicator_owner(record, payload.indicator_id),
            ).raise_if_refused()
        case RecordDecision():
            permit(actor, Action.RECORD_DECISION, today=day, record=record).raise_if_refused()
        case Pin():
            permit(actor, Action.OPEN, today=day, record=record).raise_if_refused()
        case Unpin():
            # Taking a record out of one's own offline copy is always allowed.
            pass


def apply_mutation(record: ChildRecord, mutation: Mutation, actor: User) -> ChildRecord:
    """``record`` with ``mutation`` applied as ``actor``; pins leave the record unchanged."""
    payload = mutation.payload
    match payload:
        case AddInvolvement():
            return _add_involvement(record, payload, actor)
        case EndInvolvement():
            return _end_involvement(record, payload)
        case SetIndicator():
            return _set_indicator(record, payload, actor, mutation.created_at)
        case ClearIndicator():
            return _clear_indicator(record, payload)
        case RecordDecision():
            return _record_decision(record, payload, actor, mutation.created_at)
        case Pin() | Unpin():
            return record


def _replace(record: ChildRecord, involvement: Involvement) -> ChildRecord:
    involvements = tuple(involvement if i.id == involvement.id else i for i in record.involvements)
    return record.model_copy(update={"involvements": involvements})


def _add_involvement(record: ChildRecord, payload: AddInvolvement, actor: User) -> ChildRecord:
    if not actor.service_code:
        raise DomainError(
            "no_service",
            "Your account has no service recorded, so an involvement cannot be added. "
            "Please ask your user administrator to record your service.",
        )
    if _involvement(record, payload.involvement_id) is not None:
        raise DomainError("id_taken", "That involvement is already on this child's record.")
    service = default_catalogue().get(actor.service_code)
    consent = check_involvement_consent(service, payload.consent)
    involvement = Involvement(
        id=payload.involvement_id,
        practitioner_id=actor.id,
        practitioner_name=actor.display_name,
        practitioner_role=payload.practitioner_role,
        organisation=actor.organisation,
        service_code=service.code,
        sensitive=service.sensitive,
        contact=payload.contact,
        start_date=payload.start_date,
        is_lead=payload.is_lead,
        consent=consent,
    )
    return record.model_copy(update={"involvements": (*record.involvements, involvement)})


def _end_involvement(record: ChildRecord, payload: EndInvolvement) -> ChildRecord:
    involvement = _involvement(record, payload.involvement_id)
    if involvement is None:
        raise DomainError("not_found", _NOT_FOUND)
    if not involvement.active:
        raise DomainError("involvement_ended", "This involvement has already ended.")
    if involvement.version != payload.base_version:
        raise DomainError(
            "conflict",
            "This involvement was changed since you last saw it. Look at it again first.",
        )
    if payload.end_date < involvement.start_date:
        raise DomainError(
            "invalid_end_date", "The end date cannot be before the involvement started."
        )
    return _replace(record, involvement.model_copy(update={"end_date": payload.end_date}))


def _set_indicator(
    record: ChildRecord, payload: SetIndicator, actor: User, at: datetime
) -> ChildRecord:
    involvement = _involvement(record, payload.involvement_id)
    if involvement is None:
        raise DomainError("not_found", _NOT_FOUND)
    indicator = Indicator(
        id=payload.indicator_id,
        kind=payload.indicator,
        set_by=actor.id,
        set_by_name=actor.display_name,
        set_at=at,
    )
    updated = involvement.model_copy(update={"indicators": (*involvement.indicators, indicator)})
    return _replace(record, updated)


def _clear_indicator(record: ChildRecord, payload: ClearIndicator) -> ChildRecord:
    involvement = _indicator_owner(record, payload.indicator_id)
    if involvement is None:
        raise DomainError("not_found", "That indicator is not on this child's record.")
    indicator = next(x for x in involvement.indicators if x.id == payload.indicator_id)
    if indicator.version != payload.base_version:
        raise DomainError(
            "conflict",
            "This indicator was changed since you last saw it. Look at it again first.",
        )
    remaining = tuple(x for x in involvement.indicators if x.id != payload.indicator_id)
    return _replace(record, involvement.model_copy(update={"indicators": remaining}))


def _record_decision(
    record: ChildRecord, payload: RecordDecision, actor: User, at: datetime
) -> ChildRecord:
    if payload.outcome is DecisionOutcome.CONSENT_WITHDRAWN and payload.withdraws is None:
        raise DomainError(
            "withdraws_required",
            "Say which decision the withdrawal of consent applies to.",
            field="withdraws",
        )
    if payload.withdraws is not None and all(d.id != payload.withdraws for d in record.decisions):
        raise DomainError(
            "unknown_decision",
            "The decision this refers to is not on this child's record.",
            field="withdraws",
        )
    decision = Decision(
        **payload.model_dump(exclude={"kind", "decision_id"}),
        id=payload.decision_id,
        decided_by=actor.id,
        decided_by_name=actor.display_name,
        decided_at=at,
    )
    return record.model_copy(update={"decisions": (*record.decisions, decision)})
