"""Sync between desktop clients and the index: pulling caseload changes, pushing outboxes.

PRODUCT.md §6–§7.

**Pull.** Without a cursor the caller gets a snapshot of their whole caseload, paged by
index id, and then everything the change log recorded after the snapshot began (its
high-water mark travels in the cursor), so a record that changes, joins or leaves the
caseload while a long snapshot is being paged is still delivered. With a cursor the
caller gets what changed after it. Every record leaving the index goes through
``policy.visible_record``; a child that is no longer in the caseload — ended involvement,
unpinned, destroyed under the retention policy — is sent as a removal. Each child appears
at most once per page, in its state at the time of the pull. The last page carries the
caseload digest, which the client compares with its own cache.

**Push.** Mutations are applied one by one through ``server.children.mutations.apply``
(exactly once by id, each isolated in a savepoint); audit entries written on the device
are appended to that device's chain after checking they belong to the caller and extend
the chain intact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, text
from sqlalchemy.orm import Session, selectinload

from app.domain.audit import AuditAction, AuditEntry, compute_hash
from app.domain.changes import (
    CaseloadDigest,
    Change,
    ChangesPage,
    PushRequest,
    PushResponse,
    PushResult,
    PushStatus,
    RemovalReason,
    caseload_digest,
)
from app.domain.policy import Action, permit, visible_record
from app.domain.retention import RetentionPolicy, is_due_for_destruction
from server.audit import trail
from server.audit.models import AuditRow
from server.children import mutations, repository
from server.children.models import ChildRow, InvolvementRow
from server.config import Settings
from server.deps import Caller
from server.errors import ApiError
from server.sync import cursor as cursors
from server.sync.caseload import caseload_query
from server.sync.cursor import Cursor
from server.sync.models import ChangeRow

#: Rows of the change log read per query while filling a page.
_SCAN_BATCH = 500
#: Ids per ``IN (…)`` list, well under every backend's parameter limit.
_IN_BATCH = 500

_RESYNC = "Please sync again from the start (a full resync, without a cursor)."


# --- pull -------------------------------------------------------------------------------


def pull_changes(
    session: Session,
    *,
    caller: Caller,
    since: str | None,
    limit: int | None,
    now: datetime,
    settings: Settings,
) -> ChangesPage:
    """One page of changes to the caller's caseload, after ``since`` (or a snapshot)."""
    today = now.date()
    permit(caller.user, Action.OPEN, today=today).raise_if_refused()
    user_id = caller.user.id
    epoch = caller.row.access_epoch
    page_size = min(limit or settings.sync_page_size, settings.sync_page_size)
    bound = _settled_high_water_mark(session)
    if since:
        position = _accept(session, since, user_id=user_id, epoch=epoch, bound=bound)
    else:
        # The snapshot reads the caseload as it is on each page; the log from this mark
        # on catches whatever changes under it between pages.
        position = Cursor(user_id=user_id, access_epoch=epoch, position=bound, snapshot_after="")
    snapshot = position.in_snapshot
    page = _Page(limit=page_size)
    more = False
    if position.snapshot_after is not None:
        last_id = _take_snapshot(session, page, user_id=user_id, after=position.snapshot_after)
        more = last_id is not None
        position = replace(position, snapshot_after=last_id)
    if not more:
        scanned_to, more = _scan_log(
            session, page, user_id=user_id, after=position.position, bound=bound
        )
        position = replace(position, position=scanned_to)
    changes = _resolve(session, page, caller=caller, today=today, policy=settings.retention)
    digest: CaseloadDigest | None = None
    if not more:
        digest = _digest(session, user_id=user_id, today=today, policy=settings.retention)
        # A change committed after the mark may already show in the digest; if so the
        # client must pull once more rather than compare against a digest it cannot match.
        if _relevant_after(session, user_id=user_id, after=bound):
            more, digest = True, None
    trail.record(
        session,
        AuditAction.SYNC_PULL,
        now=now,
        actor_id=user_id,
        device_id=caller.device_id,
        details={"changes": len(changes), "snapshot": snapshot, "has_more": more},
    )
    return ChangesPage(
        changes=changes, cursor=cursors.encode(position), has_more=more, digest=digest
    )


def _settled_high_water_mark(session: Session) -> int:
    """The newest change-log position below which no row can still appear.

    On PostgreSQL a transaction may hold a sequence number it has not committed yet,
    while a later number is already visible; a cursor moved past it would lose that row.
    Taking a SHARE lock waits for every transaction that is writing to the log, and
    rolling back to the savepoint releases the lock at once, so writers pause only
    for that moment. SQLite already serialises writers for the whole request.
    """
    newest = select(func.coalesce(func.max(ChangeRow.seq), 0))
    if session.get_bind().dialect.name != "postgresql":
        return int(session.scalar(newest) or 0)
    savepoint = session.begin_nested()
    try:
        session.execute(text(f"LOCK TABLE {ChangeRow.__tablename__} IN SHARE MODE"))
        return int(session.scalar(newest) or 0)
    finally:
        savepoint.rollback()


def _accept(session: Session, text_form: str, *, user_id: str, epoch: int, bound: int) -> Cursor:
    """Decode a cursor, or refuse with ``cursor_expired`` if it cannot be continued."""
    try:
        cursor = cursors.decode(text_form)
    except cursors.MalformedCursorError:
        raise _expired("This sync position is not one the index recognises.") from None
    if cursor.user_id != user_id:
        raise _expired("This sync position belongs to another user.")
    if cursor.access_epoch != epoch:
        raise _expired("What you may see on the index has changed since your last sync.")
    oldest = session.scalar(select(func.min(ChangeRow.seq)))
    # Pruning always keeps the newest row, so a cursor beyond it comes from a database
    # that was since restored, and one before the oldest kept row may have missed rows.
    if cursor.position > bound or (oldest is not None and cursor.position < oldest - 1):
        raise _expired("Your last sync was too long ago for the index to send only changes.")
    return cursor


def _expired(why: str) -> ApiError:
    return ApiError("cursor_expired", f"{why} {_RESYNC}")


@dataclass
class _Page:
    """The children a page will carry, each with the latest removal reason seen for it."""

    limit: int
    touched: dict[str, RemovalReason | None] = field(default_factory=dict)

    @property
    def full(self) -> bool:
        return len(self.touched) >= self.limit


def _take_snapshot(session: Session, page: _Page, *, user_id: str, after: str) -> str | None:
    """Add the next caseload ids after ``after``; return the last one if more remain."""
    ids = list(
        session.scalars(
            caseload_query(user_id)
            .where(ChildRow.index_id > after)
            .order_by(ChildRow.index_id)
            .limit(page.limit + 1)
        )
    )
    taken = ids[: page.limit]
    page.touched.update(dict.fromkeys(taken))
    return taken[-1] if len(ids) > page.limit else None


def _relevant(user_id: str) -> ColumnElement[bool]:
    """Log rows that concern ``user_id``: their caseload moves, and record changes in it."""
    return or_(
        ChangeRow.user_id == user_id,
        and_(ChangeRow.user_id.is_(None), ChangeRow.child_id.in_(caseload_query(user_id))),
    )


def _scan_log(
    session: Session, page: _Page, *, user_id: str, after: int, bound: int
) -> tuple[int, bool]:
    """Fill the page from the log rows in ``(after, bound]``.

    Returns the position reached and whether relevant rows remain. Rows about a child
    already on the page are folded into it (latest state wins), so a busy child never
    crowds others out of a page.
    """
    position = after
    while True:
        rows = session.execute(
            select(ChangeRow.seq, ChangeRow.child_id, ChangeRow.user_id, ChangeRow.reason)
            .where(ChangeRow.seq > position, ChangeRow.seq <= bound, _relevant(user_id))
            .order_by(ChangeRow.seq)
            .limit(_SCAN_BATCH)
        ).all()
        for seq, child_id, row_user, reason in rows:
            if child_id not in page.touched and page.full:
                return position, True
            previous = page.touched.get(child_id)
            if row_user is not None:
                # A join clears an earlier removal: the current state decides in the end.
                previous = RemovalReason(reason) if reason else None
            page.touched[child_id] = previous
            position = seq
        if len(rows) < _SCAN_BATCH:
            # Nothing relevant is left below the mark; skip the irrelevant rows too.
            return bound, False


def _relevant_after(session: Session, *, user_id: str, after: int) -> bool:
    query = select(ChangeRow.seq).where(ChangeRow.seq > after, _relevant(user_id)).limit(1)
    return session.scalar(query) is not None


def _batches(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _IN_BATCH):
        yield ids[start : start + _IN_BATCH]


def _resolve(
    session: Session, page: _Page, *, caller: Caller, today: date, policy: RetentionPolicy
) -> tuple[Change, ...]:
    """Turn the touched children into upserts and removals, in index-id order.

    Each child is sent as it is now, whatever the log rows that brought it here said:
    a later row re-sends it anyway, so the client always converges on the latest state.
    """
    ids = sorted(page.touched)
    existing: set[str] = set()
    rows: dict[str, ChildRow] = {}
    for batch in _batches(ids):
        existing.update(
            session.scalars(select(ChildRow.index_id).where(ChildRow.index_id.in_(batch)))
        )
        held = list(
            session.scalars(caseload_query(caller.user.id).where(ChildRow.index_id.in_(batch)))
        )
        if held:
            loaded = session.scalars(
                select(ChildRow)
                .where(ChildRow.index_id.in_(held))
                .options(
                    selectinload(ChildRow.involvements).selectinload(InvolvementRow.indicators),
                    selectinload(ChildRow.decisions),
                )
            )
            rows.update((row.index_id, row) for row in loaded)
    changes = []
    for index_id in ids:
        row = rows.get(index_id)
        if row is not None and not is_due_for_destruction(row.date_of_birth, today, policy):
            record = visible_record(caller.user, repository.to_record(row))
            changes.append(Change(op="upsert", index_id=index_id, record=record))
        elif row is not None or index_id not in existing:
            # Destroyed, or due to be: the client purges it whatever else happened.
            changes.append(Change(op="remove", index_id=index_id, reason=RemovalReason.RETENTION))
        else:
            reason = page.touched[index_id] or RemovalReason.LEFT_CASELOAD
            changes.append(Change(op="remove", index_id=index_id, reason=reason))
    return tuple(changes)


def _digest(
    session: Session, *, user_id: str, today: date, policy: RetentionPolicy
) -> CaseloadDigest:
    """The digest of the caseload as the client should now hold it.

    Read from the columns rather than through ``visible_record``, which keeps the index
    id and version of every record it filters; loading whole records here would double
    the cost of every final page.
    """
    rows = session.execute(
        select(ChildRow.index_id, ChildRow.version, ChildRow.date_of_birth).where(
            ChildRow.index_id.in_(caseload_query(user_id))
        )
    ).all()
    return caseload_digest(
        (index_id, version)
        for index_id, version, born in rows
        if not is_due_for_destruction(born, today, policy)
    )


# --- push -------------------------------------------------------------------------------


def push(
    session: Session, *, caller: Caller, batch: PushRequest, now: datetime, settings: Settings
) -> PushResponse:
    """Apply a pushed batch: every mutation, then every audit entry, in request order."""
    mutation_results = tuple(
        mutations.apply(session, caller=caller, mutation=mutation, now=now, settings=settings)
        for mutation in batch.mutations
    )
    audit_results = _accept_device_entries(session, caller=caller, entries=batch.audit, now=now)
    trail.record(
        session,
        AuditAction.SYNC_PUSH,
        now=now,
        actor_id=caller.user.id,
        device_id=caller.device_id,
        details={"mutations": _counts(mutation_results), "audit": _counts(audit_results)},
    )
    return PushResponse(mutations=mutation_results, audit=audit_results)


def _counts(results: Iterable[PushResult]) -> dict[str, int]:
    counted = Counter(result.status.value for result in results)
    return {status.value: counted[status.value] for status in PushStatus}


def _accept_device_entries(
    session: Session, *, caller: Caller, entries: Sequence[AuditEntry], now: datetime
) -> tuple[PushResult, ...]:
    """Append the device's audit entries to its chain, refusing any that do not fit.

    Each keeps the time the device wrote it (``at`` is part of its hash); ``now``, the
    index's time of the push, is stored as when it was received.

    Once one entry fails to extend the chain, every later new entry of the batch is
    refused too, so the client re-sends from the break in order.
    """
    if not entries:
        return ()
    chain = trail.device_chain(caller.device_id)
    # Locked before looking entries up, so a concurrent re-delivery of the same batch
    # waits and then finds these entries stored instead of a chain that moved on.
    head = trail.lock_head(session, chain)
    stored = _stored_hashes(session, [entry.id for entry in entries])
    results: list[PushResult] = []
    broken = False
    for entry in entries:
        if (
            entry.chain != chain
            or entry.device_id != caller.device_id
            or entry.actor_id != caller.user.id
        ):
            results.append(_refused(entry, "audit_not_yours", _NOT_YOURS))
        elif entry.id in stored:
            if stored[entry.id] == entry.hash:
                results.append(PushResult(id=entry.id, status=PushStatus.DUPLICATE))
            else:
                results.append(_refused(entry, "audit_id_reused", _ID_REUSED))
        elif (
            broken
            or entry.prev_hash != head.last_hash
            or compute_hash(entry.hashable()) != entry.hash
        ):
            broken = True
            results.append(_refused(entry, "audit_chain_broken", _CHAIN_BROKEN))
        else:
            trail.store(session, entry, head, received_at=now, flush=False)
            stored[entry.id] = entry.hash
            results.append(PushResult(id=entry.id, status=PushStatus.APPLIED))
    session.flush()
    return tuple(results)


def _stored_hashes(session: Session, ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for batch in _batches(sorted(set(ids))):
        rows = session.execute(select(AuditRow.id, AuditRow.hash).where(AuditRow.id.in_(batch)))
        found.update((entry_id, entry_hash) for entry_id, entry_hash in rows)
    return found


def _refused(entry: AuditEntry, code: str, message: str) -> PushResult:
    return PushResult(id=entry.id, status=PushStatus.REJECTED, error=code, message=message)


_NOT_YOURS = (
    "This audit entry was not written by you on this device, so it cannot be added to "
    "this device's audit trail."
)
_ID_REUSED = (
    "An audit entry with this id, but different content, is already on the index. "
    "The entry was not stored."
)
_CHAIN_BROKEN = (
    "This audit entry does not follow on from the last entry the index holds for this "
    "device (an earlier entry is missing or an entry was altered). Send the entries again "
    "in order from the first one refused."
)
