"""The sign-in window without an index: pick a profile, unlock offline, clear refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.store.cache import Cache
from app.store.errors import MESSAGES as STORE_MESSAGES
from app.store.profiles import Profile
from app.ui import session as ops
from app.ui.session import Session, UiContext
from app.ui.signin import SignInWindow
from app.ui.tasks import CacheWorker
from tests.gui import synthetic
from tests.gui.conftest import POLICY, UNREACHABLE_URL, run_on, utcnow


@pytest.fixture
def window_factory(
    qtbot: QtBot, worker: CacheWorker, context: UiContext
) -> Iterator[Callable[..., SignInWindow]]:
    opened: list[Session] = []

    def make(**options: object) -> SignInWindow:
        window = SignInWindow(worker, options.pop("context", context), **options)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.signed_in.connect(opened.append)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield make
    for session in opened:
        run_on(qtbot, worker, partial(ops.lock, context, session))


def test_with_no_profile_it_opens_on_the_first_sign_in(
    window_factory: Callable[..., SignInWindow],
) -> None:
    window = window_factory()
    assert window.tabs.currentIndex() == 1
    assert not window.sign_in_button.isEnabled()
    assert window.findChild(type(window.busy_label), "demoUsersHint") is None
    assert window.findChild(type(window.message), "demoBanner") is None


def test_it_lists_every_profile_on_the_computer(
    window_factory: Callable[..., SignInWindow], make_profile: Callable[..., Profile]
) -> None:
    make_profile("reception.one")
    second = make_profile("reception.two")
    window = window_factory(preselect=second.profile_id)
    rows = [window.profiles.index(r).data() for r in range(window.profiles.rowCount())]
    assert rows == ["reception.one — 127.0.0.1:9", "reception.two — 127.0.0.1:9"]
    selected = window.selected_profile()
    assert selected is not None
    assert selected.profile_id == second.profile_id
    assert window.tabs.currentIndex() == 0


def test_unlock_offline_with_the_right_password_opens_the_session(
    qtbot: QtBot, window_factory: Callable[..., SignInWindow], filled_profile: Profile
) -> None:
    window = window_factory()
    QTest.keyClicks(window.saved_password, synthetic.PASSWORD)
    with qtbot.waitSignal(window.signed_in, timeout=15_000) as signed_in:
        QTest.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert signed_in.args is not None
    session = signed_in.args[0]
    assert isinstance(session, Session)
    assert session.profile.profile_id == filled_profile.profile_id
    assert session.client.signed_in is None
    assert window.saved_password.text() == ""


def test_a_wrong_password_is_refused_in_plain_words(
    qtbot: QtBot, window_factory: Callable[..., SignInWindow], filled_profile: Profile
) -> None:
    window = window_factory()
    QTest.keyClicks(window.saved_password, "not-the-password")
    with qtbot.waitSignal(window.message_shown, timeout=15_000) as shown:
        QTest.keyClick(window.saved_password, Qt.Key.Key_Return)
    assert shown.args == [STORE_MESSAGES["wrong_password"]]
    assert window.message_text == STORE_MESSAGES["wrong_password"]
    assert window.saved_password.text() == ""
    assert window.saved_password.hasFocus()
    assert not window.offline_button.isVisible()


def test_an_unreachable_index_offers_the_offline_copy(
    qtbot: QtBot, window_factory: Callable[..., SignInWindow], filled_profile: Profile
) -> None:
    window = window_factory()
    QTest.keyClicks(window.saved_password, synthetic.PASSWORD)
    with qtbot.waitSignal(window.message_shown, timeout=15_000) as shown:
        QTest.mouseClick(window.sign_in_button, Qt.MouseButton.LeftButton)
    assert shown.args is not None
    assert shown.args[0].startswith("Everychild cannot reach the index just now.")
    assert "unlock the copy of your caseload kept on this computer" in shown.args[0]
    assert window.offline_button.isVisible()
    with qtbot.waitSignal(window.signed_in, timeout=15_000) as signed_in:
        QTest.mouseClick(window.offline_button, Qt.MouseButton.LeftButton)
    assert signed_in.args is not None
    assert signed_in.args[0].profile.profile_id == filled_profile.profile_id


def test_a_first_sign_in_to_an_unreachable_index_says_to_check_the_address(
    qtbot: QtBot, window_factory: Callable[..., SignInWindow]
) -> None:
    window = window_factory()
    QTest.keyClicks(window.server_url, UNREACHABLE_URL)
    QTest.keyClicks(window.username, "pat.visitor")
    QTest.keyClicks(window.new_password, synthetic.PASSWORD)
    with qtbot.waitSignal(window.message_shown, timeout=15_000) as shown:
        QTest.keyClick(window.new_password, Qt.Key.Key_Return)
    assert shown.args == [
        f"Everychild cannot reach the index at {UNREACHABLE_URL}. Check the address and your "
        "network connection, then try again."
    ]
    assert not window.offline_button.isVisible()
    assert ops.saved_profiles(window._context) == []


def test_plain_http_to_another_computer_is_refused(
    qtbot: QtBot, window_factory: Callable[..., SignInWindow]
) -> None:
    window = window_factory()
    QTest.keyClicks(window.server_url, "http://index.example.org")
    QTest.keyClicks(window.username, "pat.visitor")
    QTest.keyClicks(window.new_password, synthetic.PASSWORD)
    with qtbot.waitSignal(window.message_shown, timeout=15_000) as shown:
        QTest.mouseClick(window.sign_in_new_button, Qt.MouseButton.LeftButton)
    assert shown.args is not None
    assert shown.args[0].startswith("The index address must start with https://")


def test_missing_fields_are_named_before_anything_is_sent(
    qtbot: QtBot, window_factory: Callable[..., SignInWindow]
) -> None:
    window = window_factory()
    with qtbot.waitSignal(window.message_shown) as shown:
        QTest.mouseClick(window.sign_in_new_button, Qt.MouseButton.LeftButton)
    assert shown.args == ["Enter the index's address, your username and your password."]
    assert not window.busy


def test_demo_mode_is_marked_and_offers_the_demo_users(
    window_factory: Callable[..., SignInWindow], context: UiContext
) -> None:
    demo = UiContext(
        secret_store=context.secret_store,
        data_root=context.data_root,
        demo=True,
        default_server_url="http://127.0.0.1:8765",
    )
    window = window_factory(context=demo)
    banner = window.findChild(type(window.message), "demoBanner")
    assert banner is not None
    assert banner.isVisible()
    assert banner.text.startswith("DEMO")
    assert window.windowTitle().startswith("Everychild DEMO")
    assert window.server_url.text() == "http://127.0.0.1:8765"
    hint = window.findChild(type(window.busy_label), "demoUsersHint")
    assert hint is not None
    assert "demo-practitioner" in hint.text()


def test_tab_goes_from_the_list_to_the_password_to_the_buttons(
    qtbot: QtBot, window_factory: Callable[..., SignInWindow], filled_profile: Profile
) -> None:
    window = window_factory()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.profile_list.setFocus()
    for expected in (window.saved_password, window.sign_in_button, window.unlock_button):
        focused = QApplication.focusWidget()
        assert focused is not None
        QTest.keyClick(focused, Qt.Key.Key_Tab)
        assert expected.hasFocus()


def test_a_copy_past_the_wipe_limit_is_destroyed_when_the_window_opens(
    qtbot: QtBot,
    window_factory: Callable[..., SignInWindow],
    *,
    worker: CacheWorker,
    context: UiContext,
    make_profile: Callable[..., Profile],
    filled_profile: Profile,
) -> None:
    kept = make_profile("reception.two")
    # The filled profile last reached the index more than its 14 days ago.
    long_ago = utcnow() - timedelta(days=POLICY.wipe_after_days, minutes=1)

    def last_contact_long_ago() -> None:
        cache = Cache.open(filled_profile, synthetic.PASSWORD, context.secret_store, now=long_ago)
        try:
            cache.record_contact(long_ago, POLICY)
        finally:
            cache.close()

    run_on(qtbot, worker, last_contact_long_ago)

    window = window_factory()
    qtbot.waitUntil(lambda: not window.message.isHidden(), timeout=15_000)
    assert window.message.text == (
        "Everychild deleted the copy of the caseload kept on this computer for pat.visitor: "
        "it had not reached the index for more than 14 days, the limit your organisation "
        "sets. Changes not yet sent were deleted with it. Sign in to fetch the caseload again."
    )
    assert not filled_profile.folder.exists()
    assert context.secret_store.get(filled_profile.profile_id) is None
    rows = [window.profiles.profile_at(r).profile_id for r in range(window.profiles.rowCount())]
    assert rows == [kept.profile_id]


def test_a_copy_within_the_wipe_limit_is_kept(
    qtbot: QtBot,
    window_factory: Callable[..., SignInWindow],
    worker: CacheWorker,
    filled_profile: Profile,
) -> None:
    window = window_factory()
    run_on(qtbot, worker, lambda: None)  # the window's check has run on the worker
    assert filled_profile.folder.exists()
    assert window.message.isHidden()
    assert window.profiles.rowCount() == 1
