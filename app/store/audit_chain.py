"""The device's local audit chain: append, verify, and prune what the index already holds.

PRODUCT.md §5–§6. Everything the user does with cached records offline is audited here,
in a hash chain named ``device:<device id>`` built with the domain's ``audit.seal`` — the
very function the index uses — so the index can verify the chain it receives. Each entry
is queued in the outbox in the same transaction that appends it.

Pruning removes only the oldest entries, only once pushed, and remembers the hash and
position of the last one removed (the *anchor*), so verification of what remains still
starts from a known link and a removed entry in the middle is still detected.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from app.domain.audit import AuditAction, AuditEntry, ChainBreak, seal, verify_chain
from app.store import outbox
from app.store.caseload import timestamp
from app.store.database import Connection
from app.store.models import AccessLogEntry


def _anchor(connection: Connection) -> tuple[int, str]:
    position, hash_ = connection.execute(
        "SELECT audit_anchor_position, audit_anchor_hash FROM sync_state"
    ).fetchone()
    return int(position), str(hash_)


def _tail(connection: Connection) -> tuple[int, str]:
    row = connection.execute(
        "SELECT position, hash FROM audit_chain ORDER BY position DESC LIMIT 1"
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else _anchor(connection)


def append(
    connection: Connection,
    *,
    chain: str,
    action: AuditAction,
    at: datetime,
    actor_id: str | None,
    device_id: str,
    child_id: str | None = None,
    reason_code: str | None = None,
    reason_text: str | None = None,
    on_behalf_of: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Seal the next entry of the chain, store it, and queue it for the index."""
    position, prev_hash = _tail(connection)
    entry = seal(
        entry_id=uuid.uuid4().hex,
        chain=chain,
        prev_hash=prev_hash,
        at=at,
        action=action,
        actor_id=actor_id,
        on_behalf_of=on_behalf_of,
        device_id=device_id,
        child_id=child_id,
        reason_code=reason_code,
        reason_text=reason_text,
        details=details,
    )
    connection.execute(
        "INSERT INTO audit_chain (position, entry_id, prev_hash, hash, at, entry_json) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            position + 1,
            entry.id,
            entry.prev_hash,
            entry.hash,
            timestamp(at),
            entry.model_dump_json(),
        ),
    )
    outbox.add_audit(connection, entry, now=at)
    return entry


def mark_pushed(connection: Connection, entry_ids: list[str], *, now: datetime) -> None:
    """Note that the index has these entries, so they may be pruned later."""
    connection.executemany(
        "UPDATE audit_chain SET pushed_at = ? WHERE entry_id = ? AND pushed_at IS NULL",
        [(timestamp(now), entry_id) for entry_id in entry_ids],
    )


def recent(connection: Connection, limit: int) -> list[AccessLogEntry]:
    """The newest ``limit`` entries of the chain, newest first, for "my access log"."""
    rows = connection.execute(
        "SELECT entry_json, pushed_at FROM audit_chain ORDER BY position DESC LIMIT ?", (limit,)
    )
    return [
        AccessLogEntry(
            entry=AuditEntry.model_validate_json(entry_json),
            pushed_at=None if pushed_at is None else datetime.fromisoformat(pushed_at),
        )
        for entry_json, pushed_at in rows
    ]


def verify(connection: Connection) -> ChainBreak | None:
    """The first broken link of the stored chain, or ``None`` if it is intact."""
    _, start_hash = _anchor(connection)
    rows = connection.execute(
        "SELECT position, entry_id, entry_json FROM audit_chain ORDER BY position"
    ).fetchall()
    entries = []
    for position, entry_id, entry_json in rows:
        try:
            entries.append(AuditEntry.model_validate_json(entry_json))
        except PydanticValidationError:
            broken = ChainBreak(
                position=position, entry_id=entry_id, problem="this entry cannot be read"
            )
            return _first(verify_chain(entries, start_hash=start_hash), rows, broken)
    found = verify_chain(entries, start_hash=start_hash)
    return None if found is None else _absolute(found, rows)


def _absolute(found: ChainBreak, rows: list[tuple[int, str, str]]) -> ChainBreak:
    # verify_chain counts from the first entry it was given; report stored positions.
    return found.model_copy(update={"position": rows[found.position][0]})


def _first(
    earlier: ChainBreak | None, rows: list[tuple[int, str, str]], unreadable: ChainBreak
) -> ChainBreak:
    return unreadable if earlier is None else _absolute(earlier, rows)


def prune_pushed(connection: Connection, *, keep_days: int, now: datetime) -> int:
    """Delete the oldest pushed entries older than ``keep_days``; return how many went."""
    cutoff = timestamp(now - timedelta(days=keep_days))
    # The first entry that must stay: not yet pushed, or too recent (else past the end).
    (keep,) = connection.execute(
        "SELECT coalesce("
        "(SELECT min(position) FROM audit_chain WHERE pushed_at IS NULL OR at >= ?), "
        "(SELECT coalesce(max(position), 0) + 1 FROM audit_chain))",
        (cutoff,),
    ).fetchone()
    last = connection.execute(
        "SELECT position, hash FROM audit_chain WHERE position < ? ORDER BY position DESC LIMIT 1",
        (keep,),
    ).fetchone()
    if last is None:
        return 0
    deleted = connection.execute("DELETE FROM audit_chain WHERE position < ?", (keep,)).rowcount
    connection.execute(
        "UPDATE sync_state SET audit_anchor_position = ?, audit_anchor_hash = ?",
        (last[0], last[1]),
    )
    return int(deleted)
