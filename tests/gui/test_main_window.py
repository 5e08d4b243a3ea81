"""The main window over a real encrypted cache: caseload, search as you type, opening records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.domain.reasons import ReasonCode
from app.ui.caseload_model import Column
from app.ui.main_window import MainWindow
from app.ui.record_view import RecordView
from app.ui.session import Session, UiContext
from app.ui.sign_in_prompt import SignInPrompt
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import synthetic
from tests.gui.conftest import run_on


@pytest.fixture
def window(
    qtbot: QtBot,
    worker: CacheWorker,
    context: UiContext,
    session: Session,
    relay: StatusRelay,
) -> Iterator[MainWindow]:
    shown = MainWindow(worker, context, session, relay, online=False)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    with qtbot.waitSignal(shown.rows_shown, timeout=15_000):
        shown.start()
    yield shown
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=15_000)


def names(window: MainWindow) -> list[str]:
    proxy = window.proxy
    return [proxy.index(r, Column.NAME).data() for r in range(proxy.rowCount())]


def test_the_caseload_shows_the_childen_in_the_cache(window: MainWindow) -> None:
    assert names(window) == [
        "Hartwell, Amelia",
        "Marshwood, Leonard",
        "Smith, Johnathan",
        "Smyth, Janette",
        "Stonebridge, Ruby",
    ]
    assert window.count_label.text() == "5 children in your caseload"
    shielded = [
        window.proxy.index(r, Column.SHIELDED).data() for r in range(window.proxy.rowCount())
    ]
    assert shielded == ["", "", "", "", "Shielded"]


def test_search_as_you_type_queries_the_cache(qtbot: QtBot, window: MainWindow) -> None:
    window.search_box.setFocus()
    with qtbot.waitSignal(window.rows_shown, timeout=15_000):
        QTest.keyClicks(window.search_box, "Smith")
    # Only the text as it stands is answered; "Smyth" is found as a sound-alike.
    qtbot.waitUntil(lambda: names(window) == ["Smith, Johnathan", "Smyth, Janette"])
    assert window.count_label.text() == "2 matches"
    assert not window.table.isColumnHidden(Column.DISTRICT)
    districts = [window.proxy.index(r, Column.DISTRICT).data() for r in range(2)]
    assert districts == ["BN2", "BN1"]
    with qtbot.waitSignal(window.rows_shown, timeout=15_000):
        window.search_box.clear()
    qtbot.waitUntil(lambda: len(names(window)) == 5)


def test_search_with_no_match_says_what_to_try(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.rows_shown, timeout=15_000):
        window.search_box.setText("Zebedee")
    qtbot.waitUntil(lambda: names(window) == [])
    assert window.count_label.text().startswith("No child in your caseload matches.")


def test_ctrl_f_goes_to_the_search_box(qtbot: QtBot, window: MainWindow) -> None:
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_box.hasFocus()


def test_opening_a_record_asks_for_a_reason_then_shows_it(
    qtbot: QtBot, window: MainWindow, worker: CacheWorker, session: Session
) -> None:
    waiting = run_on(qtbot, worker, session.cache.pending_count)
    window.table.setFocus()
    window.table.setCurrentIndex(window.proxy.index(0, 0))
    QTest.keyClick(window.table, Qt.Key.Key_Return)
    dialog = window.reason_dialog
    assert dialog is not None
    heading = dialog.findChild(QLabel, "reasonHeading")
    assert heading is not None
    assert "Amelia Hartwell, born 14 March 2015" in heading.text()
    assert window.record_views() == []
    QTest.keyClick(dialog, Qt.Key.Key_1)
    with qtbot.waitSignal(window.record_opened, timeout=15_000) as opened:
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert opened.args is not None
    view = opened.args[0]
    assert isinstance(view, RecordView)
    assert view.record.index_id == synthetic.AMELIA.index_id
    # Offline: the cached copy, audited locally, and the view says so.
    assert view.findChild(QLabel, "fromCacheNote") is not None
    assert [tab.view for tab in window.record_tabs()] == [view]
    assert window.tabs.currentWidget() is window.record_tabs()[0]
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Amelia Hartwell"
    assert dialog.reason is not None
    assert dialog.reason.code is ReasonCode.SERVICE_PROVISION
    # The access was audited on this computer and waits in the outbox for the index.
    assert run_on(qtbot, worker, session.cache.pending_count) == waiting + 1
    # A window manager gives the focus back when the dialog closes; offscreen, we do.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.record_views() == []


def test_cancelling_the_reason_opens_nothing(qtbot: QtBot, window: MainWindow) -> None:
    window.table.setCurrentIndex(window.proxy.index(1, 0))
    window.open_selected()
    dialog = window.reason_dialog
    assert dialog is not None
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.reason_dialog is None)
    assert window.record_views() == []


def test_the_restricted_and_shielded_records_open_as_the_cache_holds_them(
    qtbot: QtBot, window: MainWindow
) -> None:
    for row, banner in ((1, "restrictedBannerText"), (4, "shieldedNoticeText")):
        window.table.setCurrentIndex(window.proxy.index(row, 0))
        window.open_selected()
        dialog = window.reason_dialog
        assert dialog is not None
        dialog.choose(ReasonCode.SAFEGUARDING)
        with qtbot.waitSignal(window.record_opened, timeout=15_000) as opened:
            dialog.accept()
        assert opened.args is not None
        assert opened.args[0].findChild(QLabel, banner) is not None
    text = window.record_views()[0].visible_text()
    for word in synthetic.SENSITIVE_WORDS:
        assert word not in text


def test_the_status_bar_says_offline_and_what_waits_to_be_sent(window: MainWindow) -> None:
    bar = window.status_bar
    assert bar.state_label.text() == "Offline: working from the copy on this computer"
    # The name the index gave at the last sign-in, kept in the cache.
    assert bar.user_label.text() == "Unlocked offline as Pat Visitor"
    assert bar.last_sync_label.text().startswith("Last synced ")


def test_f5_when_unlocked_offline_asks_for_the_password_to_sign_in(
    qtbot: QtBot, window: MainWindow
) -> None:
    with qtbot.waitSignal(window.dialog_opened, timeout=15_000) as opened:
        QTest.keyClick(window.table, Qt.Key.Key_F5)
    assert opened.args is not None
    prompt = opened.args[0]
    assert isinstance(prompt, SignInPrompt)
    assert window.sign_in_prompt is prompt
    QTest.keyClicks(prompt.password, synthetic.PASSWORD)
    QTest.keyClick(prompt.password, Qt.Key.Key_Return)
    # The profile's index is not there: the prompt says so, and stays to try again.
    qtbot.waitUntil(lambda: bool(prompt.message_text), timeout=15_000)
    assert prompt.message_text.startswith("Everychild cannot reach the index just now.")
    assert prompt.password.text() == ""
    assert prompt.isVisible()
    assert not window.runner.signed_in
    QTest.keyClick(prompt, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.sign_in_prompt is None)
    assert window.status_bar.state_label.text() == (
        "Offline: working from the copy on this computer"
    )


def test_ctrl_l_asks_to_lock(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.lock_requested):
        QTest.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


def test_tab_moves_from_the_search_box_to_the_filter_to_the_list(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.search_box.setFocus()
    QTest.keyClick(window.search_box, Qt.Key.Key_Tab)
    assert window.show_filter.hasFocus()
    QTest.keyClick(window.show_filter, Qt.Key.Key_Tab)
    assert window.table.hasFocus()


def test_demo_mode_is_marked_on_the_main_window(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, session: Session, relay: StatusRelay
) -> None:
    demo = UiContext(secret_store=context.secret_store, demo=True)
    shown = MainWindow(worker, demo, session, relay, online=False)
    qtbot.addWidget(shown)
    banner = shown.findChild(QLabel, "demoBannerText")
    assert banner is not None
    assert banner.text().startswith("DEMO")
    assert shown.windowTitle().startswith("DEMO")
    assert not shown.auto_sync.isActive()
