"""The retention job: destroy the records of children who have reached the retention age.

PRODUCT.md §2 (seed 001): the index keeps a child's record until they reach 19 (a
configurable policy), then destroys it. Which records are due is decided by
``app.domain.retention``; this module only finds them and deletes them. Before a record
goes, every user whose caseload holds it gets a removal in the change log, so their
devices purge it at the next sync; each destruction is audited by index id alone.

``run_retention`` is the scheduled job (``python -m server retention``): it destroys
what is due, then prunes sync change-log entries older than the configured window. The
job runs for a moment ``now`` (the command line passes the real time); what is due, the
audit entries and change-log removals it writes, and the pruning cutoff all follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain.audit import AuditAction
from app.domain.changes import RemovalReason
from app.domain.retention import RetentionPolicy, is_due_for_destruction
from server.audit import trail
from server.children.models import ChildRow
from server.config import Settings
from server.sync import caseload, feed
from server.sync.prune import prune_change_log


def due_record_ids(session: Session, *, today: date, policy: RetentionPolicy) -> list[str]:
    """Index ids of every record due for destruction on ``today``, oldest child first."""
    # A coarse bound in SQL keeps the scan to one birth year; the rule itself is applied
    # by the domain, so leap-day birthdays are decided in exactly one place.
    latest_possible = date(today.year - policy.destroy_at_age, 12, 31)
    rows = session.execute(
        select(ChildRow.index_id, ChildRow.date_of_birth)
        .where(ChildRow.date_of_birth <= latest_possible)
        .order_by(ChildRow.date_of_birth, ChildRow.index_id)
    )
    return [
        index_id
        for index_id, date_of_birth in rows
        if is_due_for_destruction(date_of_birth, today, policy)
    ]


def destroy_due_records(
    session: Session, *, now: datetime, policy: RetentionPolicy, actor_id: str | None = None
) -> int:
    """Destroy every record due on ``now``'s day, in the caller's transaction; return how many."""
    due = due_record_ids(session, today=now.date(), policy=policy)
    for index_id in due:
        feed.record_removed(
            session,
            child_id=index_id,
            user_ids=sorted(caseload.holders(session, index_id)),
            reason=RemovalReason.RETENTION,
            now=now,
        )
        # Involvements, indicators, decisions and pins go with it (ON DELETE CASCADE).
        session.execute(delete(ChildRow).where(ChildRow.index_id == index_id))
        trail.record(
            session,
            AuditAction.RETENTION_DESTROY,
            now=now,
            actor_id=actor_id,
            child_id=index_id,
            details={"retention_age": policy.destroy_at_age},
        )
    return len(due)


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What one run of the retention job did."""

    destroyed: int
    change_log_pruned: int


def run_retention(
    session: Session, *, settings: Settings, now: datetime, actor_id: str | None = None
) -> RetentionRun:
    """Destroy due records, then prune the change log, in the caller's transaction."""
    destroyed = destroy_due_records(session, now=now, policy=settings.retention, actor_id=actor_id)
    # After destroying, so the removals just written are not what gets pruned; they are
    # newer than any cutoff anyway, but the order keeps that obvious.
    pruned = prune_change_log(session, older_than=now - timedelta(days=settings.change_log_days))
    return RetentionRun(destroyed=destroyed, change_log_pruned=pruned)
