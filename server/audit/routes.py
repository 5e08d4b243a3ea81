"""HTTP routes of the audit package: ``/audit/…`` for oversight roles (PRODUCT.md §5, §7).

Every endpoint needs ``read_audit`` (index managers, user administrators), spot checks
need ``spot_check``; and every read of the trail is itself written to the trail, in the
same transaction, so watching the watchers needs no second mechanism. Closing an alert
with a review is written too, as an ``admin`` entry naming the alert and the outcome.

Times given without a zone are taken as UK local time, which is what the people who
run these reports mean by "since Monday 09:00".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.audit import AuditAction
from app.domain.policy import Action, permit
from server.audit import alerts, reviews, service, trail
from server.audit.schemas import (
    AlertOut,
    AlertReport,
    AlertReviewRequest,
    AlertStatus,
    ChainList,
    ChildActivity,
    SpotCheck,
    UserActivity,
    VerifyReport,
)
from server.deps import Caller, CurrentCaller, DbSession, Now
from server.errors import ApiError

router = APIRouter(prefix="/audit", tags=["audit"])

Limit = Annotated[int, Query(ge=1, le=500, description="Entries per page.")]
Before = Annotated[
    str | None,
    Query(
        max_length=42,
        pattern=r"^\d{1,20}-\d{1,20}$",
        description="The next_before value of the previous page.",
    ),
]
Moment = Annotated[datetime | None, Query(description="ISO 8601; without a zone, UK local time.")]

#: Alerts look this far back when no start is given.
DEFAULT_ALERT_DAYS = 7


def _allow(caller: Caller, action: Action, now: datetime) -> None:
    permit(caller.user, action, today=now.date()).raise_if_refused()


def _record(
    session: Session,
    caller: Caller,
    action: AuditAction,
    *,
    now: datetime,
    details: dict[str, Any],
    child_id: str | None = None,
    finding: str = "",
    what: str = "read",
) -> None:
    """Write the request to the trail, or refuse it if the trail cannot take the entry.

    The one way that happens is an entry planted beyond the chain's recorded end: the
    next position is taken. Every audited request then fails; this says why (and, for a
    verification, where), instead of an unexplained server error.
    """
    try:
        with session.begin_nested():
            trail.record(
                session,
                action,
                now=now,
                actor_id=caller.user.id,
                device_id=caller.device_id,
                child_id=child_id,
                details=details,
            )
    except IntegrityError as exc:
        raise ApiError(
            "audit_unavailable",
            f"This {what} could not be written to the audit trail, so it was refused: the "
            "index's audit chain is blocked by an entry that should not be there."
            f"{finding} Please ask your system administrator to investigate.",
        ) from exc


def _audited(
    session: Session,
    caller: Caller,
    view: str,
    *,
    now: datetime,
    finding: str = "",
    **details: Any,
) -> None:
    """Write a read of the trail to the trail (``audit_read``, naming the view)."""
    child_id = details.pop("child_id", None)
    _record(
        session,
        caller,
        AuditAction.AUDIT_READ,
        now=now,
        child_id=child_id,
        finding=finding,
        details={"view": view, **details},
    )


def _window(
    since: datetime | None, until: datetime | None, now: datetime, default_days: int
) -> tuple[datetime, datetime]:
    try:
        end = service.as_utc(until) if until else now
        start = service.as_utc(since) if since else end - timedelta(days=default_days)
    except OverflowError as exc:
        raise ApiError(
            "invalid_request", "since: outside the range of dates.", status=422, field="since"
        ) from exc
    return start, end


@router.get("/chains", response_model=ChainList)
def list_chains(*, caller: CurrentCaller, session: DbSession, now: Now) -> ChainList:
    """Every audit chain (the index's own, and one per device), its length and last entry."""
    _allow(caller, Action.READ_AUDIT, now)
    result = service.chains(session)
    _audited(session, caller, "chains", now=now)
    return result


@router.get("/verify", response_model=VerifyReport)
def verify(
    *,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    chain: Annotated[
        str | None, Query(min_length=1, max_length=100, description="One chain; all if absent.")
    ] = None,
) -> VerifyReport:
    """Verify one chain or all of them; each names its first broken link, if any."""
    _allow(caller, Action.READ_AUDIT, now)
    if chain is None:
        report = service.verify_all(session)
    else:
        result = service.verify(session, chain=chain)
        report = VerifyReport(ok=result.ok, chains=[result])
    index_break = next(
        (c.first_break for c in report.chains if c.chain == trail.INDEX_CHAIN and c.first_break),
        None,
    )
    _audited(
        session,
        caller,
        "verify",
        now=now,
        finding=(
            f" Verification found, at position {index_break.position}: {index_break.problem}."
            if index_break
            else ""
        ),
        chain=chain,
        ok=report.ok,
        broken=[c.chain for c in report.chains if not c.ok],
    )
    return report


@router.get("/users/{user_id}", response_model=UserActivity)
def user_activity(
    *,
    user_id: Annotated[str, Path(min_length=1, max_length=64)],
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    limit: Limit = 100,
    before: Before = None,
) -> UserActivity:
    """Everything a user did (or had done on their behalf), newest first, a page at a time."""
    _allow(caller, Action.READ_AUDIT, now)
    result = service.user_activity(session, user_id=user_id, limit=limit, before=before)
    _audited(session, caller, "user", now=now, user_id=user_id, before=before)
    return result


@router.get("/children/{index_id}", response_model=ChildActivity)
def child_activity(
    *,
    index_id: Annotated[str, Path(min_length=1, max_length=20)],
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    limit: Limit = 100,
    before: Before = None,
) -> ChildActivity:
    """Who opened a child's record and why, and every change to it, newest first."""
    _allow(caller, Action.READ_AUDIT, now)
    result = service.child_activity(session, child_id=index_id, limit=limit, before=before)
    _audited(session, caller, "child", now=now, child_id=index_id, before=before)
    return result


@router.get("/spot-check", response_model=SpotCheck)
def spot_check(
    *,
    user_id: Annotated[str, Query(min_length=1, max_length=64)],
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    n: Annotated[int, Query(ge=1, le=100, description="Sample size.")] = 10,
    since: Moment = None,
    until: Moment = None,
) -> SpotCheck:
    """A random sample of at most ``n`` of a user's accesses in a window (default 30 days)."""
    _allow(caller, Action.SPOT_CHECK, now)
    start, end = _window(since, until, now, service.DEFAULT_SPOT_CHECK_DAYS)
    result = service.spot_check(session, user_id=user_id, n=n, since=start, until=end)
    _audited(
        session,
        caller,
        "spot_check",
        now=now,
        user_id=user_id,
        n=n,
        since=start.isoformat(),
        until=end.isoformat(),
        sampled=[entry.id for entry in result.sample],
    )
    return result


@router.get("/alerts", response_model=AlertReport)
def unusual_activity(
    *,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    since: Moment = None,
    until: Moment = None,
    status: Annotated[
        AlertStatus, Query(description="open (not reviewed), closed (reviewed) or all.")
    ] = AlertStatus.ALL,
) -> AlertReport:
    """Unusual-activity alerts for a window (default the last 7 days), oldest first."""
    _allow(caller, Action.READ_AUDIT, now)
    start, end = _window(since, until, now, DEFAULT_ALERT_DAYS)
    found = reviews.with_reviews(
        session, alerts.compute_alerts(session, since=start, until=end), status=status
    )
    _audited(
        session,
        caller,
        "alerts",
        now=now,
        since=start.isoformat(),
        until=end.isoformat(),
        status=status.value,
        alerts=len(found),
    )
    return AlertReport(since=start, until=end, alerts=found)


@router.post("/alerts/{alert_id}/review", response_model=AlertOut, status_code=201)
def review_alert(
    *,
    alert_id: Annotated[str, Path(min_length=1, max_length=64)],
    body: AlertReviewRequest,
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
) -> AlertOut:
    """Close an alert with an outcome and a note; an alert is reviewed once, for good."""
    # Refused before the body is judged; who may close this alert (never one about their own
    # activity) is the domain's alert_review_permission, applied once the alert is found.
    _allow(caller, Action.READ_AUDIT, now)
    reviewed = reviews.close_alert(
        session,
        alert_id=alert_id,
        outcome=body.outcome,
        note=body.note,
        reviewer=caller.user,
        now=now,
    )
    assert reviewed.review is not None
    _record(
        session,
        caller,
        AuditAction.ADMIN,
        now=now,
        details={
            "action": "review_alert",
            "alert_id": reviewed.id,
            "rule": reviewed.rule,
            "user_id": reviewed.user_id,
            "outcome": reviewed.review.outcome.value,
        },
        what="review",
    )
    return reviewed
