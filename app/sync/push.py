"""Pushing the outbox to the index, batch by batch (PRODUCT.md §6 "Push").

Each batch is the oldest pending items, mutations and audit entries in the order they
were made. The index applies each item exactly once by its id and answers per item:

* ``applied`` or ``duplicate`` — acknowledged, so the item leaves the outbox (all of a
  batch's acknowledgements in one cache transaction);
* ``conflict`` — the mutation moves to the conflicts table with the record as the index
  now has it, for the user to resolve;
* ``rejected`` — the item stays, marked with the index's code and message, for the user
  to read. Nothing is dropped silently.

An item is only ever removed after its acknowledgement has arrived, so a crash or a cut
connection at any point means the batch is sent again, and the index answers
``duplicate`` for what it already holds. If the index refuses a batch as too large, the
batch is halved and sent again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.domain.changes import (
    MAX_AUDIT_ENTRIES_PER_PUSH,
    MAX_MUTATIONS_PER_PUSH,
    PushRequest,
    PushResponse,
    PushResult,
    PushStatus,
)
from app.store.cache import Cache
from app.store.models import OutboxItem, OutboxKind
from app.sync.client import IndexClient
from app.sync.errors import SyncError

log = logging.getLogger(__name__)

#: Refusals that mean "this batch is too big": send half as many items.
_TOO_LARGE = frozenset({"batch_too_large", "payload_too_large"})
_UNEXPLAINED = "The index refused this item without giving a reason."


@dataclass
class PushSummary:
    """What one push run did."""

    sent: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    batches: int = 0
    cancelled: bool = False


def push_outbox(
    cache: Cache,
    client: IndexClient,
    *,
    batch_size: int,
    cancel: threading.Event,
    on_batch: Callable[[int, int], None] | None = None,
) -> PushSummary:
    """Push every pending item; ``on_batch(done, total)`` after each acknowledged batch.

    Stops between batches when ``cancel`` is set. Raises ``SyncError`` if the index
    cannot be reached or refuses a batch as a whole; what was acknowledged before that
    is already out of the outbox, and the rest is still in it.
    """
    summary = PushSummary()
    size = max(1, batch_size)
    total = cache.pending_count()
    settled: set[str] = set()
    while True:
        if cancel.is_set():
            summary.cancelled = True
            return summary
        items = _within_limits(cache.outbox_batch(size))
        if not items:
            return summary
        if any(item.item_id in settled for item in items):
            # An item settled earlier in this run is still pending: the cache did not
            # take the answer, and sending it again would only loop.
            log.error("outbox item still pending after the index answered it")
            raise SyncError("push_stuck")
        request = PushRequest(
            mutations=tuple(i.mutation for i in items if i.mutation is not None),
            audit=tuple(i.audit for i in items if i.audit is not None),
        )
        try:
            response = client.push(request)
        except SyncError as exc:
            if exc.code in _TOO_LARGE and len(items) > 1:
                size = max(1, len(items) // 2)
                log.info("push batch too large; retrying with %d items", size)
                continue
            cache.record_attempt([item.item_id for item in items], exc.code)
            raise
        _settle(cache, items, request, response, summary)
        settled.update(item.item_id for item in items)
        summary.batches += 1
        if on_batch is not None:
            on_batch(summary.sent, max(total, summary.sent))


def _within_limits(items: list[OutboxItem]) -> list[OutboxItem]:
    """The longest prefix of ``items`` that one push may carry."""
    mutations = audit = 0
    for position, item in enumerate(items):
        if item.kind is OutboxKind.MUTATION:
            mutations += 1
        else:
            audit += 1
        if mutations > MAX_MUTATIONS_PER_PUSH or audit > MAX_AUDIT_ENTRIES_PER_PUSH:
            return items[:position]
    return items


def _settle(
    cache: Cache,
    items: Sequence[OutboxItem],
    request: PushRequest,
    response: PushResponse,
    summary: PushSummary,
) -> None:
    """Apply the index's per-item answers to the outbox."""
    results = _matched(request, response)
    kinds = {item.item_id: item.kind for item in items}
    acknowledged = [r.id for r in results if r.status.acknowledged]
    cache.acknowledge(acknowledged)
    for result in results:
        if result.status is PushStatus.CONFLICT and kinds[result.id] is OutboxKind.MUTATION:
            cache.move_to_conflicts(result.id, result.current)
            summary.conflicts += 1
        elif not result.status.acknowledged:
            cache.mark_rejected(
                result.id, result.error or "rejected", result.message or _UNEXPLAINED
            )
            summary.rejected += 1
            log.info("outbox item %s refused by the index: %s", result.id, result.error)
    summary.sent += len(results)
    summary.applied += sum(r.status is PushStatus.APPLIED for r in results)
    summary.duplicates += sum(r.status is PushStatus.DUPLICATE for r in results)


def _matched(request: PushRequest, response: PushResponse) -> list[PushResult]:
    """The results, checked to answer exactly the items sent, in order."""
    sent = [m.id for m in request.mutations], [a.id for a in request.audit]
    answered = [r.id for r in response.mutations], [r.id for r in response.audit]
    if sent != answered:
        log.warning("push answer does not match the batch sent")
        raise SyncError("bad_response")
    return [*response.mutations, *response.audit]
