"""Seeding an index with demo data (``python -m server seed-demo``), idempotently.

Creates the demo users and the showcase children of PRODUCT.md §8, then ``children``
synthetic children. Seeding again with the same seed changes nothing: users are matched
by username and children by index id, which the seed determines, and whatever already
exists is skipped. Synthetic children are written in batches, each its own transaction,
so an interrupted seed can simply be run again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.audit import AuditAction
from app.domain.records import ChildRecord
from server.audit import trail
from server.children.models import ChildRow
from server.children.repository import insert_child
from server.db import transaction, utcnow
from server.demo.showcase import showcase_children
from server.demo.staff import Cast
from server.demo.synthetic import synthetic_children
from server.demo.users import ensure_demo_users

#: Children written per transaction.
BATCH_SIZE = 1000
#: Keys per ``IN (…)`` list, well inside every backend's parameter limit.
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class SeedReport:
    """What a seed run created and what it found already there."""

    users_created: int
    users_existing: int
    children_created: int
    children_existing: int
    #: Index ids of the showcase children by lower-case first name (amelia, leo, ruby, noah).
    showcase: dict[str, str] = field(default_factory=dict)


def seed_demo(
    session_factory: sessionmaker[Session],
    *,
    children: int,
    seed: int,
    today: date,
    now: datetime | None = None,
) -> SeedReport:
    """Create the demo users, the showcase children and ``children`` synthetic children.

    ``now`` stamps the records and the audit entry of the seeding (the real time if not
    given: seeding is a job run from the command line).
    """
    if children < 0:
        raise ValueError("the number of children cannot be negative")
    now = now or utcnow()
    taken_nhs: set[str] = set()
    with transaction(session_factory) as session:
        users, users_created = ensure_demo_users(session, today=today)
        cast = Cast.from_users(users, seed=seed)
        showcase = showcase_children(cast=cast, today=today, taken_nhs=taken_nhs)
        created, existing = _insert_new(session, list(showcase.values()), now=now)
    records = synthetic_children(
        count=children, seed=seed, today=today, cast=cast, taken_nhs=taken_nhs
    )
    while batch := list(itertools.islice(records, BATCH_SIZE)):
        with transaction(session_factory) as session:
            batch_created, batch_existing = _insert_new(session, batch, now=now)
        created += batch_created
        existing += batch_existing
    report = SeedReport(
        users_created=users_created,
        users_existing=len(users) - users_created,
        children_created=created,
        children_existing=existing,
        showcase={name: record.index_id for name, record in showcase.items()},
    )
    with transaction(session_factory) as session:
        trail.record(
            session,
            AuditAction.ADMIN,
            now=now,
            actor_id=None,
            details={
                "operation": "seed_demo",
                "seed": seed,
                "users_created": report.users_created,
                "children_created": report.children_created,
            },
        )
    return report


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    return (values[i : i + _LOOKUP_CHUNK] for i in range(0, len(values), _LOOKUP_CHUNK))


def _insert_new(
    session: Session, records: Sequence[ChildRecord], *, now: datetime
) -> tuple[int, int]:
    """Insert the records not already present; return (created, already there)."""
    ids = [r.index_id for r in records]
    present: set[str] = set()
    for chunk in _chunks(ids):
        present.update(
            session.scalars(select(ChildRow.index_id).where(ChildRow.index_id.in_(chunk)))
        )
    numbers = [r.nhs_number for r in records if r.nhs_number and r.index_id not in present]
    # Only a run with another --seed (or on another day) can have used one already.
    used: set[str] = set()
    for chunk in _chunks(numbers):
        used.update(
            n
            for n in session.scalars(
                select(ChildRow.nhs_number).where(ChildRow.nhs_number.in_(chunk))
            )
            if n
        )
    created = 0
    for record in records:
        if record.index_id in present:
            continue
        if record.nhs_number in used:
            record = record.model_copy(update={"nhs_number": None})  # noqa: PLW2901
        insert_child(session, record, now=now)
        created += 1
    return created, len(present)
