"""Pruning the sync change log, so it does not grow forever.

Deleting old rows is what expires old cursors: a cursor pointing before the oldest kept
row gets ``cursor_expired`` and its client resyncs from a snapshot. Rows are deleted as
a prefix of the log (never a hole in the middle, which a cursor check could not see),
and the newest row is always kept so the log remembers how far it has counted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.sync.models import ChangeRow


def prune_change_log(session: Session, *, older_than: datetime) -> int:
    """Delete change-log rows written before ``older_than``; return how many went."""
    newest = session.scalar(select(func.max(ChangeRow.seq)))
    cutoff = session.scalar(select(func.max(ChangeRow.seq)).where(ChangeRow.at < older_than))
    if newest is None or cutoff is None:
        return 0
    # Everything up to the newest old row goes, even a younger row with a smaller seq
    # (its writer committed late): that only expires a few more cursors.
    cutoff = min(cutoff, newest - 1)
    count = session.scalar(select(func.count()).where(ChangeRow.seq <= cutoff)) or 0
    session.execute(
        delete(ChangeRow)
        .where(ChangeRow.seq <= cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(count)
