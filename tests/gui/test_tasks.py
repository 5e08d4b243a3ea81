"""The background-work helper: one worker thread, results back on the GUI thread, in order."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.domain.errors import DomainError
from app.ui import errors
from app.ui.tasks import CacheWorker


def test_jobs_run_in_order_on_one_worker_thread_and_report_on_the_gui_thread(
    qtbot: QtBot, worker: CacheWorker
) -> None:
    ran_on: list[int] = []
    delivered: list[tuple[int, int]] = []
    for number in range(5):

        def job(number: int = number) -> int:
            ran_on.append(threading.get_ident())
            return number

        worker.task(job).success(
            lambda result: delivered.append((result, threading.get_ident()))
        ).start()
    qtbot.waitUntil(lambda: len(delivered) == 5)
    assert [result for result, _ in delivered] == [0, 1, 2, 3, 4]
    assert len(set(ran_on)) == 1
    assert ran_on[0] != threading.get_ident()
    assert {thread for _, thread in delivered} == {threading.get_ident()}
    qtbot.waitUntil(lambda: worker.pending == 0)


def test_a_failure_goes_to_the_failure_callback_and_finally_runs(
    qtbot: QtBot, worker: CacheWorker
) -> None:
    failures: list[Exception] = []
    finished: list[bool] = []

    def job() -> None:
        raise DomainError("offline", "The index cannot be reached.")

    worker.task(job).success(lambda _: pytest.fail("no result expected")).failure(
        failures.append
    ).finally_(lambda: finished.append(True)).start()
    qtbot.waitUntil(lambda: bool(finished))
    assert [type(f) for f in failures] == [DomainError]
    assert isinstance(failures[0], DomainError)
    assert failures[0].code == "offline"


def test_callbacks_are_skipped_once_their_owner_is_deleted(
    qtbot: QtBot, worker: CacheWorker
) -> None:
    owner = QObject()
    gate = threading.Event()
    called: list[object] = []
    worker.task(gate.wait, owner=owner).success(called.append).start()
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner))
    gate.set()
    done: list[bool] = []
    worker.task(lambda: None).success(lambda _: done.append(True)).start()
    qtbot.waitUntil(lambda: bool(done))
    assert called == []


def _alive(item: QObject) -> bool:
    return bool(shiboken6.isValid(item))


def test_without_a_failure_callback_known_trouble_is_shown_in_plain_words(
    qtbot: QtBot, worker: CacheWorker
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()

    def job() -> None:
        raise DomainError("lease_expired", "Connect to the network and sign in online again.")

    worker.task(job, owner=parent).start()
    qtbot.waitUntil(lambda: bool(parent.findChildren(QMessageBox)))
    box = parent.findChildren(QMessageBox)[0]
    assert box.text() == "Connect to the network and sign in online again."
    assert "Traceback" not in box.text()
    box.close()


def test_without_a_failure_callback_a_bug_opens_the_crash_dialog(
    qtbot: QtBot, worker: CacheWorker
) -> None:
    def job() -> None:
        raise KeyError("Amelia Hartwell")

    worker.task(job).start()
    qtbot.waitUntil(lambda: errors.current_crash_dialog() is not None)
    dialog = errors.current_crash_dialog()
    assert dialog is not None
    details = dialog.details.toPlainText()
    assert "builtins.KeyError" in details
    assert "Amelia" not in details
    dialog.reject()
    qtbot.waitUntil(lambda: errors.current_crash_dialog() is None)


def test_stop_runs_the_final_job_after_everything_queued(qtbot: QtBot) -> None:
    worker = CacheWorker()
    order: list[str] = []
    worker.task(lambda: order.append("queued")).start()
    worker.stop(lambda: order.append("final"))
    assert order == ["queued", "final"]
    assert not worker.running
    with pytest.raises(RuntimeError):
        worker.task(lambda: None).start()
