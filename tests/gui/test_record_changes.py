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
from PySide6.QtWidgets import QApplication, QDialog, QLabel
from pytestqt.qtbot import QtBot

from app.domain.audit import AuditAction
from app.domain.changes import AddInvolvement, Pin, RecordDecision, SetIndicator
from app.domain.reasons import ReasonCode
from app.domain.records import (
    INDICATOR_REMINDER,
    ChildRecord,
    ConsentGiver,
    DecisionOutcome,
    IndicatorKind,
)
from app.domain.roles import Role
from app.store.models import OutboxItem, OutboxKind
from app.ui.caseload_model import Column, Show, format_date
from app.ui.guidance.consent_step import ConsentStepDialog
from app.ui.guidance.decision_dialog import DecisionDialog, WithdrawConsentDialog
from app.ui.guidance.decision_view import DecisionCard
from app.ui.indicator_dialogs import ClearIndicatorDialog, SetIndicatorDialog
from app.ui.involvement_dialogs import AddInvolvementDialog, EndInvolvementDialog
from app.ui.main_window import MainWindow
from app.ui.reason_dialog import Purpose, ReasonDialog
from app.ui.record_tab import RecordTab
from app.ui.session import Session, UiContext
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import synthetic
from tests.gui.conftest import page, run_on, utcnow

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


def _with_a_consented_decision(qtbot: QtBot, worker: CacheWorker, session: Session) -> None:
    """Amelia's cached record now holds a decision made with her mother's consent."""
    run_on(
        qtbot,
        worker,
        lambda: session.cache.store_page(page([synthetic.AMELIA_WITH_DECISION]), now=utcnow()),
    )


def test_consent_withdrawn_is_recorded_from_the_decision_on_the_record(
    qtbot: QtBot, window_for: Callable[..., MainWindow], worker: CacheWorker, session: Session
) -> None:
    _with_a_consented_decision(qtbot, worker, session)
    window = window_for(Role.PRACTITIONER)
    tab = open_child(qtbot, window, synthetic.AMELIA)
    [card] = tab.view.findChildren(DecisionCard)
    assert card.withdraw_button is not None
    assert card.withdraw_button.isVisible()

    with qtbot.waitSignal(window.dialog_opened, timeout=15_000) as opened:
        card.withdraw_button.click()
    assert opened.args is not None
    dialog = opened.args[0]
    assert isinstance(dialog, WithdrawConsentDialog)
    assert dialog.withdrawn_by.text() == "Laurel Hartwell (mother)"
    dialog.save()
    assert dialog.problem_text() != ""  # what was said and done is needed
    dialog.reasons.setPlainText("Mother phoned: no more sharing with school. Told the school.")
    make_change(qtbot, window, dialog.save)

    assert "Consent withdrawn on " in tab.view.visible_text()
    cards = {card.decision.outcome: card for card in tab.view.findChildren(DecisionCard)}
    assert set(cards) == {DecisionOutcome.SHARE, DecisionOutcome.CONSENT_WITHDRAWN}
    # The decision stays as it was made, and its consent can be withdrawn only once.
    assert cards[DecisionOutcome.SHARE].withdraw_button is None
    [withdrawal] = [i.mutation for i in outbox(qtbot, worker, session) if i.mutation is not None]
    assert isinstance(withdrawal.payload, RecordDecision)
    assert withdrawal.payload.withdraws == "decision-amelia-1"
    assert withdrawal.payload.outcome is DecisionOutcome.CONSENT_WITHDRAWN


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


def press_keys(qtbot: QtBot, dialog: QDialog, *keys: Qt.Key | str) -> None:
    """Type into whatever has the focus in ``dialog``: keys, or text."""
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    for key in keys:
        target = QApplication.focusWidget()
        assert target is not None
        assert dialog.isAncestorOf(target), target
        if isinstance(key, str):
            QTest.keyClicks(target, key)
        else:
            QTest.keyClick(target, key)


def test_a_sensitive_service_walks_the_consent_chart_before_the_details(
    qtbot: QtBot, window_for: Callable[..., MainWindow], worker: CacheWorker, session: Session
) -> None:
    window = window_for(Role.PRACTITIONER, service_code="camhs")
    tab = open_child(qtbot, window, synthetic.JOHN)
    consent_step = shortcut(qtbot, window, Qt.Key.Key_N)
    assert isinstance(consent_step, ConsentStepDialog)
    assert consent_step.windowTitle() == "May I record my involvement from a sensitive service?"
    # Consent refused (3), genuine child-protection concerns (1), discussed (Enter): the
    # override, by keyboard alone.
    press_keys(qtbot, consent_step, Qt.Key.Key_3, Qt.Key.Key_Return, Qt.Key.Key_1)
    press_keys(qtbot, consent_step, Qt.Key.Key_Return, Qt.Key.Key_Return)
    assert consent_step.panel.current_id == "out_record_with_override"
    assert consent_step.justification.hasFocus()
    press_keys(qtbot, consent_step, "Risk at home", Qt.Key.Key_Tab)
    with qtbot.assertNotEmitted(window.dialog_opened):
        QTest.keyClick(consent_step.add_button, Qt.Key.Key_Return)
    assert consent_step.problem_text() == (
        "A child-protection override needs a written justification of at least 20 "
        "characters describing the concern."
    )
    consent_step.justification.setFocus()
    with qtbot.waitSignal(window.dialog_opened, timeout=15_000) as opened:
        press_keys(qtbot, consent_step, " disclosed at school today", Qt.Key.Key_Tab)
        QTest.keyClick(consent_step.add_button, Qt.Key.Key_Return)
    assert opened.args is not None
    dialog = opened.args[0]
    assert isinstance(dialog, AddInvolvementDialog)
    assert dialog.consent_note is not None
    assert dialog.consent_note.text.endswith(
        "Recorded without consent because of a child-protection concern, on "
        f"{format_date(utcnow().date())}. Flagged for review."
    )
    assert dialog.focusWidget() is dialog.role
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
    assert consent.justification == "Risk at home disclosed at school today"
    assert consent.flagged_for_review


def test_a_competent_childs_consent_is_recorded_with_how_it_was_judged(
    qtbot: QtBot, window_for: Callable[..., MainWindow], worker: CacheWorker, session: Session
) -> None:
    window = window_for(Role.PRACTITIONER, service_code="camhs")
    tab = open_child(qtbot, window, synthetic.JANE)
    consent_step = shortcut(qtbot, window, Qt.Key.Key_N)
    assert isinstance(consent_step, ConsentStepDialog)
    press_keys(qtbot, consent_step, Qt.Key.Key_1, Qt.Key.Key_Return)
    consent_step.choose_giver(ConsentGiver.CHILD)
    consent_step.add_button.click()
    assert consent_step.problem_text().startswith(
        "Say how you judged that the child understands and can consent"
    )
    consent_step.competence.setPlainText("Aged 14; explained back who would see it.")
    with qtbot.waitSignal(window.dialog_opened, timeout=15_000) as opened:
        consent_step.add_button.click()
    assert opened.args is not None
    dialog = opened.args[0]
    assert isinstance(dialog, AddInvolvementDialog)
    make_change(qtbot, window, dialog.accept)

    assert (
        "with the explicit consent of the child on "
        f"{format_date(utcnow().date())}. Competence to consent: Aged 14; explained back "
        "who would see it."
    ) in tab.view.visible_text()
    added = [i.mutation for i in outbox(qtbot, worker, session) if i.mutation is not None]
    assert isinstance(added[-1].payload, AddInvolvement)
    assert added[-1].payload.consent is not None
    assert added[-1].payload.consent.competence_judgement == (
        "Aged 14; explained back who would see it."
    )


@pytest.mark.parametrize(
    "case",
    [
        ((Qt.Key.Key_4, Qt.Key.Key_2), "Your details were not added: without consent"),
        ((Qt.Key.Key_2,), "Your details were not added. Ask for consent first"),
    ],
    ids=["no-consent-no-concern", "not-yet-asked"],
)
def test_a_consent_walk_that_does_not_add_says_so_and_changes_nothing(
    qtbot: QtBot,
    window_for: Callable[..., MainWindow],
    worker: CacheWorker,
    session: Session,
    case: tuple[tuple[Qt.Key, ...], str],
) -> None:
    answers, note = case
    window = window_for(Role.PRACTITIONER, service_code="camhs")
    tab = open_child(qtbot, window, synthetic.JANE)
    before = outbox(qtbot, worker, session)
    consent_step = shortcut(qtbot, window, Qt.Key.Key_N)
    assert isinstance(consent_step, ConsentStepDialog)
    for key in answers:
        press_keys(qtbot, consent_step, key, Qt.Key.Key_Return)
    assert consent_step.do_not_add_button.isVisible()
    with qtbot.assertNotEmitted(window.dialog_opened):
        consent_step.do_not_add_button.click()
    qtbot.waitUntil(lambda: window.changes.dialog is None)
    assert tab.note.text.startswith(note)
    assert not tab.note.isHidden()
    assert outbox(qtbot, worker, session) == before
    assert offered(tab)[0] == "Add me as involved"
