"""The one way the desktop client runs work off the GUI thread (STYLE.md "Background work").

Everything that touches the offline cache, the sync engine or the index runs on a single
worker thread, one job at a time, in the order submitted: the SQLCipher connection
belongs to the thread that opened it (``app.store.cache``), and a search, a sync and a
record opening must never interleave on it. A job is a plain callable; it never touches a
widget. Its outcome comes back to the GUI thread through a queued Qt signal and is handed
to the callbacks attached with :meth:`Task.success` and :meth:`Task.failure`::

    worker.task(lambda: session.cache.caseload()).success(model.set_rows).start()

Without a failure callback, expected trouble (``DomainError``) is shown to the user as a
plain message and anything else goes to the crash dialog (``app.ui.errors``). A task may
name an ``owner``: if that object has been deleted by the time the job finishes (the
window was closed), the callbacks are skipped.

No ``processEvents()`` loops: the GUI thread never waits for a job, except once, in
:meth:`CacheWorker.stop`, for the final clean-up job when the client quits.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.ui.errors import report

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long quitting waits for the final job before giving up on it.
STOP_TIMEOUT_MS = 30_000


@dataclass(eq=False)
class _Envelope:
    """What crosses between the threads: the callable one way, its outcome the other.

    Each side empties the envelope as it takes from it. The GUI thread keeps its own
    reference to the callable until the outcome has been delivered, and the worker lets
    go of everything before it reports: so the last reference to anything a job touched
    — a window its lambda closed over, a Qt object in its result — is always dropped on
    the GUI thread. (PySide deletes a Qt object whose last Python reference dies on
    another thread by posting it to the main thread, which can crash.)
    """

    number: int
    function: Callable[[], Any] | None
    result: Any = None
    error: Exception | None = None
    final: bool = False

    def take(self) -> tuple[Any, Exception | None]:
        """The outcome, leaving the envelope empty."""
        result, error = self.result, self.error
        self.result = self.error = None
        return result, error


@dataclass(eq=False)
class _Job:
    """A submitted callable, as the GUI thread tracks it until its outcome is delivered."""

    number: int
    function: Callable[[], Any]
    callback: Callable[[Any, Exception | None], None] | None
    final: bool = False


class _Runner(QObject):
    """Lives on the worker thread and runs the jobs queued to it."""

    finished = Signal(object)

    @Slot(object)
    def run(self, envelope: _Envelope) -> None:
        function, envelope.function = envelope.function, None
        try:
            if function is not None:
                envelope.result = function()
        # Every failure, bug or not, is carried back to the GUI thread and reported there.
        except Exception as exc:  # noqa: BLE001 - handed to the task's failure callback
            envelope.error = exc
        del function
        if envelope.final:
            self.thread().quit()
        self.finished.emit(envelope)


class Task(Generic[T]):
    """A job to run on the worker, with what to do with its result on the GUI thread."""

    def __init__(
        self, worker: CacheWorker, function: Callable[[], T], owner: QObject | None
    ) -> None:
        self._worker = worker
        self._function = function
        self._owner = owner
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[Exception], None] | None = None
        self._on_finally: Callable[[], None] | None = None
        self._started = False

    def success(self, callback: Callable[[T], None]) -> Task[T]:
        """Call ``callback(result)`` on the GUI thread when the job returns."""
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[Exception], None]) -> Task[T]:
        """Call ``callback(error)`` on the GUI thread when the job raises."""
        self._on_failure = callback
        return self

    def finally_(self, callback: Callable[[], None]) -> Task[T]:
        """Call ``callback()`` on the GUI thread after success or failure (to end a busy state)."""
        self._on_finally = callback
        return self

    def start(self) -> None:
        """Queue the job; callbacks attached afterwards are not called."""
        if self._started:
            raise RuntimeError("a task is started once")
        self._started = True
        self._worker.submit(self._function, self._deliver)

    def _deliver(self, result: Any, error: Exception | None) -> None:
        owner = self._owner
        if owner is not None and not shiboken6.isValid(owner):
            log.debug("a task finished after its owner was deleted")
            return
        try:
            if error is None:
                if self._on_success is not None:
                    self._on_success(result)
            elif self._on_failure is not None:
                self._on_failure(error)
            else:
                report(error, parent=owner)
        finally:
            if self._on_finally is not None:
                self._on_finally()


class CacheWorker(QObject):
    """The single worker thread for the cache, the sync engine and the index client.

    Create it on the GUI thread; call :meth:`stop` before it is deleted.
    """

    #: The number of jobs queued or running changed (for busy indicators and tests).
    pending_changed = Signal(int)
    _submitted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._numbers = itertools.count(1)
        #: Jobs submitted and not yet delivered, by number; see :class:`_Envelope`.
        self._jobs: dict[int, _Job] = {}
        self._pending = 0
        self._stopped = False
        self._thread = QThread()
        self._thread.setObjectName("everychild-cache-worker")
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        # The runner lives on the worker thread, so these connections are queued both ways.
        self._submitted.connect(self._runner.run)
        self._runner.finished.connect(self._finished)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        return self._pending

    @property
    def running(self) -> bool:
        """False once :meth:`stop` has run."""
        return not self._stopped

    def task(self, function: Callable[[], T], *, owner: QObject | None = None) -> Task[T]:
        """A task that will run ``function`` on the worker once started."""
        return Task(self, function, owner)

    def submit(
        self,
        function: Callable[[], Any],
        callback: Callable[[Any, Exception | None], None],
    ) -> None:
        """Queue ``function``; ``callback(result, error)`` runs on the GUI thread after it."""
        if self._stopped:
            raise RuntimeError("the cache worker has stopped")
        self._queue(_Job(number=next(self._numbers), function=function, callback=callback))

    def _queue(self, job: _Job) -> _Envelope:
        self._jobs[job.number] = job
        self._pending += 1
        self.pending_changed.emit(self._pending)
        envelope = _Envelope(number=job.number, function=job.function, final=job.final)
        self._submitted.emit(envelope)
        return envelope

    @Slot(object)
    def _finished(self, envelope: _Envelope) -> None:
        result, error = envelope.take()
        job = self._jobs.pop(envelope.number, None)
        self._pending -= 1
        self.pending_changed.emit(self._pending)
        if job is not None and job.callback is not None:
            job.callback(result, error)

    def stop(self, final: Callable[[], None] | None = None) -> None:
        """Run ``final`` after every queued job, then end the thread and wait for it.

        The one place the GUI thread waits: quitting must close the cache (which wipes
        SQLCipher's copy of the key) before the process ends. Outcomes of jobs that
        finished meanwhile are still delivered, from the event loop, as usual.
        """
        if self._stopped:
            return
        self._stopped = True
        job = _Job(
            number=next(self._numbers), function=final or (lambda: None), callback=None, final=True
        )
        envelope = self._queue(job)
        if not self._thread.wait(STOP_TIMEOUT_MS):
            log.error("the cache worker did not stop in time")
            return
        if envelope.error is not None:
            log.error("the final clean-up job failed: %s", type(envelope.error).__name__)
