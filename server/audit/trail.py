"""Writing the index's own audit entries, in the caller's transaction.

Every package calls ``record(session, …, now=…)`` in the same transaction as the change it
records, so an entry exists exactly when its change does. ``now`` is the request's time
(``server.deps.Now``) or the job's: entries are stamped by the index's clock, never the
wall clock read here, so they agree with the records they describe. Appends lock the chain's
head row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers already), so
two requests can never both extend the chain from the same previous hash.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.audit import GENESIS_HASH, AuditAction, AuditEntry, seal
from server.audit.models import AuditRow, ChainHeadRow

#: The chain of entries written by the index itself.
INDEX_CHAIN = "index"


def device_chain(device_id: str) -> str:
    """The chain name for entries pushed from one device."""
    return f"device:{device_id}"


def lock_head(session: Session, chain: str) -> ChainHeadRow:
    """Return the chain's head row, locked for this transaction (created if new)."""
    head = session.scalars(
        select(ChainHeadRow).where(ChainHeadRow.chain == chain).with_for_update()
    ).one_or_none()
    if head is not None:
        return head
    try:
        with session.begin_nested():
            head = ChainHeadRow(chain=chain, last_hash=GENESIS_HASH, last_pos=0)
            session.add(head)
    except IntegrityError:
        # Another transaction created it first; take its lock instead.
        head = session.scalars(
            select(ChainHeadRow).where(ChainHeadRow.chain == chain).with_for_update()
        ).one()
    return head


def store(
    session: Session,
    entry: AuditEntry,
    head: ChainHeadRow,
    *,
    received_at: datetime | None = None,
    flush: bool = True,
) -> AuditRow:
    """Append an already sealed entry after ``head`` and advance the head.

    ``received_at`` is when the index took the entry: for one pushed by a device, the
    index's time of the push (the entry keeps its own ``at``); an entry the index seals
    itself is received as it is written, which is the default.

    A caller appending many entries passes ``flush=False`` and flushes once, so the
    inserts go to the database as one batched statement.
    """
    row = AuditRow(
        id=entry.id,
        chain=entry.chain,
        chain_pos=head.last_pos + 1,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
        at=entry.at,
        actor_id=entry.actor_id,
        on_behalf_of=entry.on_behalf_of,
        device_id=entry.device_id,
        action=entry.action.value,
        child_id=entry.child_id,
        reason_code=entry.reason_code,
        reason_text=entry.reason_text,
        details=entry.details,
        received_at=entry.at if received_at is None else received_at,
    )
    session.add(row)
    head.last_hash = entry.hash
    head.last_pos += 1
    if flush:
        session.flush()
    return row


def record(
    session: Session,
    action: AuditAction,
    *,
    now: datetime,
    actor_id: str | None,
    device_id: str | None = None,
    child_id: str | None = None,
    on_behalf_of: str | None = None,
    reason_code: str | None = None,
    reason_text: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRow:
    """Append an entry stamped ``now`` to the index's chain, in the caller's transaction."""
    head = lock_head(session, INDEX_CHAIN)
    entry = seal(
        entry_id=uuid.uuid4().hex,
        chain=INDEX_CHAIN,
        prev_hash=head.last_hash,
        at=now,
        action=action,
        actor_id=actor_id,
        on_behalf_of=on_behalf_of,
        device_id=device_id,
        child_id=child_id,
        reason_code=reason_code,
        reason_text=reason_text,
        details=details,
    )
    return store(session, entry, head)


def row_to_entry(row: AuditRow) -> AuditEntry:
    """The ``AuditEntry`` a stored row claims to be (for verification and views)."""
    return AuditEntry(
        id=row.id,
        chain=row.chain,
        prev_hash=row.prev_hash,
        hash=row.hash,
        at=row.at,
        actor_id=row.actor_id,
        on_behalf_of=row.on_behalf_of,
        device_id=row.device_id,
        action=AuditAction(row.action),
        child_id=row.child_id,
        reason_code=row.reason_code,
        reason_text=row.reason_text,
        details=row.details,
    )
