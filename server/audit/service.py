"""Reading the audit trail: chain verification, per-user and per-child views, spot checks.

Verification (PRODUCT.md §5) walks a chain in position order and names the first link
that does not hold. ``app.domain.audit.verify_chain`` judges each entry's hashes; this
module adds what only the table can show: a gap in positions (an entry deleted from the
middle), a chain head that records more entries than are stored (entries deleted from
the end), and entries whose table order disagrees with their chain order (reordering).

On PostgreSQL a request reads in READ COMMITTED, so another request may append while a
chain is being verified. The head is therefore read before the entries (everything it
counts must be present) and again after them (everything present must be counted), and
entries appended in between are not mistaken for tampering.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Select, and_, func, or_, select, union
from sqlalchemy.orm import Session

from app.domain.audit import GENESIS_HASH, AuditAction, verify_chain
from server.audit.models import AuditRow, ChainHeadRow
from server.audit.schemas import (
    ActorOut,
    ChainBreakOut,
    ChainList,
    ChainSummary,
    ChildActivity,
    EntryOut,
    SpotCheck,
    UserActivity,
    VerifyReport,
    VerifyResult,
)
from server.audit.trail import INDEX_CHAIN, row_to_entry
from server.auth.models import UserRow
from server.errors import ApiError

#: What counts as "an access" for spot checks: looking at or taking away children's data.
ACCESS_ACTIONS = frozenset(
    {AuditAction.SEARCH, AuditAction.OPEN, AuditAction.EXPORT, AuditAction.PRINT}
)
#: The audited work happens in the UK: "a day" and "out of hours" are local there.
UK = ZoneInfo("Europe/London")
#: Spot-check window when none is given.
DEFAULT_SPOT_CHECK_DAYS = 30

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: Rows fetched per round trip while walking a chain.
_BATCH = 1000


# --- chain verification ---------------------------------------------------------------


@dataclass(frozen=True)
class _Head:
    last_pos: int
    last_hash: str


def _head(session: Session, chain: str) -> _Head | None:
    # Column select, not ``session.get``: it must see rows committed since the last read.
    row = session.execute(
        select(ChainHeadRow.last_pos, ChainHeadRow.last_hash).where(ChainHeadRow.chain == chain)
    ).first()
    return None if row is None else _Head(last_pos=row.last_pos, last_hash=row.last_hash)


def _break(position: int, entry_id: str | None, problem: str) -> ChainBreakOut:
    return ChainBreakOut(position=position, entry_id=entry_id, problem=problem)


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"the entry at position {first} is missing"
    return f"the entries at positions {first}–{last} are missing"


def _link_problem(session: Session, chain: str, row: AuditRow) -> str:
    """Explain a ``prev_hash`` that does not match the entry before it."""
    chained_after = session.execute(
        select(AuditRow.chain_pos).where(AuditRow.chain == chain, AuditRow.hash == row.prev_hash)
    ).first()
    if chained_after is not None:
        return (
            f"out of order: this entry was written after the entry at position "
            f"{chained_after.chain_pos} but stands at position {row.chain_pos}; "
            "entries were reordered"
        )
    if row.prev_hash == GENESIS_HASH:
        return (
            f"this entry claims to start the chain but stands at position {row.chain_pos}; "
            "entries were inserted or reordered"
        )
    if row.chain_pos == 1:
        return "the first entry does not start the chain: entries before it were removed"
    return (
        f"the entry at position {row.chain_pos - 1} is not the one this entry was chained "
        "to: it was altered and re-hashed, replaced, or the entry between them was removed"
    )


@dataclass
class _Walk:
    """How far a chain verified: its first break, or where its intact part ends."""

    first_break: ChainBreakOut | None = None
    last_pos: int = 0
    last_hash: str = GENESIS_HASH
    last_id: str | None = None
    #: ``(position, id)`` of the newest entries seen, for the head check.
    tail: list[tuple[int, str]] = field(default_factory=list)


def _row_problem(
    session: Session, chain: str, row: AuditRow, walk: _Walk, previous_seq: int | None
) -> str | None:
    """What is wrong with ``row`` as the entry after ``walk``'s intact part, if anything."""
    expected_pos = walk.last_pos + 1
    if row.chain_pos > expected_pos:
        return f"{_missing(expected_pos, row.chain_pos - 1)} before this one: deleted"
    if row.chain_pos < expected_pos:
        return f"{row.chain_pos} is not a valid chain position: the entry was moved"
    if previous_seq is not None and row.seq < previous_seq:
        return (
            f"out of order: this entry was stored before the entry at position "
            f"{row.chain_pos - 1} but stands after it; entries were reordered"
        )
    try:
        entry = row_to_entry(row)
    except (ValidationError, ValueError):
        return "the stored fields are not a valid audit entry: this entry was altered"
    broken = verify_chain([entry], start_hash=walk.last_hash)
    if broken is None:
        return None
    if entry.prev_hash != walk.last_hash:
        return _link_problem(session, chain, row)
    return broken.problem


def _walk(session: Session, chain: str, rows: Iterable[AuditRow]) -> _Walk:
    """Check every stored entry in chain order; stop at the first broken link."""
    walk = _Walk()
    previous_seq: int | None = None
    for row in rows:
        problem = _row_problem(session, chain, row, walk, previous_seq)
        if problem is not None:
            walk.first_break = _break(row.chain_pos, row.id, problem)
            return walk
        walk.last_pos, walk.last_hash, walk.last_id = row.chain_pos, row.hash, row.id
        previous_seq = row.seq
        walk.tail.append((row.chain_pos, row.id))
        if len(walk.tail) > 2 * _BATCH:
            # Only the newest entries can matter to the head check; keep memory flat.
            del walk.tail[:_BATCH]
    return walk


def _head_problem(walk: _Walk, before: _Head | None, after: _Head | None) -> ChainBreakOut | None:
    """Compare the stored chain's end with what its head row says it should be."""
    last_pos, last_hash = walk.last_pos, walk.last_hash
    if before is None and after is None:
        return _break(
            last_pos + 1,
            None,
            "the chain's head record is missing, so entries deleted from its end cannot be "
            "ruled out",
        )
    if before is not None and last_pos < before.last_pos:
        return _break(
            last_pos + 1,
            None,
            f"{_missing(last_pos + 1, before.last_pos)}: the chain head records "
            f"{before.last_pos} entries, so the newest were deleted",
        )
    if after is not None and last_pos > after.last_pos:
        beyond = next((entry for entry in walk.tail if entry[0] > after.last_pos), None)
        position, entry_id = beyond if beyond is not None else (after.last_pos + 1, None)
        return _break(
            position,
            entry_id,
            f"this entry lies beyond the chain head (position {after.last_pos}): it was "
            "added to the table without being appended to the chain",
        )
    for head in (before, after):
        if head is not None and head.last_pos == last_pos and head.last_hash != last_hash:
            return _break(
                last_pos,
                walk.last_id,
                "this is the newest entry, but the chain head recorded a different hash "
                "for it: it was replaced",
            )
    return None


def verify(session: Session, *, chain: str) -> VerifyResult:
    """Verify one chain; name its first broken link. Unknown chains are ``not_found``."""
    before = _head(session, chain)
    entries = (
        session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.chain == chain))
        or 0
    )
    if before is None and entries == 0:
        raise ApiError("not_found", f"There is no audit chain called {chain!r}.")
    rows = session.scalars(
        select(AuditRow)
        .where(AuditRow.chain == chain)
        .order_by(AuditRow.chain_pos)
        .execution_options(yield_per=_BATCH, populate_existing=True)
    )
    walk = _walk(session, chain, rows)
    rows.close()
    first_break = walk.first_break or _head_problem(walk, before, _head(session, chain))
    return VerifyResult(
        chain=chain, entries=entries, ok=first_break is None, first_break=first_break
    )


def chain_names(session: Session) -> list[str]:
    """Every chain with a head or an entry; the index's own chain first."""
    names = session.scalars(
        union(select(ChainHeadRow.chain), select(AuditRow.chain).distinct())
    ).all()
    return sorted(set(names), key=lambda name: (name != INDEX_CHAIN, name))


def verify_all(session: Session) -> VerifyReport:
    """Verify every chain."""
    results = [verify(session, chain=name) for name in chain_names(session)]
    return VerifyReport(ok=all(r.ok for r in results), chains=results)


def chains(session: Session) -> ChainList:
    """Every chain with its length and the time of its newest entry."""
    stats = {
        row.chain: row
        for row in session.execute(
            select(
                AuditRow.chain,
                func.count().label("entries"),
                func.max(AuditRow.chain_pos).label("last_position"),
                func.max(AuditRow.at).label("last_at"),
            ).group_by(AuditRow.chain)
        )
    }
    summaries = []
    for name in chain_names(session):
        stat = stats.get(name)
        summaries.append(
            ChainSummary(
                chain=name,
                entries=stat.entries if stat else 0,
                last_position=stat.last_position if stat else 0,
                last_at=stat.last_at if stat else None,
            )
        )
    return ChainList(chains=summaries)


# --- views ----------------------------------------------------------------------------


def encode_cursor(row: AuditRow) -> str:
    """A page cursor: the entry's time in microseconds since 1970 and its ``seq``."""
    return f"{(row.at - _EPOCH) // _MICROSECOND}-{row.seq}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The ``(at, seq)`` a cursor from ``encode_cursor`` stands for."""
    micros, _, seq = cursor.partition("-")
    if not (micros.isdigit() and seq.isdigit()):
        raise ApiError(
            "invalid_request",
            "before: use the next_before value of the previous page.",
            status=422,
            field="before",
        )
    return _EPOCH + int(micros) * _MICROSECOND, int(seq)


def _actor(row: UserRow) -> ActorOut:
    return ActorOut(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        roles=[r for r in row.roles.split(",") if r],
        suspended=row.suspended,
    )


def _user(session: Session, user_id: str) -> UserRow:
    row = session.get(UserRow, user_id)
    if row is None:
        raise ApiError("not_found", "There is no user with that id.")
    return row


def _entries_out(session: Session, rows: Sequence[AuditRow]) -> list[EntryOut]:
    actor_ids = {r.actor_id for r in rows if r.actor_id}
    # ``.all()``: a Result has ``keys()``, so ``dict()`` would take it for a mapping.
    usernames = dict(
        session.execute(select(UserRow.id, UserRow.username).where(UserRow.id.in_(actor_ids))).all()
    )
    return [
        EntryOut(
            seq=r.seq,
            id=r.id,
            chain=r.chain,
            chain_pos=r.chain_pos,
            at=r.at,
            action=r.action,
            actor_id=r.actor_id,
            actor_username=usernames.get(r.actor_id) if r.actor_id else None,
            on_behalf_of=r.on_behalf_of,
            device_id=r.device_id,
            child_id=r.child_id,
            reason_code=r.reason_code,
            reason_text=r.reason_text,
            details=dict(r.details or {}),
        )
        for r in rows
    ]


def _page(
    session: Session, query: Select[AuditRow], *, limit: int, before: str | None
) -> tuple[list[AuditRow], str | None]:
    """Newest first by time (then by order stored), ``limit`` at a time."""
    if before is not None:
        at, seq = decode_cursor(before)
        query = query.where(or_(AuditRow.at < at, and_(AuditRow.at == at, AuditRow.seq < seq)))
    rows = list(
        session.scalars(query.order_by(AuditRow.at.desc(), AuditRow.seq.desc()).limit(limit + 1))
    )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1])


def user_activity(
    session: Session, *, user_id: str, limit: int, before: str | None = None
) -> UserActivity:
    """Everything a user did, or had done on their behalf (mediated access), newest first."""
    user = _user(session, user_id)
    query = select(AuditRow).where(
        or_(AuditRow.actor_id == user_id, AuditRow.on_behalf_of == user_id)
    )
    rows, next_before = _page(session, query, limit=limit, before=before)
    return UserActivity(
        user=_actor(user), entries=_entries_out(session, rows), next_before=next_before
    )


def child_activity(
    session: Session, *, child_id: str, limit: int, before: str | None = None
) -> ChildActivity:
    """Everyone who opened a child's record and why, and every change to it, newest first.

    Works for a record that no longer exists (destroyed at 19): its trail outlives it.
    """
    query = select(AuditRow).where(AuditRow.child_id == child_id)
    rows, next_before = _page(session, query, limit=limit, before=before)
    return ChildActivity(
        child_id=child_id, entries=_entries_out(session, rows), next_before=next_before
    )


def as_utc(value: datetime) -> datetime:
    """An aware UTC time; one given without a zone is taken as UK local time."""
    return (value.replace(tzinfo=UK) if value.tzinfo is None else value).astimezone(UTC)


def check_window(since: datetime, until: datetime) -> None:
    """Refuse a window that ends before it starts."""
    if since >= until:
        raise ApiError(
            "invalid_request", "since: must be earlier than until.", status=422, field="since"
        )


def spot_check(
    session: Session, *, user_id: str, n: int, since: datetime, until: datetime
) -> SpotCheck:
    """A random sample of at most ``n`` of a user's accesses in ``[since, until)``.

    Drawn with the operating system's randomness, so neither the user nor the person
    running the check can predict or steer which accesses are reviewed.
    """
    check_window(since, until)
    user = _user(session, user_id)
    population = list(
        session.scalars(
            select(AuditRow.seq).where(
                AuditRow.actor_id == user_id,
                AuditRow.action.in_([a.value for a in ACCESS_ACTIONS]),
                AuditRow.at >= since,
                AuditRow.at < until,
            )
        )
    )
    chosen = secrets.SystemRandom().sample(population, min(n, len(population)))
    rows = (
        list(
            session.scalars(
                select(AuditRow).where(AuditRow.seq.in_(chosen)).order_by(AuditRow.at, AuditRow.seq)
            )
        )
        if chosen
        else []
    )
    return SpotCheck(
        user=_actor(user),
        since=since,
        until=until,
        population=len(population),
        sample=_entries_out(session, rows),
    )
