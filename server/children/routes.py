"""HTTP routes of the children package: search, open, changes and shields (PRODUCT.md §7).

Thin: each route parses the request, calls one function of ``server.children.service``
and shapes the answer. A change that conflicts is answered 409 with the record as it now
stands under ``"current"``, so the client can show the user what changed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse

from app.domain.changes import (
    AddInvolvement,
    ClearIndicator,
    EndInvolvement,
    MutationPayload,
    Pin,
    PushResult,
    PushStatus,
    RecordDecision,
    SetIndicator,
    Unpin,
)
from app.domain.reasons import validate_access_reason
from app.domain.records import ChildRecord
from server.children import service
from server.children.schemas import (
    AccessRequest,
    ConflictResponse,
    EndInvolvementRequest,
    PinRequest,
    PinState,
    SearchResponse,
    ShieldRequest,
    ShieldReviewsResponse,
    UnshieldRequest,
)
from server.deps import CurrentCaller, DbSession, Now, SettingsDep
from server.errors import error_body

router = APIRouter(prefix="/children", tags=["children"])

IndexId = Annotated[str, Path(max_length=40, description="the child's index id")]
EntityId = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="client-chosen id of this change; a retry with the same key applies once",
    ),
]
Criterion = Annotated[str | None, Query(max_length=100)]

_CHANGE_RESPONSES: dict[int | str, dict[str, object]] = {
    409: {"model": ConflictResponse, "description": "changed elsewhere; not saved"},
}


def _answer(
    result: PushResult, response: Response, *, created: bool = False
) -> ChildRecord | JSONResponse:
    if result.status is PushStatus.CONFLICT:
        assert result.current is not None
        body = ConflictResponse(message=result.message or "", current=result.current)
        return JSONResponse(body.model_dump(mode="json"), status_code=409)
    assert result.current is not None
    response.status_code = 201 if created and result.status is PushStatus.APPLIED else 200
    return result.current


def _change(
    *,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    response: Response,
    index_id: str,
    payload: MutationPayload,
    idempotency_key: str | None,
    created: bool = False,
) -> ChildRecord | JSONResponse:
    result = service.change(
        session,
        caller=caller,
        index_id=index_id,
        payload=payload,
        idempotency_key=idempotency_key,
        now=now,
        settings=settings,
    )
    return _answer(result, response, created=created)


@router.get("", response_model=SearchResponse)
def search_children(
    *,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    family_name: Criterion = None,
    given_names: Criterion = None,
    date_of_birth: Criterion = None,
    postcode: Criterion = None,
    nhs_number: Criterion = None,
    index_id: Criterion = None,
) -> SearchResponse | JSONResponse:
    """Search: two criteria at least, or an exact index id or NHS number alone."""
    outcome = service.search(
        session,
        caller=caller,
        family_name=family_name,
        given_names=given_names,
        date_of_birth=date_of_birth,
        postcode=postcode,
        nhs_number=nhs_number,
        index_id=index_id,
        now=now,
        settings=settings,
    )
    if isinstance(outcome, service.TooManyResults):
        # Answered, not raised: the search's audit entry must be committed.
        return JSONResponse(error_body("too_many_results", outcome.message), status_code=422)
    return outcome


@router.get("/shield-reviews", response_model=ShieldReviewsResponse)
def list_shield_reviews(
    *,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    due_before: date | None = None,
) -> ShieldReviewsResponse:
    """Shielded records whose review is due on or before ``due_before`` (default today)."""
    return service.shield_reviews(
        session, caller=caller, due_before=due_before, now=now, settings=settings
    )


@router.post("/{index_id}/access", response_model=ChildRecord)
def open_record(
    *,
    index_id: IndexId,
    body: AccessRequest,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
) -> ChildRecord:
    """Open a record with a reason; returns it as this user may see it."""
    return service.open_record(
        session, caller=caller, index_id=index_id, request=body, now=now, settings=settings
    )


@router.post(
    "/{index_id}/involvements",
    response_model=ChildRecord,
    status_code=201,
    responses=_CHANGE_RESPONSES,
)
def add_involvement(
    *,
    index_id: IndexId,
    body: AddInvolvement,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ChildRecord | JSONResponse:
    """Record the caller's involvement (consent or override needed for a sensitive service)."""
    return _change(
        caller=caller,
        session=session,
        now=now,
        settings=settings,
        response=response,
        index_id=index_id,
        payload=body,
        idempotency_key=idempotency_key,
        created=True,
    )


@router.post(
    "/{index_id}/involvements/{involvement_id}/end",
    response_model=ChildRecord,
    responses=_CHANGE_RESPONSES,
)
def end_involvement(
    *,
    index_id: IndexId,
    involvement_id: EntityId,
    body: EndInvolvementRequest,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ChildRecord | JSONResponse:
    """End the caller's own involvement."""
    payload = EndInvolvement(
        involvement_id=involvement_id, end_date=body.end_date, base_version=body.base_version
    )
    return _change(
        caller=caller,
        session=session,
        now=now,
        settings=settings,
        response=response,
        index_id=index_id,
        payload=payload,
        idempotency_key=idempotency_key,
    )


@router.post(
    "/{index_id}/indicators",
    response_model=ChildRecord,
    status_code=201,
    responses=_CHANGE_RESPONSES,
)
def set_indicator(
    *,
    index_id: IndexId,
    body: SetIndicator,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ChildRecord | JSONResponse:
    """Set an indicator on the caller's own involvement."""
    return _change(
        caller=caller,
        session=session,
        now=now,
        settings=settings,
        response=response,
        index_id=index_id,
        payload=body,
        idempotency_key=idempotency_key,
        created=True,
    )


@router.delete(
    "/{index_id}/indicators/{indicator_id}",
    response_model=ChildRecord,
    responses=_CHANGE_RESPONSES,
)
def clear_indicator(
    *,
    index_id: IndexId,
    indicator_id: EntityId,
    base_version: Annotated[int, Query(ge=1)],
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ChildRecord | JSONResponse:
    """Clear one of the caller's own indicators."""
    payload = ClearIndicator(indicator_id=indicator_id, base_version=base_version)
    return _change(
        caller=caller,
        session=session,
        now=now,
        settings=settings,
        response=response,
        index_id=index_id,
        payload=payload,
        idempotency_key=idempotency_key,
    )


@router.post(
    "/{index_id}/decisions",
    response_model=ChildRecord,
    status_code=201,
    responses=_CHANGE_RESPONSES,
)
def record_decision(
    *,
    index_id: IndexId,
    body: RecordDecision,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ChildRecord | JSONResponse:
    """Record an information-sharing decision (or a withdrawal of consent)."""
    return _change(
        caller=caller,
        session=session,
        now=now,
        settings=settings,
        response=response,
        index_id=index_id,
        payload=body,
        idempotency_key=idempotency_key,
        created=True,
    )


@router.post("/{index_id}/pin", response_model=PinState, responses=_CHANGE_RESPONSES)
def pin(
    *,
    index_id: IndexId,
    body: PinRequest,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> PinState:
    """Keep the record in the caller's offline caseload; needs a reason for access.

    Answers with the pin's state, never the record: the record reaches the caller's
    devices through sync, and is opened (with a reason, audited) there.
    """
    reason = validate_access_reason(body.reason_code, body.reason_text, body.on_behalf_of)
    payload = Pin(
        reason_code=reason.code.value, reason_text=reason.text, on_behalf_of=reason.on_behalf_of
    )
    return _pin_state(
        caller=caller,
        session=session,
        now=now,
        settings=settings,
        index_id=index_id,
        payload=payload,
        idempotency_key=idempotency_key,
    )


@router.delete("/{index_id}/pin", response_model=PinState, responses=_CHANGE_RESPONSES)
def unpin(
    *,
    index_id: IndexId,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> PinState:
    """Stop keeping the record offline (it stays if the caller is involved with the child)."""
    return _pin_state(
        caller=caller,
        session=session,
        now=now,
        settings=settings,
        index_id=index_id,
        payload=Unpin(),
        idempotency_key=idempotency_key,
    )


def _pin_state(
    *,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    index_id: str,
    payload: Pin | Unpin,
    idempotency_key: str | None,
) -> PinState:
    service.change(
        session,
        caller=caller,
        index_id=index_id,
        payload=payload,
        idempotency_key=idempotency_key,
        now=now,
        settings=settings,
    )
    return PinState(index_id=service.canonical_index_id(index_id), pinned=isinstance(payload, Pin))


@router.post("/{index_id}/shield", response_model=ChildRecord)
def shield(
    *,
    index_id: IndexId,
    body: ShieldRequest,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
) -> ChildRecord:
    """Shield a record (index managers), with a reason and a future review date."""
    return service.shield(
        session,
        caller=caller,
        index_id=index_id,
        reason=body.reason,
        review_date=body.review_date,
        now=now,
        settings=settings,
    )


@router.delete("/{index_id}/shield", response_model=ChildRecord)
def unshield(
    *,
    index_id: IndexId,
    body: UnshieldRequest,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
) -> ChildRecord:
    """Lift a record's shield (index managers), with a reason."""
    return service.unshield(
        session, caller=caller, index_id=index_id, reason=body.reason, now=now, settings=settings
    )
