"""Every interactive control has an accessible name, as a screen reader would read it.

The name is asked of Qt's accessibility layer (``QAccessible``), so a name given
explicitly, a button's text and a label's buddy all count — and a control with none of
them fails. Parts Qt builds inside a control (a line edit's clear button, a table's
header, a tab bar's scroll arrows) belong to that control and are not walked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMenuBar,
    QPlainTextEdit,
    QPushButton,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.domain.reasons import ReasonCode
from app.domain.records import ConsentBasis, ConsentGiver, InvolvementConsent
from app.domain.roles import Role
from app.domain.services import default_catalogue
from app.ui.errors import CrashDialog
from app.ui.involvement_dialogs import AddInvolvementDialog
from app.ui.main_window import MainWindow
from app.ui.reason_dialog import ReasonDialog
from app.ui.session import Session, UiContext
from app.ui.sign_in_prompt import SignInPrompt
from app.ui.signin import SignInWindow
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import synthetic

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QTextEdit,
    QPlainTextEdit,
    QAbstractSpinBox,
    QAbstractSlider,
    QTabBar,
    QMenuBar,
)
#: Controls whose insides Qt builds and names itself.
COMPOSITE = (QLineEdit, QAbstractSpinBox, QComboBox, QAbstractItemView, QTabBar, QMenuBar)


def _inside_composite(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, COMPOSITE):
            return True
        parent = parent.parentWidget()
    return False


def accessible_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return "" if interface is None else interface.text(QAccessible.Text.Name).strip()


def _in_scroll_area(bar: QScrollBar) -> bool:
    container = bar.parentWidget()
    return container is not None and isinstance(container.parentWidget(), QAbstractScrollArea)


def controls(root: QWidget) -> Iterator[QWidget]:
    for widget in [root, *root.findChildren(QWidget)]:
        # A scroll area's bars belong to it: screen readers scroll the area itself.
        if isinstance(widget, QScrollBar) and _in_scroll_area(widget):
            continue
        if isinstance(widget, INTERACTIVE) and not _inside_composite(widget, root):
            yield widget


def unnamed(root: QWidget) -> list[str]:
    """Every interactive control under ``root`` (shown or not) without an accessible name."""
    return [
        f"{type(widget).__name__} {widget.objectName() or '(no object name)'}"
        for widget in controls(root)
        if not accessible_name(widget)
    ]


def test_the_walker_finds_a_control_without_a_name(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    named = QPushButton("Sync now")
    nameless = QPushButton()
    nameless.setObjectName("iconOnly")
    field = QLineEdit()
    layout.addWidget(named)
    layout.addWidget(nameless)
    layout.addWidget(field)
    assert unnamed(root) == ["QPushButton iconOnly", "QLineEdit (no object name)"]


def test_every_control_of_the_sign_in_window_is_named(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, filled_profile: object
) -> None:
    for demo in (False, True):
        shown = context if not demo else UiContext(secret_store=context.secret_store, demo=True)
        window = SignInWindow(worker, shown)
        qtbot.addWidget(window)
        window.show()
        window.show_message("Check the address.", offer_offline=True)
        assert len(list(controls(window))) >= 9
        assert unnamed(window) == []


def test_every_control_of_the_reason_dialog_is_named(qtbot: QtBot) -> None:
    dialog = ReasonDialog("Amelia Hartwell, born 14 March 2015")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.choose(ReasonCode.OTHER)
    assert len(list(controls(dialog))) == 11
    assert unnamed(dialog) == []


def test_every_control_of_the_crash_dialog_is_named(qtbot: QtBot) -> None:
    dialog = CrashDialog("details")
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed(dialog) == []


@pytest.fixture
def main_window(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, session: Session, relay: StatusRelay
) -> Iterator[MainWindow]:
    window = MainWindow(worker, context, session, relay, online=False)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.rows_shown, timeout=15_000):
        window.start()
    yield window
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=15_000)


def test_every_control_of_the_main_window_and_an_open_record_is_named(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    main_window.table.setCurrentIndex(main_window.proxy.index(0, 0))
    main_window.open_selected()
    dialog = main_window.reason_dialog
    assert dialog is not None
    dialog.choose(ReasonCode.SERVICE_PROVISION)
    with qtbot.waitSignal(main_window.record_opened, timeout=15_000) as opened:
        dialog.accept()
    assert opened.args is not None
    assert opened.args[0].copy_buttons
    found = [type(w).__name__ for w in controls(main_window)]
    assert {
        "QLineEdit",
        "QComboBox",
        "QTableView",
        "QTabBar",
        "QMenuBar",
        "QPushButton",
        "QToolButton",
    } <= set(found)
    assert unnamed(main_window) == []


def test_every_new_control_of_the_main_window_is_walked(main_window: MainWindow) -> None:
    # The search of the index, the notices, the sync progress: shown or not, all named.
    names = {w.objectName() for w in controls(main_window)}
    assert {
        "online_family_name",
        "online_index_id",
        "onlineSearchButton",
        "onlineResults",
        "resolveButton",
        "readRefusedButton",
        "leaseSignInButton",
        "networkSignInButton",
        "stopSyncButton",
    } <= names
    assert unnamed(main_window) == []


def test_every_control_of_a_record_tab_and_its_change_dialogs_is_named(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    main_window.table.setCurrentIndex(main_window.proxy.index(0, 0))
    main_window.open_selected()
    dialog = main_window.reason_dialog
    assert dialog is not None
    dialog.choose(ReasonCode.SERVICE_PROVISION)
    with qtbot.waitSignal(main_window.record_opened, timeout=15_000):
        dialog.accept()
    tab = main_window.record_tabs()[0]
    shown = [b for b in tab.buttons if not b.isHidden()]
    assert [accessible_name(b) for b in shown] == [
        "End my involvement",
        "Set an indicator",
        "Clear my indicator",
        "Pin to my caseload",
        "Record an information-sharing decision",
    ]
    assert unnamed(tab) == []
    changes = main_window.changes
    for ask in (
        changes.ask_end,
        changes.ask_set_indicator,
        changes.ask_clear_indicator,
        changes.ask_pin,
        changes.ask_decision,
    ):
        ask()
        opened = changes.dialog
        assert opened is not None
        assert len(list(controls(opened))) >= 3
        assert unnamed(opened) == [], type(opened).__name__
        opened.reject()
        qtbot.waitUntil(lambda: changes.dialog is None)


def test_every_control_of_the_details_of_a_sensitive_involvement_is_named(
    qtbot: QtBot,
) -> None:
    # The consent chart before it is walked in tests/gui/guidance/test_accessibility.py.
    camhs = synthetic.user(Role.PRACTITIONER).model_copy(update={"service_code": "camhs"})
    dialog = AddInvolvementDialog(
        "Johnathan Smith, born 2 January 2014",
        camhs,
        default_catalogue().get("camhs"),
        job_title="CAMHS clinician",
        today=date(2026, 11, 21),
        consent=InvolvementConsent(
            basis=ConsentBasis.EXPLICIT_CONSENT,
            given_by=ConsentGiver.PARENTAL_RESPONSIBILITY,
            recorded_on=date(2026, 11, 21),
        ),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    found = {type(w).__name__ for w in controls(dialog)}
    assert {"QLineEdit", "QDateEdit", "QCheckBox", "QPushButton"} <= found
    assert unnamed(dialog) == []


def test_every_control_of_the_list_dialogs_and_the_sign_in_prompt_is_named(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    for show in (
        main_window.show_conflicts,
        main_window.show_rejected,
        main_window.show_access_log,
    ):
        listed = show()
        qtbot.waitUntil(lambda listed=listed: listed.loads > 0, timeout=15_000)  # type: ignore[misc]
        assert unnamed(listed) == [], listed.objectName()
        listed.close()
    prompt = SignInPrompt("pat.visitor")
    qtbot.addWidget(prompt)
    prompt.show()
    prompt.show_message("The password is not right.")
    assert len(list(controls(prompt))) == 3
    assert unnamed(prompt) == []
