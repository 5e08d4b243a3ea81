"""The guided decision, by keyboard alone, into the real encrypted cache (PRODUCT.md §4, §6).

A practitioner answers "Should I share this information?" with number keys and Enter,
fills in the decision record with the keyboard, and saves: the decision is on the cached
record, in the outbox as a ``record_decision`` mutation carrying the chart id, version
and answers, and in the local audit chain. Refusals are shown in the dialog, in words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.domain.audit import AuditAction
from app.domain.changes import RecordDecision
from app.domain.flowcharts import RecordField, load_flowchart
from app.domain.records import DecisionOutcome, SharingBasis
from app.domain.roles import Role
from app.store.models import OutboxItem, OutboxKind
from app.ui.guidance.decision_dialog import DecisionDialog, WithdrawConsentDialog
from app.ui.guidance.decision_form import DEFAULT_REVIEW_DAYS
from app.ui.guidance.saving import DecisionSaver, SavedDecision
from app.ui.session import Session
from app.ui.tasks import CacheWorker
from tests.gui import synthetic
from tests.gui.conftest import run_on
from tests.gui.guidance.conftest import AMELIA_ID

PUBLIC_INTEREST = [1, 1, 1, 4, 3, 1, 1]


def key(dialog: QWidget, which: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    """Press a key where the keyboard focus is, as the practitioner would."""
    target = QApplication.focusWidget() or dialog
    if modifier is None:
        QTest.keyClick(target, which)
    else:
        QTest.keyClick(target, which, modifier)


def type_text(dialog: QWidget, text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClicks(target, text)


def number_key(number: int) -> Qt.Key:
    return Qt.Key(int(Qt.Key.Key_0.value) + number)


def answer_by_keyboard(dialog: DecisionDialog, numbers: list[int]) -> None:
    for number in numbers:
        key(dialog, number_key(number))
        key(dialog, Qt.Key.Key_Return)


@pytest.fixture
def dialog(qtbot: QtBot, saver: DecisionSaver) -> DecisionDialog:
    shown = DecisionDialog(saver, child_label="Amelia Hartwell, born 14 March 2015")
    qtbot.addWidget(shown)
    shown.show()
    shown.activateWindow()
    qtbot.waitExposed(shown)
    return shown


def mutations(items: list[OutboxItem]) -> list[OutboxItem]:
    return [i for i in items if i.kind is OutboxKind.MUTATION]


def test_a_decision_is_made_and_saved_with_the_keyboard_alone(
    qtbot: QtBot,
    dialog: DecisionDialog,
    outbox: Callable[[], list[OutboxItem]],
    worker: CacheWorker,
    session: Session,
) -> None:
    answer_by_keyboard(dialog, PUBLIC_INTEREST)
    assert dialog.panel.current_id == "out_share_public_interest"
    assert dialog.record_button.isVisible()
    assert QApplication.focusWidget() is dialog.record_button

    key(dialog, Qt.Key.Key_Return)
    assert dialog.on_form
    form = dialog.form
    assert form is not None
    assert form.fields == (
        RecordField.INFORMATION_SHARED,
        RecordField.SHARED_WITH,
        RecordField.PURPOSE,
        RecordField.REASONS,
        RecordField.CONSULTED,
        RecordField.PERSON_INFORMED,
        RecordField.REVIEW_DATE,
    )
    assert QApplication.focusWidget() is form.editors[RecordField.INFORMATION_SHARED]
    for text in (
        "Bruising seen at two home visits.",
        "Duty social worker, Brighton and Hove Children's Services",
        "To protect Amelia from significant harm.",
        "Child at risk; asking the family would increase the risk.",
        "Safeguarding lead, Seafield Health",
    ):
        type_text(dialog, text)
        key(dialog, Qt.Key.Key_Tab)
    # "Was the person told?": the keyboard lands on the first choice; Space picks it.
    assert QApplication.focusWidget() is form.informed_yes
    key(dialog, Qt.Key.Key_Right)
    key(dialog, Qt.Key.Key_Space)
    assert form.informed_no.isChecked()
    key(dialog, Qt.Key.Key_Tab)
    review = form.editors[RecordField.REVIEW_DATE]
    assert QApplication.focusWidget() is review
    # Tab steps through the date's day, month and year, then leaves it (Qt's way).
    for _section in range(3):
        key(dialog, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is not review:
            break
    assert QApplication.focusWidget() is dialog.save_button
    with qtbot.waitSignal(dialog.decision_saved, timeout=15_000) as saved:
        key(dialog, Qt.Key.Key_Return)
    assert saved.args is not None
    result: SavedDecision = saved.args[0]
    assert not dialog.isVisible()

    payload = result.payload
    chart = load_flowchart("should-i-share")
    today = saver_today(dialog)
    assert payload == RecordDecision(
        decision_id=payload.decision_id,
        outcome=DecisionOutcome.SHARE,
        basis=SharingBasis.PUBLIC_INTEREST,
        information_shared="Bruising seen at two home visits.",
        shared_with="Duty social worker, Brighton and Hove Children's Services",
        purpose="To protect Amelia from significant harm.",
        reasons="Child at risk; asking the family would increase the risk.",
        consulted="Safeguarding lead, Seafield Health",
        person_informed=False,
        review_date=today + timedelta(days=DEFAULT_REVIEW_DAYS),
        flowchart_id="should-i-share",
        flowchart_version=chart.version,
        answers=(
            ("purpose", "yes"),
            ("identifiable", "yes"),
            ("confidential", "yes"),
            ("consent", "no"),
            ("statutory", "no"),
            ("public_interest", "child_significant_harm"),
            ("proportionate", "yes"),
        ),
    )
    # The record as the practitioner now sees it carries the decision.
    decision = next(d for d in result.record.decisions if d.id == payload.decision_id)
    assert decision.decided_by == synthetic.USER_ID
    assert decision.answers == payload.answers

    # Queued for the index, with its entry in the local audit chain, in one transaction.
    items = outbox()
    queued = [i for i in mutations(items) if i.mutation == result.mutation]
    assert len(queued) == 1
    audit = [
        i.audit
        for i in items
        if i.audit is not None
        and i.audit.action is AuditAction.RECORD_DECISION
        and i.audit.details.get("mutation_id") == result.mutation.id
    ]
    assert len(audit) == 1
    assert audit[0].child_id == AMELIA_ID
    assert audit[0].actor_id == synthetic.USER_ID
    assert run_on(qtbot, worker, session.cache.verify_audit) is None


def saver_today(dialog: DecisionDialog) -> date:
    return dialog.saver.today()


def test_going_back_from_the_form_and_taking_another_way_asks_for_other_fields(
    qtbot: QtBot, dialog: DecisionDialog
) -> None:
    answer_by_keyboard(dialog, [1, 1, 1, 1])  # explicit consent
    key(dialog, Qt.Key.Key_Return)
    form = dialog.form
    assert form is not None
    assert RecordField.CONSENT_FROM in form.fields
    form.set_text(RecordField.CONSENT_FROM, "Laurel Hartwell (mother)")

    dialog.show_walk()
    key(dialog, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert dialog.panel.current_id == "consent"
    assert not dialog.record_button.isVisible()
    answer_by_keyboard(dialog, [4, 2])  # no consent; a court order
    assert dialog.panel.current_id == "out_share_legal_obligation"
    key(dialog, Qt.Key.Key_Return)
    assert dialog.form is not form
    assert dialog.form is not None
    assert RecordField.CONSENT_FROM not in dialog.form.fields
    assert RecordField.PERSON_INFORMED in dialog.form.fields


def test_an_empty_field_is_refused_in_words_and_the_cursor_goes_to_it(
    qtbot: QtBot, dialog: DecisionDialog, outbox: Callable[[], list[OutboxItem]]
) -> None:
    before = len(mutations(outbox()))
    answer_by_keyboard(dialog, [1, 2])  # not personal information: you may share
    key(dialog, Qt.Key.Key_Return)
    form = dialog.form
    assert form is not None
    form.set_text(RecordField.INFORMATION_SHARED, "Term dates")
    dialog.save_button.click()
    assert dialog.problem_text() == "Fill in with whom to record this decision."
    assert QApplication.focusWidget() is form.editors[RecordField.SHARED_WITH]
    assert dialog.isVisible()
    assert len(mutations(outbox())) == before


def test_a_change_the_access_rules_refuse_is_shown_and_nothing_is_queued(
    qtbot: QtBot,
    worker: CacheWorker,
    session: Session,
    outbox: Callable[[], list[OutboxItem]],
) -> None:
    viewer = synthetic.user(Role.VIEWER)
    refused = DecisionDialog(
        DecisionSaver(worker, session.cache, actor=viewer, child_id=AMELIA_ID),
        child_label="Amelia Hartwell",
    )
    qtbot.addWidget(refused)
    refused.show()
    before = len(mutations(outbox()))
    for number in (1, 2):  # not personal information: you may share
        refused.panel.choose(number)
        refused.panel.go_on()
    refused.show_form()
    form = refused.form
    assert form is not None
    form.set_text(RecordField.INFORMATION_SHARED, "Term dates")
    form.set_text(RecordField.SHARED_WITH, "School office")
    form.set_text(RecordField.PURPOSE, "Planning")
    form.set_text(RecordField.REASONS, "Public information anyway.")
    with qtbot.waitSignal(refused.busy_changed, timeout=15_000, check_params_cb=lambda b: not b):
        refused.save()
    assert refused.problem_text() == (
        "Your role does not allow you to record information-sharing decisions. "
        "If you need to, please speak to your manager."
    )
    assert refused.isVisible()
    assert len(mutations(outbox())) == before


def test_an_outcome_that_is_not_yet_a_decision_offers_to_start_again(
    qtbot: QtBot, dialog: DecisionDialog
) -> None:
    answer_by_keyboard(dialog, [1, 1, 1, 3])  # consent not yet asked
    assert dialog.panel.current_id == "out_seek_consent"
    assert not dialog.record_button.isVisible()
    assert dialog.restart_button.isVisible()
    assert "There is no decision to record yet" in dialog.outcome_note.text
    dialog.show_form()
    assert not dialog.on_form
    dialog.restart_button.click()
    assert dialog.panel.current_id == "purpose"
    assert dialog.panel.path_texts() == [
        "1. Now: Is there a clear and legitimate purpose for sharing this information?"
    ]


def test_consent_withdrawal_is_recorded_against_the_decision(
    qtbot: QtBot, saver: DecisionSaver, outbox: Callable[[], list[OutboxItem]]
) -> None:
    first = DecisionDialog(saver, child_label="Amelia Hartwell")
    qtbot.addWidget(first)
    first.show()
    for number in (1, 1, 1, 1):
        first.panel.choose(number)
        first.panel.go_on()
    first.show_form()
    form = first.form
    assert form is not None
    for field, text in (
        (RecordField.CONSENT_FROM, "Laurel Hartwell (mother)"),
        (RecordField.COMPETENCE_JUDGEMENT, "Adult with parental responsibility."),
        (RecordField.INFORMATION_SHARED, "Contact details"),
        (RecordField.SHARED_WITH, "School nurse"),
        (RecordField.PURPOSE, "Health checks at school"),
        (RecordField.REASONS, "Mother agreed."),
    ):
        form.set_text(field, text)
    with qtbot.waitSignal(first.decision_saved, timeout=15_000) as saved:
        first.save()
    assert saved.args is not None
    original: SavedDecision = saved.args[0]
    decision = next(d for d in original.record.decisions if d.id == original.payload.decision_id)

    withdraw = WithdrawConsentDialog(saver, decision, original.record.decisions)
    qtbot.addWidget(withdraw)
    withdraw.show()
    assert withdraw.withdrawn_by.text() == "Laurel Hartwell (mother)"
    withdraw.save_button.click()
    assert withdraw.problem_text() == "Fill in your reasons to record this decision."
    withdraw.reasons.setPlainText("She phoned to say the school must not be told more.")
    with qtbot.waitSignal(withdraw.decision_saved, timeout=15_000) as withdrawn:
        withdraw.save_button.click()
    assert withdrawn.args is not None
    payload = withdrawn.args[0].payload
    assert payload.outcome is DecisionOutcome.CONSENT_WITHDRAWN
    assert payload.withdraws == decision.id
    assert payload.consent_from == "Laurel Hartwell (mother)"
    queued = [i.mutation.payload for i in mutations(outbox()) if i.mutation is not None]
    assert [p.outcome for p in queued if isinstance(p, RecordDecision)] == [
        DecisionOutcome.SHARE,
        DecisionOutcome.CONSENT_WITHDRAWN,
    ]
