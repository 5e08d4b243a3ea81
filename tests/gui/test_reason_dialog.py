"""The reason-for-access dialog: no record without a valid reason, fully by keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.domain.reasons import REASON_DESCRIPTIONS, ReasonCode
from app.ui.reason_dialog import REASON_ORDER, ReasonDialog


@pytest.fixture
def dialog(qtbot: QtBot) -> ReasonDialog:
    shown = ReasonDialog("Amelia Hartwell, born 14 March 2015")
    qtbot.addWidget(shown)
    shown.open()
    qtbot.waitExposed(shown)
    return shown


def test_it_lists_the_seven_reasons_with_the_rules_packages_descriptions(
    dialog: ReasonDialog,
) -> None:
    assert list(dialog.buttons) == list(ReasonCode)
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    for code in ReasonCode:
        assert REASON_DESCRIPTIONS[code] in labels
    heading = dialog.findChild(QLabel, "reasonHeading")
    assert heading is not None
    assert "Amelia Hartwell, born 14 March 2015" in heading.text()


def test_opening_without_a_reason_is_impossible(qtbot: QtBot, dialog: ReasonDialog) -> None:
    assert not dialog.open_button.isEnabled()
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.reason is None
    assert dialog.result() != ReasonDialog.DialogCode.Accepted


def test_a_number_key_chooses_a_reason_and_enter_opens(qtbot: QtBot, dialog: ReasonDialog) -> None:
    QTest.keyClick(dialog, Qt.Key.Key_3)
    assert dialog.chosen_code() is ReasonCode.IDENTIFY_INVOLVED
    assert dialog.open_button.isEnabled()
    with qtbot.waitSignal(dialog.reason_given) as given:
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert given.args is not None
    reason = given.args[0]
    assert reason.code is ReasonCode.IDENTIFY_INVOLVED
    assert dialog.reason == reason
    assert not dialog.isVisible()


def test_arrow_keys_move_between_reasons(qtbot: QtBot, dialog: ReasonDialog) -> None:
    QTest.keyClick(dialog, Qt.Key.Key_1)
    QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Down)
    assert dialog.chosen_code() is REASON_ORDER[1]
    QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Down)
    assert dialog.chosen_code() is REASON_ORDER[2]
    QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Up)
    assert dialog.chosen_code() is REASON_ORDER[1]


def test_other_without_text_shows_the_validators_refusal(
    qtbot: QtBot, dialog: ReasonDialog
) -> None:
    QTest.keyClick(dialog, Qt.Key.Key_7)
    assert dialog.chosen_code() is ReasonCode.OTHER
    assert not dialog.open_button.isEnabled()
    assert dialog.problem_text() == (
        "You chose 'other': describe your reason in at least 10 characters."
    )
    QTest.keyClicks(dialog.reason_text, "too short")
    assert not dialog.open_button.isEnabled()
    QTest.keyClicks(dialog.reason_text, " still")
    assert dialog.problem_text() == ""
    assert dialog.open_button.isEnabled()
    with qtbot.waitSignal(dialog.reason_given) as given:
        QTest.keyClick(dialog.reason_text, Qt.Key.Key_Return)
    assert given.args is not None
    assert given.args[0].code is ReasonCode.OTHER
    assert given.args[0].text == "too short still"


def test_digits_typed_in_the_text_stay_in_the_text(qtbot: QtBot, dialog: ReasonDialog) -> None:
    QTest.keyClick(dialog, Qt.Key.Key_7)
    dialog.reason_text.setFocus()
    QTest.keyClicks(dialog.reason_text, "Court order 12345")
    assert dialog.chosen_code() is ReasonCode.OTHER
    assert dialog.reason_text.text() == "Court order 12345"


def test_a_mediated_request_needs_who_asked(qtbot: QtBot, dialog: ReasonDialog) -> None:
    assert not dialog.on_behalf_of.isEnabled()
    QTest.keyClick(dialog, Qt.Key.Key_4)
    assert dialog.on_behalf_of.isEnabled()
    assert not dialog.open_button.isEnabled()
    assert dialog.problem_text() == "Say which practitioner asked you to look up this record."
    QTest.keyClicks(dialog.on_behalf_of, "sam.okafor")
    assert dialog.open_button.isEnabled()
    with qtbot.waitSignal(dialog.reason_given) as given:
        QTest.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert given.args is not None
    assert given.args[0].on_behalf_of == "sam.okafor"


def test_escape_cancels_without_a_reason(qtbot: QtBot, dialog: ReasonDialog) -> None:
    QTest.keyClick(dialog, Qt.Key.Key_2)
    with qtbot.waitSignal(dialog.rejected):
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    assert dialog.reason is None
