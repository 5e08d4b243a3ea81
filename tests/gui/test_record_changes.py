"""Changes to a record from its tab, offline, over a real encrypted cache (PRODUCT.md §1–§2).

Only what the rules allow is offered; each change is reached by its keyboard shortcut,
made through its dialog, saved through the cache (record, outbox and audit entry in one
transaction) and shown at once — in the record and in the caseload list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from app.domain.audit import AuditAction
from app.domain.changes import AddInvolvement, Pin, SetIndicator
from app.domain.reasons import ReasonCode
from app.domain.records import INDICATOR_REMINDER, ChildRecord, IndicatorKind
from app.domain.roles import Role
from app.store.models import OutboxItem, OutboxKind
from app.ui.caseload_model import Column, Show
from app.ui.guidance.decision_dialog import DecisionDialog
from app.ui.indicator_dialogs import ClearIndicatorDialog, SetIndicatorDialog
from app.ui.involvement_dialogs import AddInvolvementDialog, EndInvolvementDialog
from app.ui.main_window import MainWindow
from app.ui.reason_dialog import Purpose, ReasonDialog
from app.ui.record_tab import RecordTab
from app.ui.session import Session, UiContext
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import synthetic
from tests.gui.conftest import run_on, utcnow

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window_for(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, session: Session, relay: StatusRelay
) -> Iterator[Callable[..., MainWindow]]:
    """Makes the main window over the filled cache, as the remembered user given."""

    def make(*roles: Role, service_code: str = "health_visiting") -> MainWindow:
        profile = synthetic.user_profile(*roles, service_code=service_code)

        def remember() -> None:
            session.cache.remember_user(profile, now=utcnow())
            session.user = profile
            session.confirmed_on = utcnow().date()

        run_on(qtbot, worker, remember)
        window = MainWindow(worker, context, session, relay, online=False)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        with qtbot.waitSignal(window.rows_shown, timeout=15_000):
            window.start()
        return window

    yield make
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=15_000)


def open_child(qtbot: QtBot, window: MainWindow, record: ChildRecord) -> RecordTab:
    names = [window.proxy.index(r, Column.NAME).data() for r in range(window.proxy.rowCount())]
    window.table.setCurrentIndex(
        window.proxy.index(names.index(f"{record.family_name}, {record.given_names}"), 0)
    )
    window.open_selected()
    dialog = window.reason_dialog
    assert dialog is not None
    dialog.choose(ReasonCode.SERVICE_PROVISION)
    with qtbot.waitSignal(window.record_opened, timeout=15_000):
        dialog.accept()
    tab = window.record_tabs()[-1]
    assert tab.record.index_id == record.index_id
    return tab


def offered(tab: RecordTab) -> list[str]:
    return [button.text() for button in tab.buttons if not button.isHidden()]


def activate(qtbot: QtBot, window: MainWindow) -> None:
    """A window manager gives the focus back when a dialog closes; offscreen, we do."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def shortcut(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> QDialog:
    activate(qtbot, window)
    with qtbot.waitSignal(window.dialog_opened, timeout=15_000) as opened:
        QTest.keyClick(window.tabs.currentWidget(), key, CTRL_SHIFT)
    assert opened.args is not None
    dialog: QDialog = opened.args[0]
    return dialog


def make_change(qtbot: QtBot, window: MainWindow, confirm: Callable[[], None]) -> None:
    with qtbot.waitSignal(window.change_made, timeout=15_000):
        confirm()


def outbox(qtbot: QtBot, worker: CacheWorker, session: Session) -> list[OutboxItem]:
    return run_on(qtbot, worker, lambda: session.cache.outbox_batch(100))


def listed(window: MainWindow, name: str, column: Column) -> str:
    for row in range(window.proxy.rowCount()):
        if window.proxy.index(row, Column.NAME).data() == name:
            value: str = window.proxy.index(row, column).data()
            return value
    raise AssertionError(name)


def test_only_the_changes_the_rules_allow_are_offered(
    qtbot: QtBot, window_for: Callable[..., MainWindow]
) -> None:
    window = window_for(Role.PRACTITIONER)
    amelia = open_child(qtbot, window, synthetic.AMELIA)
    # Involved with Amelia, with an indicator of her own: nothing to add.
    assert offered(amelia) == [
        "End my involvement",
        "Set an indicator",
        "Clear my indicator",
        "Pin to my caseload",
        "Record an information-sharing decision",
    ]
    john = open_child(qtbot, window, synthetic.JOHN)
    assert offered(john) == [
        "Add me as involved",
        "Pin to my caseload",
        "Record an information-sharing decision",
    ]
    # A shielded record: only the index team may record an involvement.
    ruby = open_child(qtbot, window, synthetic.RUBY)
    # Any practitioner may still record a sharing decision about the child.
    assert offered(ruby) == ["Pin to my caseload", "Record an information-sharing decision"]
    assert not window.changes.add_involvement.isVisible()
    assert not window.changes.end_involvement.isEnabled()


def test_a_viewer_is_offered_no_change_but_pinning(
    qtbot: QtBot, window_for: Callable[..., MainWindow]
) -> None:
    window = window_for(Role.VIEWER)
    tab = open_child(qtbot, window, synthetic.AMELIA)
    assert offered(tab) == ["Pin to my caseload"]
    assert [a.isVisible() for a in window.changes.actions] == [
        False,
        False,
        False,
        False,
        True,
        False,
        False,  # recording a decision: practitioners and above only
    ]


def test_a_practitioner_records_a_decision_from_the_record_by_keyboard(
    qtbot: QtBot, window_for: Callable[..., MainWindow]
) -> None:
    window = window_for(Role.PRACTITIONER)
    open_child(qtbot, window, synthetic.AMELIA)
    assert window.changes.record_decision.isVisible()

    dialog = shortcut(qtbot, window, Qt.Key.Key_D)

    assert isinstance(dialog, DecisionDialog)
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Amelia" in dialog.windowTitle() + shown
    dialog.reject()


def test_setting_an_indicator_by_keyboard_shows_the_reminder_and_queues_it(
    qtbot: QtBot, window_for: Callable[..., MainWindow], worker: CacheWorker, session: Session
) -> None:
    window = window_for(Role.PRACTITIONER)
    tab = open_child(qtbot, window, synthetic.AMELIA)
    before = outbox(qtbot, worker, session)
    dialog = shortcut(qtbot, window, Qt.Key.Key_I)
    assert isinstance(dialog, SetIndicatorDialog)
    reminder = dialog.findChild(QLabel, "indicatorReminderBannerText")
    assert reminder is not None
    assert reminder.text() == INDICATOR_REMINDER
    assert not dialog.confirm_button.isEnabled()
    QTest.keyClick(dialog, Qt.Key.Key_2)
    assert dialog.confirm_button.isEnabled()
    make_change(qtbot, window, lambda: QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return))

    assert "Indicator: Action taken or under way — set by Pat Visitor on " in (
        tab.view.visible_text()
    )
    assert tab.note.text == (
        "Your change is saved on this computer. It will be sent to the index when you sign "
        "in and sync (F5)."
    )
    queued = outbox(qtbot, worker, session)[len(before) :]
    assert [item.kind for item in queued] == [OutboxKind.MUTATION, OutboxKind.AUDIT]
    mutation = queued[0].mutation
    assert mutation is not None
    assert isinstance(mutation.payload, SetIndicator)
    assert mutation.payload.indicator is IndicatorKind.ACTION_UNDER_WAY
    assert queued[1].audit is not None
    assert queued[1].audit.action is AuditAction.SET_INDICATOR
    # The list shows it too: two indicators now, one change waiting to be sent.
    qtbot.waitUntil(lambda: listed(window, "Hartwell, Amelia", Column.PENDING) == "1")
    assert listed(window, "Hartwell, Amelia", Column.INDICATORS) == "2"


def test_clearing_and_ending_my_own(qtbot: QtBot, window_for: Callable[..., MainWindow]) -> None:
    window = window_for(Role.PRACTITIONER)
    tab = open_child(qtbot, window, synthetic.AMELIA)
    clearing = shortcut(qtbot, window, Qt.Key.Key_K)
    assert isinstance(clearing, ClearIndicatorDialog)
    # The only indicator is chosen already.
    make_change(qtbot, window, clearing.accept)
    assert "Has important information to share" not in tab.view.visible_text()
    assert "Clear my indicator" not in offered(tab)

    ending = shortcut(qtbot, window, Qt.Key.Key_E)
    assert isinstance(ending, EndInvolvementDialog)
    assert ending.chosen().id == "involvement-1"
    make_change(qtbot, window, ending.accept)
    assert "(ended)" in tab.view.visible_text()
    # Ended: nothing more to change on it, and nothing to add (the rules count it).
    assert offered(tab) == [
        "Add me as involved",
        "Pin to my caseload",
        "Record an information-sharing decision",
    ]


def test_pinning_asks_for_a_reason_and_never_on_someone_elses_behalf(
    qtbot: QtBot, window_for: Callable[..., MainWindow], worker: CacheWorker, session: Session
) -> None:
    window = window_for(Role.PRACTITIONER)
    tab = open_child(qtbot, window, synthetic.JOHN)
    activate(qtbot, window)
    QTest.keyClick(window.tabs.currentWidget(), Qt.Key.Key_P, CTRL_SHIFT)
    dialog = window.changes.dialog
    assert isinstance(dialog, ReasonDialog)
    assert dialog.purpose is Purpose.PIN
    assert not dialog.buttons[ReasonCode.MEDIATED_REQUEST].isEnabled()
    QTest.keyClick(dialog, Qt.Key.Key_4)
    assert dialog.chosen_code() is None
    QTest.keyClick(dialog, Qt.Key.Key_3)
    make_change(qtbot, window, lambda: QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return))

    assert offered(tab) == ["Add me as involved", "Unpin", "Record an information-sharing decision"]
    pins = [i.mutation for i in outbox(qtbot, worker, session) if i.mutation is not None]
    assert [(type(m.payload), m.child_id) for m in pins] == [(Pin, synthetic.JOHN.index_id)]
    assert isinstance(pins[0].payload, Pin)
    assert pins[0].payload.reason_code == ReasonCode.IDENTIFY_INVOLVED.value
    window.show_filter.setCurrentIndex(window.show_filter.findData(Show.PINNED))
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 1)

    window.tabs.setCurrentWidget(tab)
    activate(qtbot, window)
    make_change(
        qtbot,
        window,
        lambda: QTest.keyClick(window.tabs.currentWidget(), Qt.Key.Key_U, CTRL_SHIFT),
    )
    assert offered(tab) == [
        "Add me as involved",
        "Pin to my caseload",
        "Record an information-sharing decision",
    ]
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 0)


def test_a_sensitive_service_needs_consent_before_the_details(
    qtbot: QtBot, window_for: Callable[..., MainWindow], worker: CacheWorker, session: Session
) -> None:
    window = window_for(Role.PRACTITIONER, service_code="camhs")
    tab = open_child(qtbot, window, synthetic.JOHN)
    dialog = shortcut(qtbot, window, Qt.Key.Key_N)
    assert isinstance(dialog, AddInvolvementDialog)
    assert dialog.on_consent_step
    assert dialog.step_label.text() == "Step 1 of 2: consent"
    assert not dialog.next_button.isEnabled()
    assert dialog.problem_text() == ""
    QTest.keyClick(dialog, Qt.Key.Key_3)
    assert dialog.consent_step is not None
    justification = dialog.consent_step.justification
    assert justification.isEnabled()
    QTest.keyClicks(justification, "Risk at home")
    assert dialog.problem_text() == (
        "A child-protection override needs a written justification of at least 20 "
        "characters describing the concern."
    )
    # Enter cannot skip the consent step while it is incomplete.
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.on_consent_step
    QTest.keyClicks(justification, " disclosed at school today")
    assert dialog.next_button.isEnabled()
    QTest.keyClick(dialog.next_button, Qt.Key.Key_Return)
    assert dialog.pages.currentIndex() == 1  # the details step
    assert dialog.role.text() == "Health visitor"
    dialog.role.setText("CAMHS clinician")
    make_change(qtbot, window, lambda: QTest.keyClick(dialog.role, Qt.Key.Key_Return))

    text = tab.view.visible_text()
    assert "Pat Visitor — CAMHS clinician, Seafield Health" in text
    assert "Recorded without consent because of a child-protection concern" in text
    assert "Flagged for review." in text
    added = [i.mutation for i in outbox(qtbot, worker, session) if i.mutation is not None]
    assert isinstance(added[-1].payload, AddInvolvement)
    consent = added[-1].payload.consent
    assert consent is not None
    assert consent.flagged_for_review


def test_explicit_consent_of_a_parent_is_recorded(
    qtbot: QtBot, window_for: Callable[..., MainWindow]
) -> None:
    window = window_for(Role.PRACTITIONER, service_code="camhs")
    tab = open_child(qtbot, window, synthetic.JANE)
    dialog = shortcut(qtbot, window, Qt.Key.Key_N)
    assert isinstance(dialog, AddInvolvementDialog)
    QTest.keyClick(dialog, Qt.Key.Key_2)
    assert dialog.consent_step is not None
    assert not dialog.consent_step.justification.isEnabled()
    dialog.go_next()
    make_change(qtbot, window, dialog.accept)
    assert "with the explicit consent of a person with parental responsibility" in (
        tab.view.visible_text()
    )
