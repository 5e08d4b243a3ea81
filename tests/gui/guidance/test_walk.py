"""Walking a chart one question at a time: back, change an answer, forward, by keyboard.

What the practitioner sees changes with every key: the question and its answers, the
guidance quoted beside it, "Your answers so far", and the chart with the path drawn.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.domain.flowcharts import load_flowchart
from app.ui.guidance.walk_dialog import WalkDialog


def press(which: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, which, modifier)


def answer(number: int) -> None:
    press(Qt.Key(int(Qt.Key.Key_0.value) + number))
    press(Qt.Key.Key_Return)


@pytest.fixture
def dialog(qtbot: QtBot) -> WalkDialog:
    shown = WalkDialog(load_flowchart("should-i-share"))
    qtbot.addWidget(shown)
    shown.show()
    shown.activateWindow()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return shown


def test_one_question_at_a_time_with_its_guidance_and_the_chart(dialog: WalkDialog) -> None:
    panel = dialog.panel
    assert panel.progress.text() == "Question 1"
    assert panel.step_text.text() == (
        "Is there a clear and legitimate purpose for sharing this information?"
    )
    assert panel.answer_labels() == ["Yes — I can say why it needs to be shared", "No"]
    assert [b.accessibleName() for b in panel.answer_buttons] == [
        "1. Yes — I can say why it needs to be shared",
        "2. No",
    ]
    assert "golden rule 3" in panel.help.toPlainText()
    assert not panel.next_button.isEnabled()  # nothing chosen yet
    assert not panel.back_button.isEnabled()
    assert panel.chart_view.chart_scene.marked_nodes() == ["purpose"]

    answer(1)
    assert panel.progress.text() == "Question 2"
    assert panel.chart_view.chart_scene.marked_nodes() == ["purpose", "identifiable"]
    assert panel.chart_view.chart_scene.taken_edges() == [("purpose", "identifiable")]
    assert panel.chart_view.chart_scene.current_id == "identifiable"
    assert panel.path_texts() == [
        "1. Is there a clear and legitimate purpose for sharing this information? — Yes — I "
        "can say why it needs to be shared",
        "2. Now: Does the information enable a living person to be identified?",
    ]


def test_go_back_and_change_an_answer(dialog: WalkDialog) -> None:
    panel = dialog.panel
    answer(1)
    answer(1)  # identifiable: yes
    assert panel.current_id == "confidential"

    press(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert panel.current_id == "identifiable"
    # The answer given is still chosen, and has the keyboard focus.
    assert panel.answer_buttons[0].isChecked()
    assert QApplication.focusWidget() is panel.answer_buttons[0]

    answer(2)  # no: nobody can be identified
    assert panel.current_id == "out_not_personal"
    assert panel.progress.text() == "Outcome"
    assert panel.step_text.text().startswith("You may share.")
    assert not panel.next_button.isEnabled()
    assert panel.chart_view.chart_scene.marked_nodes() == [
        "purpose",
        "identifiable",
        "out_not_personal",
    ]
    assert "confidential" not in panel.chart_view.chart_scene.marked_nodes()
    assert dialog.to_record.isVisible()
    assert dialog.to_record.text == (
        "Keep a record (golden rule 7) of: Decision; What information; With whom; "
        "For what purpose; Your reasons."
    )
    result = panel.result()
    assert result is not None
    assert result.answers == (("purpose", "yes"), ("identifiable", "no"))


def test_forward_follows_the_answers_already_given_until_one_changes(dialog: WalkDialog) -> None:
    panel = dialog.panel
    for number in (1, 1, 1):
        answer(number)
    assert panel.current_id == "consent"
    for _step in range(3):
        press(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert panel.current_id == "purpose"
    assert not panel.back_button.isEnabled()
    for _step in range(3):
        press(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert panel.current_id == "consent"
    # Forward stops where nothing was answered yet.
    press(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert panel.current_id == "consent"

    # Going back and choosing otherwise forgets what lay beyond.
    press(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    press(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert panel.current_id == "identifiable"
    answer(2)
    assert panel.current_id == "out_not_personal"
    press(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    answer(1)
    assert panel.current_id == "confidential"
    assert not any(b.isChecked() for b in panel.answer_buttons)
    press(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert panel.current_id == "confidential"


def test_a_step_in_the_list_of_answers_can_be_gone_back_to(dialog: WalkDialog) -> None:
    panel = dialog.panel
    for number in (1, 1, 1):
        answer(number)
    panel.path_list.setFocus()
    panel.path_list.setCurrentRow(1)
    press(Qt.Key.Key_Return)
    assert panel.current_id == "identifiable"
    assert len(panel.path_texts()) == 2


def test_a_step_to_take_is_acknowledged_and_the_walk_goes_on(qtbot: QtBot) -> None:
    dialog = WalkDialog(load_flowchart("referral-to-childrens-social-care"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    panel = dialog.panel
    answer(1)  # reasonable cause to suspect significant harm: yes
    assert panel.progress.text() == "Something to do"
    assert panel.action_note.isVisible()
    assert not panel.answers_box.isVisible()
    assert panel.next_button.text() == "Done — &next"
    assert QApplication.focusWidget() is panel.next_button
    press(Qt.Key.Key_Return)
    assert panel.progress.text() == "Question 2"
    assert panel.path_texts()[1].startswith("2. Done: Seek advice")


def test_start_again_forgets_every_answer(dialog: WalkDialog) -> None:
    panel = dialog.panel
    answer(2)
    assert panel.current_id == "out_no_purpose"
    dialog.restart_button.click()
    assert panel.current_id == "purpose"
    assert not dialog.to_record.isVisible()
    assert not any(b.isChecked() for b in panel.answer_buttons)
