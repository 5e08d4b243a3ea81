"""The ``outbox`` and ``conflicts`` tables: what waits to be pushed, and what the user must decide.

PRODUCT.md §6: every local change is a mutation with a client-generated id, written to the
outbox in the same transaction as the change; audit entries go there too. An item leaves
the outbox only when the index has acknowledged it (applied or duplicate), is kept with
the index's code and message when refused, and becomes a conflict for the user to resolve
when the index reports one. Functions run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.domain.audit import AuditEntry
from app.domain.changes import Mutation
from app.domain.records import ChildRecord
from app.domain.roles import User
from app.store.caseload import timestamp
from app.store.database import Connection
from app.store.models import Conflict, OutboxItem, OutboxKind, OutboxStatus

_ITEM_COLUMNS = (
    "item_id, kind, payload_json, created_at, attempts, last_error, status, "
    "rejected_code, rejected_message"
)


def add_mutation(connection: Connection, mutation: Mutation, actor: User, *, now: datetime) -> None:
    """Queue ``mutation``, made by ``actor``, for the next push."""
    connection.execute(
        "INSERT INTO outbox (item_id, kind, child_id, payload_json, actor_json, created_at) "
        "VALUES (?, 'mutation', ?, ?, ?, ?)",
        (
            mutation.id,
            mutation.child_id,
            mutation.model_dump_json(),
            actor.model_dump_json(),
            timestamp(now),
        ),
    )


def add_audit(connection: Connection, entry: AuditEntry, *, now: datetime) -> None:
    """Queue a local audit entry for the next push."""
    connection.execute(
        "INSERT INTO outbox (item_id, kind, child_id, payload_json, created_at) "
        "VALUES (?, 'audit', NULL, ?, ?)",
        (entry.id, entry.model_dump_json(), timestamp(now)),
    )


def _item(row: tuple[object, ...]) -> OutboxItem:
    item_id, kind, payload, created_at, attempts, last_error, status, code, message = row
    kind = OutboxKind(str(kind))
    return OutboxItem(
        item_id=str(item_id),
        kind=kind,
        mutation=Mutation.model_validate_json(str(payload))
        if kind is OutboxKind.MUTATION
        else None,
        audit=AuditEntry.model_validate_json(str(payload)) if kind is OutboxKind.AUDIT else None,
        created_at=datetime.fromisoformat(str(created_at)),
        attempts=int(str(attempts)),
        last_error=None if last_error is None else str(last_error),
        status=OutboxStatus(str(status)),
        rejected_code=None if code is None else str(code),
        rejected_message=None if message is None else str(message),
    )


def pending(connection: Connection, limit: int) -> list[OutboxItem]:
    """The oldest pending items, in the order they were made."""
    rows = connection.execute(
        f"SELECT {_ITEM_COLUMNS} FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?",  # noqa: S608 - constant column list
        (limit,),
    )
    return [_item(row) for row in rows]


def rejected(connection: Connection) -> list[OutboxItem]:
    """Items the index refused, oldest first, kept for the user to read."""
    rows = connection.execute(
        f"SELECT {_ITEM_COLUMNS} FROM outbox WHERE status = 'rejected' ORDER BY seq"  # noqa: S608 - constant column list
    )
    return [_item(row) for row in rows]


def pending_count(connection: Connection) -> int:
    """How many items wait to be pushed."""
    (count,) = connection.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()
    return int(count)


def rejected_count(connection: Connection) -> int:
    """How many refused items wait for the user to read them."""
    (count,) = connection.execute(
        "SELECT count(*) FROM outbox WHERE status = 'rejected'"
    ).fetchone()
    return int(count)


def pending_mutations(connection: Connection, child_id: str) -> list[tuple[Mutation, User]]:
    """The child's pending mutations and who made them, in order."""
    rows = connection.execute(
        "SELECT payload_json, actor_json FROM outbox "
        "WHERE child_id = ? AND status = 'pending' AND kind = 'mutation' ORDER BY seq",
        (child_id,),
    )
    return [
        (Mutation.model_validate_json(payload), User.model_validate_json(actor))
        for payload, actor in rows
    ]


def children_with_pending(connection: Connection) -> set[str]:
    """Children that have pending mutations."""
    rows = connection.execute(
        "SELECT DISTINCT child_id FROM outbox WHERE status = 'pending' AND kind = 'mutation'"
    )
    return {row[0] for row in rows}


def note_attempt(connection: Connection, item_ids: Iterable[str], error: str | None) -> None:
    """Count a push attempt for these items, with the error if it failed."""
    connection.executemany(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE item_id = ?",
        [(error, item_id) for item_id in item_ids],
    )


def remove(connection: Connection, item_ids: Iterable[str]) -> list[tuple[str, OutboxKind]]:
    """Delete these items; return ``(item id, kind)`` of each one that was there."""
    removed = []
    for item_id in item_ids:
        row = connection.execute(
            "DELETE FROM outbox WHERE item_id = ? RETURNING kind", (item_id,)
        ).fetchone()
        if row is not None:
            removed.append((item_id, OutboxKind(row[0])))
    return removed


def reject(connection: Connection, item_id: str, code: str, message: str) -> str | None:
    """Keep the item, marked refused with the index's code and message; return its child."""
    row = connection.execute(
        "UPDATE outbox SET status = 'rejected', rejected_code = ?, rejected_message = ? "
        "WHERE item_id = ? RETURNING child_id",
        (code, message, item_id),
    ).fetchone()
    return None if row is None else row[0]


def dismiss(connection: Connection, item_id: str) -> None:
    """Delete a refused item once the user has read it."""
    connection.execute("DELETE FROM outbox WHERE item_id = ? AND status = 'rejected'", (item_id,))


def take_mutation(connection: Connection, item_id: str) -> tuple[Mutation, User] | None:
    """Remove a pending mutation from the outbox and return it with its author."""
    row = connection.execute(
        "DELETE FROM outbox WHERE item_id = ? AND kind = 'mutation' "
        "RETURNING payload_json, actor_json",
        (item_id,),
    ).fetchone()
    if row is None:
        return None
    return Mutation.model_validate_json(row[0]), User.model_validate_json(row[1])


def add_conflict(
    connection: Connection,
    mutation: Mutation,
    actor: User,
    current: ChildRecord | None,
    *,
    now: datetime,
) -> None:
    """Keep a conflicting mutation, with the record as the index has it now."""
    connection.execute(
        "INSERT INTO conflicts (mutation_id, child_id, mutation_json, actor_json, current_json, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (mutation_id) DO NOTHING",
        (
            mutation.id,
            mutation.child_id,
            mutation.model_dump_json(),
            actor.model_dump_json(),
            None if current is None else current.model_dump_json(),
            timestamp(now),
        ),
    )


def open_conflicts(connection: Connection) -> list[Conflict]:
    """Unresolved conflicts, oldest first."""
    rows = connection.execute(
        "SELECT mutation_id, child_id, mutation_json, current_json, created_at FROM conflicts "
        "WHERE resolved_at IS NULL ORDER BY created_at, mutation_id"
    )
    return [
        Conflict(
            mutation_id=mutation_id,
            child_id=child_id,
            mutation=Mutation.model_validate_json(mutation_json),
            current=None if current is None else ChildRecord.model_validate_json(current),
            created_at=datetime.fromisoformat(created_at),
        )
        for mutation_id, child_id, mutation_json, current, created_at in rows
    ]


def open_conflict_count(connection: Connection) -> int:
    """How many conflicts wait for the user to resolve them."""
    (count,) = connection.execute(
        "SELECT count(*) FROM conflicts WHERE resolved_at IS NULL"
    ).fetchone()
    return int(count)


def conflict(connection: Connection, mutation_id: str) -> tuple[Mutation, User] | None:
    """An unresolved conflict's mutation and its author."""
    row = connection.execute(
        "SELECT mutation_json, actor_json FROM conflicts "
        "WHERE mutation_id = ? AND resolved_at IS NULL",
        (mutation_id,),
    ).fetchone()
    if row is None:
        return None
    return Mutation.model_validate_json(row[0]), User.model_validate_json(row[1])


def resolve(connection: Connection, mutation_id: str, resolution: str, *, now: datetime) -> None:
    """Mark a conflict resolved, keeping the user's choice."""
    connection.execute(
        "UPDATE conflicts SET resolved_at = ?, resolution = ? WHERE mutation_id = ?",
        (timestamp(now), resolution, mutation_id),
    )
