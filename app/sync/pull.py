"""Pulling caseload changes from the index, page by page (PRODUCT.md §6 "Pull").

**Incremental** (and the very first sync): each page is stored together with the cursor
that follows it, in one cache transaction (``Cache.store_page``), so an interrupted pull
resumes after the last page stored and never leaves half of one.

**Full resync** — when the index says the cursor has expired (``cursor_expired``), or
when the caseload digest shows the cache has drifted: the whole caseload is fetched from
a snapshot, then swapped in with ``Cache.replace_all`` in one transaction, which keeps
every unpushed outbox item and the records they change. Until that transaction, the
cache is untouched: a cancelled or failed resync leaves the old copy in place.

The index sends its caseload digest on the last page of a pull; :func:`pull_changes`
hands it back so the engine can compare it with the cache's own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.domain.changes import CaseloadDigest, ChangesPage
from app.domain.records import ChildRecord
from app.store.cache import Cache
from app.sync.client import IndexClient
from app.sync.errors import SyncError

log = logging.getLogger(__name__)


@dataclass
class PullSummary:
    """What one pull did."""

    pages: int = 0
    upserted: int = 0
    removed: int = 0
    resynced: bool = False
    cancelled: bool = False
    #: The digest from the last page, once the pull has reached the end.
    digest: CaseloadDigest | None = None


@dataclass(frozen=True)
class PullOptions:
    """How to pull, and whom to tell."""

    page_size: int | None
    cancel: threading.Event
    clock: Callable[[], datetime]
    #: Called with ``("pull" or "resync", records so far)`` after each page.
    on_page: Callable[[Literal["pull", "resync"], int], None] | None = None


def pull_changes(cache: Cache, client: IndexClient, options: PullOptions) -> PullSummary:
    """Pull from the cache's cursor to the end; fall back to a full resync when told to."""
    cursor = cache.cursor()
    if cursor is None and cache.digest().count:
        # Records without a cursor can only come from outside a pull; trust none of them.
        log.warning("cache holds records but no cursor: full resync")
        return full_resync(cache, client, options)
    summary = PullSummary()
    while True:
        if options.cancel.is_set():
            summary.cancelled = True
            return summary
        try:
            page = client.changes(cursor, limit=options.page_size)
        except SyncError as exc:
            if exc.code != "cursor_expired":
                raise
            log.info("sync cursor expired: full resync")
            return full_resync(cache, client, options)
        stored = cache.store_page(page, now=options.clock())
        cursor = page.cursor
        summary.pages += 1
        summary.upserted += len(stored.upserted)
        summary.removed += len(stored.removed)
        if options.on_page is not None:
            options.on_page("pull", summary.upserted + summary.removed)
        if not page.has_more:
            summary.digest = page.digest
            return summary


def full_resync(cache: Cache, client: IndexClient, options: PullOptions) -> PullSummary:
    """Fetch the whole caseload from a snapshot and replace the cached copy with it.

    A snapshot whose own cursor expires part-way (what the user may see changed while it
    was being paged) is started again once.
    """
    summary = PullSummary(resynced=True)
    try:
        fetched = _fetch_snapshot(client, options, summary)
    except SyncError as exc:
        if exc.code != "cursor_expired":
            raise
        log.info("cursor expired during a full resync: starting it again")
        summary = PullSummary(resynced=True)
        fetched = _fetch_snapshot(client, options, summary)
    if fetched is None:
        summary.cancelled = True
        return summary
    records, cursor, digest = fetched
    stored = cache.replace_all(records.values(), cursor, now=options.clock())
    summary.upserted = len(stored.upserted)
    summary.removed = len(stored.removed)
    summary.digest = digest
    log.info("full resync stored %d records", len(records))
    return summary


def _fetch_snapshot(
    client: IndexClient, options: PullOptions, summary: PullSummary
) -> tuple[dict[str, ChildRecord], str, CaseloadDigest | None] | None:
    """Every record of the caseload as of the end of the snapshot; ``None`` if cancelled."""
    records: dict[str, ChildRecord] = {}
    since: str | None = None
    while True:
        if options.cancel.is_set():
            return None
        page = client.changes(since, limit=options.page_size)
        _fold(records, page)
        since = page.cursor
        summary.pages += 1
        if options.on_page is not None:
            options.on_page("resync", len(records))
        if not page.has_more:
            return records, since, page.digest


def _fold(records: dict[str, ChildRecord], page: ChangesPage) -> None:
    """Apply a page to the records collected so far, in page order."""
    for change in page.changes:
        if change.op == "remove":
            records.pop(change.index_id, None)
            continue
        if change.record is None or change.record.index_id != change.index_id:
            log.warning("snapshot page has an upsert without its record")
            raise SyncError("bad_response")
        records[change.index_id] = change.record
