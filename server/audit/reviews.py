"""Reviewing unusual-activity alerts: each is closed once, with an outcome and a note.

PRODUCT.md §5: "Each alert is reviewed and closed with an outcome." Alerts are computed
from the trail, not stored (``server.audit.alerts``); a review is stored against the
alert's stable id, so it stays attached to the alert whichever window later lists it.
A review is final: it is never changed or removed (on PostgreSQL the table refuses it),
and a second review of the same alert is refused with ``alert_already_reviewed``.

The note is the reviewer's own account of what they found. It is shown only to other
oversight roles and is neither logged nor copied into the trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.policy import alert_review_permission
from app.domain.roles import User
from server.audit import alerts
from server.audit.models import AlertReviewRow
from server.audit.schemas import (
    NOTE_MAX_LENGTH,
    NOTE_MIN_LENGTH,
    AlertOut,
    AlertReviewOut,
    AlertStatus,
    ReviewOutcome,
)
from server.auth.models import UserRow
from server.errors import ApiError

#: Alert ids per ``IN (…)`` query: well inside every backend's parameter limit.
_IN_BATCH = 500


def _already_reviewed() -> ApiError:
    return ApiError(
        "alert_already_reviewed",
        "This alert has already been reviewed and closed; a review cannot be changed.",
    )


def _outcome(value: str | None) -> ReviewOutcome:
    if value is None or not value.strip():
        raise ApiError(
            "review_outcome_required", "Choose an outcome for this review.", field="outcome"
        )
    try:
        return ReviewOutcome(value.strip())
    except ValueError:
        raise ApiError(
            "invalid_review_outcome",
            "That is not one of the review outcomes: choose "
            f"{', '.join(o.value for o in ReviewOutcome)}.",
            field="outcome",
        ) from None


def _note(value: str | None) -> str:
    note = (value or "").strip()
    if len(note) < NOTE_MIN_LENGTH:
        raise ApiError(
            "review_note_required",
            f"Write a note of at least {NOTE_MIN_LENGTH} characters saying what you found.",
            field="note",
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise ApiError(
            "review_note_too_long",
            f"The note must be {NOTE_MAX_LENGTH} characters or fewer. Shorten it and try again.",
            field="note",
        )
    return note


def _usernames(session: Session, ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _IN_BATCH):
        batch = ordered[start : start + _IN_BATCH]
        names.update(
            (user_id, username)
            for user_id, username in session.execute(
                select(UserRow.id, UserRow.username).where(UserRow.id.in_(batch))
            )
        )
    return names


def _out(row: AlertReviewRow, usernames: dict[str, str]) -> AlertReviewOut:
    return AlertReviewOut(
        outcome=ReviewOutcome(row.outcome),
        note=row.note,
        reviewed_by=row.reviewed_by,
        reviewed_by_username=usernames.get(row.reviewed_by),
        reviewed_at=row.reviewed_at,
    )


def with_reviews(
    session: Session, found: Sequence[AlertOut], *, status: AlertStatus = AlertStatus.ALL
) -> list[AlertOut]:
    """``found`` with each alert's review attached, keeping those of the given status."""
    ids = [alert.id for alert in found]
    rows: dict[str, AlertReviewRow] = {}
    for start in range(0, len(ids), _IN_BATCH):
        batch = ids[start : start + _IN_BATCH]
        rows.update(
            (row.alert_id, row)
            for row in session.scalars(
                select(AlertReviewRow).where(AlertReviewRow.alert_id.in_(batch))
            )
        )
    usernames = _usernames(session, {row.reviewed_by for row in rows.values()})
    listed = []
    for alert in found:
        row = rows.get(alert.id)
        if status is AlertStatus.OPEN and row is not None:
            continue
        if status is AlertStatus.CLOSED and row is None:
            continue
        review = None if row is None else _out(row, usernames)
        listed.append(alert.model_copy(update={"review": review}))
    return listed


def close_alert(
    session: Session,
    *,
    alert_id: str,
    outcome: str | None,
    note: str | None,
    reviewer: User,
    now: datetime,
) -> AlertOut:
    """Record the one review of an alert that exists; return the alert with it.

    The alert is recomputed over its own day, so only an alert the trail still shows
    can be closed (``alert_not_found`` otherwise), and never by the user it is about
    (``own_alert``, the domain's rule). Two reviewers racing for the same alert meet at
    the table's key: one review is stored, the other refused.
    """
    chosen, written = _outcome(outcome), _note(note)
    if session.get(AlertReviewRow, alert_id) is not None:
        raise _already_reviewed()
    alert = alerts.find_alert(session, alert_id=alert_id)
    if alert is None:
        raise ApiError(
            "alert_not_found",
            "There is no such alert: the trail shows no alert with that id for its day.",
        )
    alert_review_permission(reviewer, subject_id=alert.user_id, today=now.date()).raise_if_refused()
    reviewer_id = reviewer.id
    row = AlertReviewRow(
        alert_id=alert.id,
        rule=alert.rule,
        user_id=alert.user_id,
        reviewed_by=reviewer_id,
        reviewed_at=now,
        outcome=chosen.value,
        note=written,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise _already_reviewed() from exc
    return alert.model_copy(update={"review": _out(row, _usernames(session, {reviewer_id}))})
