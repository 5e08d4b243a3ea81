"""What needs the user, over a real encrypted cache: conflicts, refusals, the access log and
an expired offline lease — each shown in words, each dealt with from the keyboard."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.domain.reasons import ReasonCode
from app.ui.caseload_model import Column
from app.ui.conflicts_dialog import ConflictsDialog
from app.ui.list_dialog import ListDialog
from app.ui.main_window import MainWindow
from app.ui.rejected_dialog import RejectedDialog
from app.ui.session import Session, UiContext
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import arrange, synthetic
from tests.gui.conftest import POLICY, run_on, utcnow

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(
    qtbot: QtBot,
    worker: CacheWorker,
    context: UiContext,
    session: Session,
    relay: StatusRelay,
) -> Iterator[Callable[[], MainWindow]]:
    def make() -> MainWindow:
        shown = MainWindow(worker, context, session, relay, online=False)
        qtbot.addWidget(shown)
        shown.show()
        qtbot.waitExposed(shown)
        with qtbot.waitSignal(shown.rows_shown, timeout=15_000):
            shown.start()
        shown.activateWindow()
        qtbot.waitUntil(shown.isActiveWindow)
        return shown

    yield make
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=15_000)


def open_list(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> ListDialog:
    with qtbot.waitSignal(window.dialog_opened, timeout=15_000) as opened:
        QTest.keyClick(window.table, key, CTRL_SHIFT)
    assert opened.args is not None
    dialog = opened.args[0]
    assert isinstance(dialog, ListDialog)
    qtbot.waitUntil(lambda: dialog.loads > 0, timeout=15_000)
    return dialog


def test_a_conflict_is_shown_and_the_index_version_kept(
    qtbot: QtBot,
    worker: CacheWorker,
    session: Session,
    window: Callable[[], MainWindow],
) -> None:
    run_on(qtbot, worker, lambda: arrange.conflict_on_leo(session.cache, utcnow()))
    run_on(qtbot, worker, session.engine.refresh_status)
    main = window()
    qtbot.waitUntil(main.notices.attention.isVisible)
    assert main.notices.attention.text == (
        "1 of your changes conflicts with a change made elsewhere."
    )
    assert "1 to resolve" in main.status_bar.pending_label.text()

    dialog = open_list(qtbot, main, Qt.Key.Key_R)
    assert isinstance(dialog, ConflictsDialog)
    assert dialog.model.texts(0) == ["Leonard Marshwood"]
    assert dialog.mine_text.text().startswith("End your involvement on ")
    assert dialog.theirs_text.text().startswith(
        "The index shows this involvement already ended on "
    )
    # Making the change again no longer fits: the rules say why, and the conflict stays.
    QTest.mouseClick(dialog.mine_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.problem_text), timeout=15_000)
    assert dialog.problem_text == "This involvement has already ended."
    assert dialog.model.rowCount() == 1

    with qtbot.waitSignal(dialog.resolved, timeout=15_000) as resolved:
        QTest.keyClick(dialog, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert resolved.args is not None
    assert resolved.args[1] == "theirs"
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0)
    assert dialog.count_label.text() == "No changes are waiting to be resolved."
    assert run_on(qtbot, worker, session.cache.conflicts) == []
    qtbot.waitUntil(lambda: not main.notices.attention.isVisible())


def test_a_refused_change_is_shown_in_the_index_words_until_dismissed(
    qtbot: QtBot,
    worker: CacheWorker,
    session: Session,
    window: Callable[[], MainWindow],
) -> None:
    run_on(qtbot, worker, lambda: arrange.refused_pin_on_john(session.cache, utcnow()))
    run_on(qtbot, worker, session.engine.refresh_status)
    main = window()
    qtbot.waitUntil(main.notices.read_refused.isVisible)
    dialog = open_list(qtbot, main, Qt.Key.Key_X)
    assert isinstance(dialog, RejectedDialog)
    assert dialog.model.texts(0) == ["Johnathan Smith"]
    assert dialog.model.texts(1) == ["Pin the record"]
    assert dialog.model.texts(3) == [arrange.REFUSAL]
    assert dialog.reason_text.text() == f"Pin the record: {arrange.REFUSAL}"
    with qtbot.waitSignal(dialog.dismissed, timeout=15_000):
        QTest.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0)
    assert run_on(qtbot, worker, session.cache.rejected) == []


def test_my_access_log_lists_what_i_opened_here_with_my_reasons(
    qtbot: QtBot, window: Callable[[], MainWindow]
) -> None:
    main = window()
    main.table.setCurrentIndex(main.proxy.index(0, 0))
    main.open_selected()
    dialog = main.reason_dialog
    assert dialog is not None
    dialog.choose(ReasonCode.OTHER)
    dialog.reason_text.setText("Checking before a home visit")
    with qtbot.waitSignal(main.record_opened, timeout=15_000):
        dialog.accept()
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)

    log = open_list(qtbot, main, Qt.Key.Key_L)
    assert log.model.texts(1) == ["Amelia Hartwell"]
    assert log.model.texts(2) == ["Opened the record"]
    assert log.model.texts(3) == ["Other: Checking before a home visit"]
    assert log.model.texts(4) == ["Not yet"]


def test_an_expired_lease_is_explained_and_no_record_opens(
    qtbot: QtBot,
    worker: CacheWorker,
    session: Session,
    window: Callable[[], MainWindow],
) -> None:
    last = utcnow() - timedelta(hours=POLICY.offline_lease_hours + 8)
    run_on(qtbot, worker, lambda: session.cache.record_contact(last, POLICY))
    main = window()
    qtbot.waitUntil(main.notices.lease.isVisible, timeout=15_000)
    assert main.notices.lease.text.startswith(
        "This computer has not been in contact with the index since "
    )
    assert "more than 72 hours ago" in main.notices.lease.text

    main.table.setCurrentIndex(main.proxy.index(0, Column.NAME))
    main.open_selected()
    reason = main.reason_dialog
    assert reason is not None
    reason.choose(ReasonCode.SAFEGUARDING)
    with qtbot.waitSignal(main.dialog_opened, timeout=15_000) as shown:
        reason.accept()
    assert shown.args is not None
    box = shown.args[0]
    assert isinstance(box, QMessageBox)
    assert box.windowTitle() == "Records cannot be opened offline"
    assert "more than 72 hours ago. To protect the children's information" in box.text()
    assert box.informativeText().startswith(
        "What to do: connect to the network and sign in to the index (press F5)."
    )
    assert main.record_tabs() == []
    box.close()


def test_the_cache_rows_show_district_lead_and_indicators(
    qtbot: QtBot, window: Callable[[], MainWindow]
) -> None:
    main = window()
    rows = {
        main.proxy.index(r, Column.NAME).data(): [
            main.proxy.index(r, column).data()
            for column in (Column.DISTRICT, Column.LEAD, Column.INDICATORS)
        ]
        for r in range(main.proxy.rowCount())
    }
    assert rows == {
        "Hartwell, Amelia": ["BN1", "Sam Okafor", "1"],
        "Marshwood, Leonard": ["BN7", None, ""],
        "Smith, Johnathan": ["BN2", None, ""],
        "Smyth, Janette": ["BN1", None, ""],
        # Shielded: no address, no involvements on show.
        "Stonebridge, Ruby": [None, None, ""],
    }
    for column in (Column.DISTRICT, Column.LEAD, Column.INDICATORS):
        assert not main.table.isColumnHidden(column)
    indicators = main.proxy.index(0, Column.INDICATORS)
    assert indicators.data(Qt.ItemDataRole.AccessibleTextRole) == "1 indicator"
    # The accessible text says "none" in words, never by an empty cell.
    assert synthetic.JANE.given_names in main.proxy.index(3, Column.NAME).data()
    assert main.proxy.index(3, Column.LEAD).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "No lead professional recorded"
    )
