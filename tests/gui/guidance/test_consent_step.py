"""Chart 4 before a sensitive involvement: the consent it yields, or none (seed 000 §11–15)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from app.domain.flowcharts import OutcomeDecision
from app.domain.records import ConsentBasis, ConsentGiver, InvolvementConsent
from app.domain.services import check_involvement_consent, default_catalogue
from app.ui.guidance.consent_step import ConsentStepDialog, ask_involvement_consent

TODAY = date(2026, 11, 21)


@pytest.fixture
def dialog(qtbot: QtBot) -> ConsentStepDialog:
    shown = ConsentStepDialog(service_name="Child and adolescent mental health", today=TODAY)
    qtbot.addWidget(shown)
    shown.show()
    return shown


def walk(dialog: ConsentStepDialog, *numbers: int) -> None:
    for number in numbers:
        dialog.panel.choose(number)
        dialog.panel.go_on()


def test_explicit_consent_records_whose_it_was(qtbot: QtBot, dialog: ConsentStepDialog) -> None:
    assert not dialog.add_button.isVisible()
    walk(dialog, 1)
    assert dialog.panel.current_id == "out_record_with_consent"
    assert dialog.giver_box.isVisible()
    assert not dialog.justification_box.isVisible()
    assert dialog.add_button.isVisible()
    dialog.add_button.click()
    assert dialog.problem_text() == (
        "Say whose consent was given: the child's, or a person with parental responsibility."
    )
    assert dialog.isVisible()
    dialog.choose_giver(ConsentGiver.PARENTAL_RESPONSIBILITY)
    with qtbot.waitSignal(dialog.consent_given) as given:
        dialog.add_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    expected = InvolvementConsent(
        basis=ConsentBasis.EXPLICIT_CONSENT,
        given_by=ConsentGiver.PARENTAL_RESPONSIBILITY,
        recorded_on=TODAY,
    )
    assert given.args == [expected]
    assert dialog.consent == expected
    assert dialog.outcome is OutcomeDecision.RECORD_WITH_CONSENT


def test_the_override_needs_a_justification_and_is_flagged(dialog: ConsentStepDialog) -> None:
    walk(dialog, 3, 1)  # refused; genuine child-protection concerns
    assert dialog.panel.current_id == "consult"
    assert not dialog.add_button.isVisible()
    dialog.panel.go_on()  # discussed with the manager
    assert dialog.panel.current_id == "out_record_with_override"
    assert dialog.justification_box.isVisible()
    assert dialog.add_button.text() == "&Add my details under the override"
    dialog.justification.setPlainText("Concern.")
    dialog.add_button.click()
    assert dialog.problem_text() == (
        "A child-protection override needs a written justification of at least 20 "
        "characters describing the concern."
    )
    dialog.justification.setPlainText(
        "Disclosed injuries at home; strategy discussion on 20 November; manager agreed."
    )
    dialog.add_button.click()
    consent = dialog.consent
    assert consent is not None
    assert consent.basis is ConsentBasis.CHILD_PROTECTION_OVERRIDE
    assert consent.flagged_for_review
    # The index applies the same rule: what the dialog returns is accepted as it is.
    assert check_involvement_consent(default_catalogue().get("camhs"), consent) == consent


def test_no_consent_and_no_child_protection_concern_means_do_not_add(
    dialog: ConsentStepDialog,
) -> None:
    walk(dialog, 4, 2)
    assert dialog.panel.current_id == "out_do_not_record"
    assert not dialog.add_button.isVisible()
    assert dialog.do_not_add_button.isVisible()
    assert dialog.outcome_note.text.startswith("Do not add your details to the index.")
    dialog.do_not_add_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.consent is None
    assert dialog.outcome is OutcomeDecision.DO_NOT_RECORD


def test_going_back_from_an_outcome_hides_its_questions(dialog: ConsentStepDialog) -> None:
    walk(dialog, 1)
    assert dialog.giver_box.isVisible()
    dialog.panel.go_back()
    assert not dialog.giver_box.isVisible()
    assert not dialog.add_button.isVisible()
    walk(dialog, 2)
    assert dialog.panel.current_id == "out_ask_for_consent"
    dialog.do_not_add_button.click()
    assert dialog.consent is None
    assert dialog.outcome is OutcomeDecision.SEEK_CONSENT


@pytest.mark.parametrize(
    ("answers", "giver", "expected"),
    [
        ((1,), ConsentGiver.CHILD, ConsentBasis.EXPLICIT_CONSENT),
        ((4, 2), None, None),
        ((), None, None),  # cancelled
    ],
    ids=["consent", "do_not_record", "cancelled"],
)
def test_ask_involvement_consent_returns_the_consent_or_none(
    qtbot: QtBot,
    answers: tuple[int, ...],
    giver: ConsentGiver | None,
    expected: ConsentBasis | None,
) -> None:
    seen: list[ConsentStepDialog] = []

    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConsentStepDialog)
        seen.append(dialog)
        if not answers:
            dialog.cancel_button.click()
            return
        walk(dialog, *answers)
        if giver is not None:
            dialog.choose_giver(giver)
            dialog.competence.setPlainText("Aged 15; understood the options and consequences.")
        (dialog.add_button if expected else dialog.do_not_add_button).click()

    QTimer.singleShot(0, drive)
    consent = ask_involvement_consent(None, service_name="Sexual health", today=TODAY)
    assert len(seen) == 1
    assert (consent.basis if consent is not None else None) is expected
