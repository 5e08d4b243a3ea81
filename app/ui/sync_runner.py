"""When the desktop client syncs: by itself in the background, and when the user asks.

PRODUCT.md §6: sync runs off the GUI thread, retries with backoff, and never blocks the
window. :class:`SyncRunner` decides *when*; the sync itself is ``ops.sync`` on the one
cache worker (``app.ui.tasks``), so it never interleaves with a search or a record being
opened. A signed-in session syncs:

* on start, and every :data:`AUTO_SYNC_MINUTES` after;
* after every change the user makes (:meth:`SyncRunner.request`) — a request while a
  sync runs is remembered and runs once that one has finished, so changes made during
  a sync are never left waiting for the next period;
* when the network comes back (Qt's ``QNetworkInformation``, where the platform has a
  backend), and, after a failure that trying again may cure (the index unreachable or
  busy), again after a growing delay: 30 seconds, doubling up to the period;
* on demand (F5).

A session unlocked offline has no tokens and cannot sync until the user signs in again
(the window asks for the password); when the network comes back it is told so
(:attr:`SyncRunner.network_returned`) rather than prompted. A long sync shows its
progress after :data:`PROGRESS_DELAY_MS` and can be stopped (:meth:`SyncRunner.cancel`);
the engine stops after the current batch or page and keeps whatever was done.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QNetworkInformation

from app.domain.errors import DomainError
from app.sync.engine import Progress, SyncReport
from app.sync.errors import REVOCATION_CODES, SIGN_IN_CODES, TRANSIENT_CODES
from app.ui import session as ops
from app.ui.session import Session, UiContext
from app.ui.sync_status import StatusRelay, SyncProgress
from app.ui.tasks import CacheWorker

log = logging.getLogger(__name__)

#: How often a signed-in session syncs by itself.
AUTO_SYNC_MINUTES = 5
#: The first delay before trying again after the index could not be reached.
FIRST_RETRY_SECONDS = 30
#: A sync shorter than this shows no progress bar (it would only flicker).
PROGRESS_DELAY_MS = 400
#: Codes after which this session cannot go on: the offline copy has been destroyed.
SESSION_ENDING_CODES = REVOCATION_CODES | {"cache_wiped"}
#: Failures that trying again later, unchanged, may cure.
RETRY_CODES = TRANSIENT_CODES | {"offline"}


def _network_information() -> QNetworkInformation | None:
    """The platform's network reachability, or ``None`` where Qt has no backend for it."""
    # True also when a backend with the feature was loaded before (by another window).
    if not QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability):
        return None
    information: QNetworkInformation | None = QNetworkInformation.instance()
    return information


class SyncRunner(QObject):
    """Runs one session's syncs on the cache worker, by itself and when asked."""

    #: A sync has started.
    started = Signal()
    #: A sync finished: the :class:`SyncReport`, or the exception it failed with.
    finished = Signal(object)
    #: The session can sync (it signed in) or no longer can (the index ended the session).
    signed_in_changed = Signal(bool)
    #: The network is back but the session is not signed in: the user may want to.
    network_returned = Signal()

    def __init__(
        self,
        worker: CacheWorker,
        context: UiContext,
        session: Session,
        relay: StatusRelay,
        progress: SyncProgress,
        *,
        signed_in: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._context = context
        self._session = session
        self._progress = progress
        self._signed_in = signed_in
        self._running = False
        self._again = False
        self._stopped = False
        self._retry_seconds = 0
        self.timer = QTimer(self)
        self.timer.setObjectName("autoSync")
        self.timer.setInterval(AUTO_SYNC_MINUTES * 60_000)
        self.timer.timeout.connect(self.request)
        self.retry = QTimer(self)
        self.retry.setSingleShot(True)
        self.retry.timeout.connect(self.request)
        self._show_progress = QTimer(self)
        self._show_progress.setSingleShot(True)
        self._show_progress.setInterval(PROGRESS_DELAY_MS)
        self._show_progress.timeout.connect(self._progress_due)
        relay.progress.connect(self._progressed)
        progress.stop_requested.connect(self.cancel)
        self._network = _network_information()
        if self._network is not None:
            self._network.reachabilityChanged.connect(self._reachability_changed)

    # -- state ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a sync runs."""
        return self._running

    @property
    def signed_in(self) -> bool:
        """True while the session holds tokens from the index, so it can sync."""
        return self._signed_in

    @property
    def retry_seconds(self) -> int:
        """The delay before the next try after a failure (0: none planned)."""
        return self._retry_seconds if self.retry.isActive() else 0

    # -- starting and stopping -------------------------------------------------------------

    def start(self) -> None:
        """Sync now and every few minutes, if signed in."""
        if self._signed_in:
            self.timer.start()
            self.request()

    def set_signed_in(self) -> None:
        """The session has just signed in: sync now, and from now on by itself."""
        self._signed_in = True
        self.signed_in_changed.emit(self._signed_in)
        self.start()

    def stop(self) -> None:
        """Stop syncing by itself, and stop a sync that runs (before locking or closing)."""
        self._stopped = True
        self.timer.stop()
        self.retry.stop()
        self._show_progress.stop()
        self._again = False
        if self._network is not None:
            self._network.reachabilityChanged.disconnect(self._reachability_changed)
            self._network = None
        # Thread-safe: the engine checks it between batches and pages.
        self._session.engine.cancel()

    # -- syncing ----------------------------------------------------------------------------

    def request(self) -> bool:
        """Sync as soon as possible; False if the session cannot sync (not signed in)."""
        if self._stopped or not self._signed_in:
            return False
        if self._running:
            self._again = True
            return True
        self._running = True
        self._again = False
        self.retry.stop()
        context, session = self._context, self._session
        self.started.emit()
        self._progress.start()
        self._show_progress.start()
        (
            self._worker.task(lambda: ops.sync(context, session), owner=self)
            .success(self._synced)
            .failure(self._failed)
            .finally_(self._over)
            .start()
        )
        return True

    def cancel(self) -> None:
        """Stop the running sync after its current batch or page (Shift+F5, *Stop*)."""
        if not self._running:
            return
        self._again = False
        self._progress.stopping()
        self._session.engine.cancel()

    def _synced(self, report: SyncReport) -> None:
        self._retry_seconds = 0
        self.finished.emit(report)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, DomainError):
            if error.code in SESSION_ENDING_CODES:
                self.stop()
            elif error.code in SIGN_IN_CODES:
                self._signed_in = False
                self.timer.stop()
                self.signed_in_changed.emit(self._signed_in)
            elif error.code in RETRY_CODES and not self._stopped:
                self._retry_later()
        self.finished.emit(error)

    def _retry_later(self) -> None:
        period = AUTO_SYNC_MINUTES * 60
        self._retry_seconds = min(max(self._retry_seconds * 2, FIRST_RETRY_SECONDS), period)
        log.info("sync failed; trying again in %d seconds", self._retry_seconds)
        self.retry.start(self._retry_seconds * 1000)

    def _over(self) -> None:
        self._running = False
        self._show_progress.stop()
        self._progress.setVisible(False)
        if self._again and not self._stopped:
            self.request()

    # -- progress and the network -----------------------------------------------------------

    def _progress_due(self) -> None:
        if self._running:
            self._progress.setVisible(True)

    def _progressed(self, progress: Progress) -> None:
        if self._running:
            self._progress.show_progress(progress)

    def _reachability_changed(self, reachability: QNetworkInformation.Reachability) -> None:
        if reachability != QNetworkInformation.Reachability.Online:
            return
        self.network_is_back()

    def network_is_back(self) -> None:
        """The network has come back: sync if signed in, else say a sign-in would work."""
        log.info("network reachable again")
        if self._stopped:
            return
        if self._signed_in:
            self.request()
        else:
            self.network_returned.emit()
