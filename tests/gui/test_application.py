"""The window sequence: unlock, work, lock (by hand or after inactivity), unlock again, quit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.domain.reasons import ReasonCode
from app.store.profiles import Profile
from app.ui.application import ClientController
from app.ui.main_window import MainWindow
from app.ui.session import UiContext
from app.ui.signin import SignInWindow
from tests.gui import synthetic


@pytest.fixture
def controller(
    qtbot: QtBot, context: UiContext, filled_profile: Profile
) -> Iterator[ClientController]:
    started = ClientController(context)
    yield started
    started.quit()


def current_sign_in(controller: ClientController) -> SignInWindow | None:
    """The sign-in window on show (read afresh: it changes as the user locks and unlocks)."""
    return controller.sign_in_window


def unlock(qtbot: QtBot, controller: ClientController) -> MainWindow:
    window = controller.sign_in_window
    assert isinstance(window, SignInWindow)
    QTest.keyClicks(window.saved_password, synthetic.PASSWORD)
    with qtbot.waitSignal(controller.session_started, timeout=15_000) as started:
        QTest.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert started.args is not None
    main = started.args[0]
    assert isinstance(main, MainWindow)
    qtbot.waitUntil(lambda: main.proxy.rowCount() == 5, timeout=15_000)
    return main


def test_unlock_then_lock_returns_to_sign_in_with_the_same_profile(
    qtbot: QtBot, controller: ClientController, filled_profile: Profile
) -> None:
    controller.start()
    main = unlock(qtbot, controller)
    assert controller.sign_in_window is None
    session = controller.session
    assert session is not None
    with qtbot.waitSignal(controller.locked):
        QTest.keyClick(main.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert controller.main_window is None
    again = current_sign_in(controller)
    assert again is not None
    assert again.isVisible()
    selected = again.selected_profile()
    assert selected is not None
    assert selected.profile_id == filled_profile.profile_id
    qtbot.waitUntil(lambda: not session.cache.is_open, timeout=15_000)
    # Unlocking again works: the cache was closed cleanly.
    unlock(qtbot, controller)


def test_inactivity_locks_and_says_why(qtbot: QtBot, controller: ClientController) -> None:
    controller.start()
    unlock(qtbot, controller)
    idle = controller._idle
    assert idle is not None
    # The cached policy says 5 minutes; the test cannot wait that long.
    qtbot.waitUntil(lambda: idle.timeout_ms == 5 * 60_000, timeout=15_000)
    with qtbot.waitSignal(controller.locked, timeout=15_000):
        idle.set_timeout(50)
    window = controller.sign_in_window
    assert window is not None
    assert window.message_text.startswith("Everychild locked itself after 0 minutes")


def test_quitting_locks_and_stops_the_worker(qtbot: QtBot, controller: ClientController) -> None:
    controller.start()
    main = unlock(qtbot, controller)
    session = controller.session
    assert session is not None
    main.close()
    assert not controller.worker.running
    assert not session.cache.is_open


def test_inactivity_locks_over_an_open_record_and_dialog(
    qtbot: QtBot, controller: ClientController
) -> None:
    controller.start()
    main = unlock(qtbot, controller)
    session = controller.session
    assert session is not None
    main.table.setCurrentIndex(main.proxy.index(0, 0))
    main.open_selected()
    reason = main.reason_dialog
    assert reason is not None
    reason.choose(ReasonCode.SERVICE_PROVISION)
    with qtbot.waitSignal(main.record_opened, timeout=15_000):
        reason.accept()
    main.changes.ask_set_indicator()
    dialog = main.changes.dialog
    assert dialog is not None
    assert dialog.isVisible()
    idle = controller._idle
    assert idle is not None
    with qtbot.waitSignal(controller.locked, timeout=15_000):
        idle.set_timeout(50)
    # Nothing of the child stays on screen, and the cache is closed (its key wiped).
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    assert not main.isVisible()
    assert controller.main_window is None
    qtbot.waitUntil(lambda: not session.cache.is_open, timeout=15_000)
    window = controller.sign_in_window
    assert window is not None
    assert window.isVisible()
    assert window.message_text == (
        "Everychild locked itself after 0 minutes without use. Type your password to carry on."
    )
