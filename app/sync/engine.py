"""The sync engine the desktop client drives from its cache worker (PRODUCT.md §6 "Sync").

:meth:`SyncEngine.sync_now` pushes the outbox, then pulls what changed, then checks the
caseload digest the index sent against the cache's own — resyncing in full, once, if
they differ. Everything runs on the calling thread, which must be the thread that opened
the cache (the client's single cache worker); the UI watches through callbacks and
:meth:`SyncEngine.status`, and stops a sync with :meth:`SyncEngine.cancel`. Both of those
are safe from any thread.

* **Progress**: ``on_progress(Progress)`` after every pushed batch and pulled page.
* **Status**: ``on_status(SyncStatus)`` whenever the state (online, offline, syncing,
  error), the pending count or the last success changes.
* **Cancellation** is checked between batches and pages. The cache's writes are each one
  transaction, so a cancelled sync leaves whole pages and whole batches, never half of
  one; the next sync carries on from there.
* **Revocation**: when the index answers ``device_revoked`` or ``account_suspended``, the
  cache is destroyed at once (key material first) and the engine refuses further work.
* **Contact**: every sync that reached the index renews the offline lease
  (``Cache.record_contact``) with the device policy from the latest sign-in. A sync that
  cannot reach the index checks the wipe limit, and destroys the cache past it.

Failures are raised as :class:`~app.domain.errors.DomainError` (``SyncError`` from the
network side, ``StoreError`` from the cache) after the status has been updated; the
offline copy and the outbox keep everything they had.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, TypedDict

from app.domain.errors import DomainError
from app.domain.session import SignedIn
from app.store.cache import Cache
from app.sync.client import IndexClient
from app.sync.errors import SyncError
from app.sync.pull import PullOptions, PullSummary, full_resync, pull_changes
from app.sync.push import PushSummary, push_outbox

log = logging.getLogger(__name__)

#: Outbox items per push; the index accepts up to 500 mutations and 2,000 audit entries.
DEFAULT_PUSH_BATCH = 500
#: Days the device keeps audit entries the index already holds (for "my access log");
#: the index keeps the authoritative copy, so older pushed entries are pruned.
LOCAL_AUDIT_DAYS = 90
#: Codes that mean the index could not be reached at all.
_UNREACHABLE = frozenset({"offline"})


def _utcnow() -> datetime:
    return datetime.now(UTC)


#: Which part of a sync is running: pushing, pulling, or fetching a full resync.
Phase = Literal["push", "pull", "resync"]


class SyncState(StrEnum):
    """What the sync indicator shows."""

    ONLINE = "online"
    OFFLINE = "offline"
    SYNCING = "syncing"
    ERROR = "error"


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot of the engine's state, for the status bar."""

    state: SyncState
    #: Outbox items waiting to be pushed.
    pending: int = 0
    #: Items the index refused, kept for the user to read.
    rejected: int = 0
    #: Conflicts waiting for the user to resolve.
    conflicts: int = 0
    last_success: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class Progress:
    """How far the current sync has got. ``total`` is unknown while pulling."""

    phase: Phase
    done: int
    total: int | None = None


@dataclass(frozen=True)
class SyncReport:
    """What a sync did: counts only, never anything about a child."""

    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pages: int = 0
    upserted: int = 0
    removed: int = 0
    resynced: bool = False
    #: True once the cache was found to match the index's caseload digest.
    digest_matched: bool = False
    cancelled: bool = False


class SyncEngine:
    """Push, pull and reconcile one profile's cache with the index.

    Build it, and call everything but :meth:`status` and :meth:`cancel`, on the thread
    that opened ``cache``.
    """

    def __init__(
        self,
        cache: Cache,
        client: IndexClient,
        *,
        push_batch: int = DEFAULT_PUSH_BATCH,
        page_size: int | None = None,
        clock: Callable[[], datetime] = _utcnow,
        on_progress: Callable[[Progress], None] | None = None,
        on_status: Callable[[SyncStatus], None] | None = None,
        local_audit_days: int = LOCAL_AUDIT_DAYS,
    ) -> None:
        self._cache = cache
        self._local_audit_days = local_audit_days
        self._client = client
        self._push_batch = push_batch
        self._page_size = page_size
        self._clock = clock
        self._on_progress = on_progress
        self._on_status = on_status
        self._cancel = threading.Event()
        #: The event the running sync checks, when its caller passed one.
        self._running_cancel: threading.Event | None = None
        self._lock = threading.Lock()
        #: Set once the cache has been destroyed; every later call raises it again.
        self._gone: SyncError | None = None
        self._status = SyncStatus(state=SyncState.OFFLINE, last_success=cache.last_sync())
        self._status = replace(self._status, **self._counts())

    # -- what the UI may call from any thread -----------------------------------------------

    def status(self) -> SyncStatus:
        """The current status (safe from any thread)."""
        with self._lock:
            return self._status

    def cancel(self) -> None:
        """Ask the running sync to stop after the current batch or page (any thread)."""
        self._cancel.set()
        running = self._running_cancel
        if running is not None:
            running.set()

    @property
    def cache_destroyed(self) -> bool:
        """True once the offline copy has been wiped (revocation or the wipe limit)."""
        return self._gone is not None

    # -- signing in ---------------------------------------------------------------------------

    def sign_in(self, password: str, *, device_name: str = "") -> SignedIn:
        """Sign in as the profile's user on the profile's device, and note the contact."""
        self._check_usable()
        profile = self._cache.profile
        try:
            signed_in = self._client.login(
                username=profile.username,
                password=password,
                device_id=profile.device_id,
                device_name=device_name,
            )
            self._check_account(signed_in)
        except DomainError as exc:
            raise self._failed(exc, contacted=False) from None
        self._note_contact(signed_in)
        self._update(state=SyncState.ONLINE, error_code=None, error_message=None)
        return signed_in

    # -- syncing ------------------------------------------------------------------------------

    def sync_now(self, cancel: threading.Event | None = None) -> SyncReport:
        """Push the outbox, pull changes, and check the digest; see the module docstring.

        The sync stops early when ``cancel`` is set, or :meth:`cancel` is called.
        """
        return self._run(push=True, pull=True, cancel=cancel)

    def push_now(self, cancel: threading.Event | None = None) -> SyncReport:
        """Only push the outbox (after a local change, say)."""
        return self._run(push=True, pull=False, cancel=cancel)

    def pull_now(self, cancel: threading.Event | None = None) -> SyncReport:
        """Only pull changes and check the digest."""
        return self._run(push=False, pull=True, cancel=cancel)

    def refresh_status(self) -> SyncStatus:
        """Re-read the pending, rejected and conflict counts from the cache."""
        self._check_usable()
        self._update(**self._counts())
        return self.status()

    def _run(self, *, push: bool, pull: bool, cancel: threading.Event | None) -> SyncReport:
        self._check_usable()
        if cancel is None:
            self._cancel.clear()
            cancel = self._cancel
        self._running_cancel = cancel
        try:
            return self._run_with(push=push, pull=pull, cancel=cancel)
        finally:
            self._running_cancel = None

    def _run_with(self, *, push: bool, pull: bool, cancel: threading.Event) -> SyncReport:
        before = self.status()
        self._update(state=SyncState.SYNCING, error_code=None, error_message=None)
        contact = _Contact()
        try:
            signed_in = self._signed_in()
            report = self._sync(push=push, pull=pull, cancel=cancel, contact=contact)
        except DomainError as exc:
            raise self._failed(exc, contacted=contact.made) from None
        except BaseException:
            # A bug, not trouble: the status says so and the crash handler shows it.
            self._update(
                state=SyncState.ERROR,
                error_code="internal_error",
                error_message="Sync stopped because of an error in Everychild.",
            )
            raise
        if report.cancelled:
            log.info("sync cancelled")
        if not contact.made:
            # Nothing was sent (cancelled at once, or nothing to push): nothing learnt
            # about the index either, so the state stays what it was.
            self._update(
                state=before.state,
                error_code=before.error_code,
                error_message=before.error_message,
                **self._counts(),
            )
            return report
        self._note_contact(signed_in)
        if report.cancelled:
            self._update(state=SyncState.ONLINE, **self._counts())
        else:
            finished = self._clock()
            self._cache.record_sync_success(finished)
            self._cache.prune_pushed_audit(self._local_audit_days, now=finished)
            self._update(state=SyncState.ONLINE, last_success=finished, **self._counts())
        return report

    def _sync(
        self, *, push: bool, pull: bool, cancel: threading.Event, contact: _Contact
    ) -> SyncReport:
        pushed = PushSummary()
        if push:
            pushed = push_outbox(
                self._cache,
                self._client,
                batch_size=self._push_batch,
                cancel=cancel,
                on_batch=lambda done, total: self._progress(contact, "push", done, total),
            )
        report = SyncReport(
            pushed=pushed.sent,
            applied=pushed.applied,
            duplicates=pushed.duplicates,
            conflicts=pushed.conflicts,
            rejected=pushed.rejected,
            cancelled=pushed.cancelled,
        )
        if not pull or report.cancelled:
            return report
        options = PullOptions(
            page_size=self._page_size,
            cancel=cancel,
            clock=self._clock,
            on_page=lambda phase, done: self._progress(contact, phase, done, None),
        )
        pulled = pull_changes(self._cache, self._client, options)
        report = _with_pull(report, pulled)
        if pulled.cancelled or pulled.digest is None:
            return report
        if self._cache.digest() == pulled.digest:
            return replace(report, digest_matched=True)
        log.warning(
            "caseload digest differs (index %d records, cache %d): full resync",
            pulled.digest.count,
            self._cache.digest().count,
        )
        resynced = full_resync(self._cache, self._client, options)
        report = _with_pull(report, resynced)
        if resynced.cancelled or resynced.digest is None:
            return report
        if self._cache.digest() != resynced.digest:
            log.error("caseload digest still differs after a full resync")
            raise SyncError("digest_mismatch")
        return replace(report, digest_matched=True)

    # -- bookkeeping ----------------------------------------------------------------------------

    def _progress(self, contact: _Contact, phase: Phase, done: int, total: int | None) -> None:
        contact.made = True
        if self._on_progress is not None:
            self._on_progress(Progress(phase=phase, done=done, total=total))

    def _signed_in(self) -> SignedIn:
        signed_in = self._client.signed_in
        if signed_in is None:
            raise SyncError("not_signed_in")
        self._check_account(signed_in)
        return signed_in

    def _check_account(self, signed_in: SignedIn) -> None:
        expected = self._cache.profile.user_id
        if expected is not None and signed_in.user.id != expected:
            log.warning(
                "signed in as user %s but profile %s belongs to user %s",
                signed_in.user.id,
                self._cache.profile.profile_id,
                expected,
            )
            raise SyncError("wrong_account")

    def _note_contact(self, signed_in: SignedIn) -> None:
        # The latest answer carries the newest policy (a refresh may have changed it).
        latest = self._client.signed_in or signed_in
        self._cache.record_contact(
            self._clock(), latest.policy, reception_desk=latest.user.reception_desk
        )

    def _failed(self, exc: DomainError, *, contacted: bool) -> DomainError:
        """Update the status after a failure; return what to raise."""
        if isinstance(exc, SyncError) and exc.revoked:
            log.warning(
                "index says %s: destroying the cache of profile %s",
                exc.code,
                self._cache.profile.profile_id,
            )
            self._cache.destroy()
            self._gone = exc
            self._update(state=SyncState.ERROR, error_code=exc.code, error_message=exc.message)
            return exc
        if contacted:
            try:
                self._note_contact(self._signed_in())
            except DomainError as ignored:
                log.info("could not note the contact: %s", ignored.code)
        unreachable = exc.code in _UNREACHABLE
        if unreachable and not contacted and self._cache.check_wipe(self._clock()):
            wiped = SyncError("cache_wiped")
            self._gone = wiped
            self._update(state=SyncState.ERROR, error_code=wiped.code, error_message=wiped.message)
            return wiped
        log.info("sync failed: %s", exc.code)
        counts = self._counts_if_possible()
        self._update(
            state=SyncState.OFFLINE if unreachable else SyncState.ERROR,
            error_code=exc.code,
            error_message=exc.message,
            **counts,
        )
        return exc

    def _check_usable(self) -> None:
        if self._gone is not None:
            raise SyncError(self._gone.code, self._gone.message)

    def _counts(self) -> _Counts:
        return {
            "pending": self._cache.pending_count(),
            "rejected": self._cache.rejected_count(),
            "conflicts": self._cache.conflict_count(),
        }

    def _counts_if_possible(self) -> _Counts:
        try:
            return self._counts()
        except DomainError:
            # The cache itself is what failed (locked, disk full): keep the old counts.
            return _Counts()

    def _update(self, **changes: object) -> None:
        with self._lock:
            updated = replace(self._status, **changes)  # type: ignore[arg-type]
            changed = updated != self._status
            self._status = updated
        if changed and self._on_status is not None:
            self._on_status(updated)


class _Counts(TypedDict, total=False):
    """The outbox and conflict counts of a status."""

    pending: int
    rejected: int
    conflicts: int


@dataclass
class _Contact:
    """Whether the running sync has had an answer from the index yet."""

    made: bool = False


def _with_pull(report: SyncReport, pulled: PullSummary) -> SyncReport:
    return replace(
        report,
        pages=report.pages + pulled.pages,
        upserted=report.upserted + pulled.upserted,
        removed=report.removed + pulled.removed,
        resynced=report.resynced or pulled.resynced,
        cancelled=pulled.cancelled,
    )
