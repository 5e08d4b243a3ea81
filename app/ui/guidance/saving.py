"""Saving a decision: one local change, written with its outbox item and audit entry.

Golden rule 7's record goes where every change goes (PRODUCT.md §6): the cache applies
the ``RecordDecision`` mutation to the cached record, queues it in the outbox and appends
the local audit entry, all in one transaction (``Cache.apply_local_change``); the next
sync pushes it, and the index applies it exactly once and audits it again.

:func:`save_decision` is plain Python, run on the cache worker. :class:`DecisionSaver`
is what the decision dialogs are given: where to save (the cache, whose record, as whom)
and the worker to save through, so a dialog never holds the cache itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from PySide6.QtCore import QObject

from app.domain.changes import Mutation, RecordDecision
from app.domain.records import ChildRecord
from app.domain.roles import User
from app.store.cache import Cache
from app.ui.tasks import CacheWorker, Task


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_client_id() -> str:
    """A fresh client-generated id for a decision or a mutation."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class SavedDecision:
    """A decision saved in the cache: the queued mutation and the record as the user sees it."""

    mutation: Mutation
    record: ChildRecord

    @property
    def payload(self) -> RecordDecision:
        """The decision as it was queued."""
        payload = self.mutation.payload
        assert isinstance(payload, RecordDecision)
        return payload


def save_decision(
    cache: Cache, *, child_id: str, payload: RecordDecision, actor: User, now: datetime
) -> SavedDecision:
    """Apply the decision to the cached record, queue it and audit it, in one transaction."""
    mutation = Mutation(id=new_client_id(), child_id=child_id, created_at=now, payload=payload)
    record = cache.apply_local_change(mutation, actor=actor, now=now)
    return SavedDecision(mutation=mutation, record=record)


class DecisionSaver:
    """Where a dialog's decision goes, and the worker that takes it there."""

    def __init__(
        self,
        worker: CacheWorker,
        cache: Cache,
        *,
        actor: User,
        child_id: str,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.worker = worker
        self.actor = actor
        self.child_id = child_id
        self._cache = cache
        self._clock = clock

    def today(self) -> date:
        """Today where the practitioner is (review dates are their calendar's)."""
        return self._clock().astimezone().date()

    def save(self, payload: RecordDecision, *, owner: QObject) -> Task[SavedDecision]:
        """A task (not yet started) that saves ``payload`` on the worker."""
        cache, child_id, actor, clock = self._cache, self.child_id, self.actor, self._clock
        return self.worker.task(
            lambda: save_decision(
                cache, child_id=child_id, payload=payload, actor=actor, now=clock()
            ),
            owner=owner,
        )
