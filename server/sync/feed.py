"""Writing the change log that sync pulls read (see ``server.sync.models.ChangeRow``).

Callers note changes in the same transaction as the change itself, so a pull can never
see a change without its log entry, or a log entry without its change. Each entry is
stamped with the caller's ``now`` (the request's or the job's), so pruning the log by
age (``server.sync.prune``) judges it by the index's clock, like everything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.changes import RemovalReason
from server.sync.models import ChangeRow


def record_changed(session: Session, child_id: str, *, now: datetime) -> None:
    """Anything on the child's record changed: every holder pulls it again."""
    session.add(ChangeRow(child_id=child_id, user_id=None, op="upsert", at=now))


def caseload_joined(session: Session, *, user_id: str, child_id: str, now: datetime) -> None:
    """The child entered ``user_id``'s caseload (new involvement or pin)."""
    session.add(ChangeRow(child_id=child_id, user_id=user_id, op="upsert", at=now))


def caseload_left(
    session: Session, *, user_id: str, child_id: str, reason: RemovalReason, now: datetime
) -> None:
    """The child left ``user_id``'s caseload; their devices delete the cached record."""
    session.add(
        ChangeRow(child_id=child_id, user_id=user_id, op="remove", reason=reason.value, at=now)
    )


def record_removed(
    session: Session,
    *,
    child_id: str,
    user_ids: Iterable[str],
    reason: RemovalReason,
    now: datetime,
) -> None:
    """The record is gone for these users (retention): one removal per holder."""
    for user_id in user_ids:
        caseload_left(session, user_id=user_id, child_id=child_id, reason=reason, now=now)
