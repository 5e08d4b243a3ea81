"""HTTP routes of sync: ``GET /sync/changes`` (pull) and ``POST /sync/push``.

Thin wrappers over ``server.sync.service``; the semantics are described there.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.domain.changes import (
    MAX_AUDIT_ENTRIES_PER_PUSH,
    MAX_MUTATIONS_PER_PUSH,
    ChangesPage,
    PushRequest,
    PushResponse,
)
from server.deps import CurrentCaller, DbSession, Now, SettingsDep
from server.errors import ApiError
from server.sync import service

router = APIRouter(prefix="/sync", tags=["sync"])


@router.get("/changes", response_model=ChangesPage)
def changes(
    *,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    since: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="the cursor of the last page received; omit for a full resync",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        Query(ge=1, description="children per page, at most the index's sync page size"),
    ] = None,
) -> ChangesPage:
    """Pull one page of changes to the caller's caseload, filtered for the caller.

    Refused with ``cursor_expired`` (410) when the cursor cannot be continued; the client
    then pulls again without ``since``.
    """
    return service.pull_changes(
        session, caller=caller, since=since, limit=limit, now=now, settings=settings
    )


async def _refuse_oversized_batch(request: Request) -> None:
    """Refuse a batch over the push limits as a whole, with ``batch_too_large``.

    ``PushRequest`` bounds its lists too; checking the raw counts first gives the client
    the specific code (it should split the batch) instead of a generic validation error.
    """
    try:
        body: Any = await request.json()
    except ValueError:
        return  # malformed JSON is reported by the body validation that follows
    if not isinstance(body, dict):
        return
    for key, most in (("mutations", MAX_MUTATIONS_PER_PUSH), ("audit", MAX_AUDIT_ENTRIES_PER_PUSH)):
        items = body.get(key)
        if isinstance(items, list) and len(items) > most:
            raise ApiError(
                "batch_too_large",
                f"A push may carry at most {MAX_MUTATIONS_PER_PUSH} changes and "
                f"{MAX_AUDIT_ENTRIES_PER_PUSH} audit entries; this one has {len(items)} "
                f"{'changes' if key == 'mutations' else 'audit entries'}. Nothing was saved: "
                "send them in smaller batches.",
                field=key,
            )


@router.post("/push", response_model=PushResponse)
def push(
    *,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    # Declared after the caller, so an unauthenticated request is refused as such first.
    _size_checked: Annotated[None, Depends(_refuse_oversized_batch)],
    body: PushRequest,
) -> PushResponse:
    """Push outbox items: mutations, then audit entries; one result per item, in order."""
    return service.push(session, caller=caller, batch=body, now=now, settings=settings)
