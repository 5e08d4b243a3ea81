"""Every control of the guidance windows has an accessible name, on every page they show.

The walker is the one the rest of the client is held to (``tests/gui/test_accessibility``):
it asks Qt's accessibility layer, so a name given explicitly, a button's text and a
label's buddy all count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pytestqt.qtbot import QtBot

from app.domain.flowcharts import load_flowchart
from app.domain.records import Decision, DecisionOutcome, SharingBasis
from app.domain.roles import Role
from app.ui.guidance.consent_step import ConsentStepDialog
from app.ui.guidance.decision_dialog import DecisionDialog, WithdrawConsentDialog
from app.ui.guidance.decision_view import DecisionsPanel
from app.ui.guidance.guidance_viewer import GuidanceWindow
from app.ui.guidance.saving import DecisionSaver
from app.ui.guidance.walk_dialog import WalkDialog
from tests.gui.test_accessibility import controls, unnamed

CONSENTED = Decision(
    id="dec-1",
    decided_by="user-sam",
    decided_by_name="Sam Okafor",
    decided_at=datetime(2026, 11, 9, 10, 30, tzinfo=UTC),
    outcome=DecisionOutcome.SHARE,
    basis=SharingBasis.EXPLICIT_CONSENT,
    consent_from="Laurel Hartwell (mother)",
    reasons="Mother agreed.",
    flowchart_id="should-i-share",
    flowchart_version=load_flowchart("should-i-share").version,
    answers=(
        ("purpose", "yes"),
        ("identifiable", "yes"),
        ("confidential", "yes"),
        ("consent", "explicit"),
    ),
)


def test_every_control_of_the_decision_dialog_is_named(qtbot: QtBot, saver: DecisionSaver) -> None:
    dialog = DecisionDialog(saver, child_label="Amelia Hartwell")
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed(dialog) == []
    for number in (1, 1, 1, 4, 3, 1, 1):  # every field of the record
        dialog.panel.choose(number)
        dialog.panel.go_on()
    assert unnamed(dialog) == []
    dialog.show_form()
    dialog.save()
    found = {type(w).__name__ for w in controls(dialog)}
    assert {"QPlainTextEdit", "QLineEdit", "QRadioButton", "QDateEdit", "QPushButton"} <= found
    assert unnamed(dialog) == []


def test_every_control_of_the_consent_step_is_named(qtbot: QtBot) -> None:
    dialog = ConsentStepDialog(service_name="Sexual health", today=date(2026, 11, 21))
    qtbot.addWidget(dialog)
    dialog.show()
    for numbers in ((1,), (3, 1)):
        dialog.panel.restart()
        for number in numbers:
            dialog.panel.choose(number)
            dialog.panel.go_on()
        assert unnamed(dialog) == []


def test_every_control_of_the_walk_and_the_withdrawal_is_named(
    qtbot: QtBot, saver: DecisionSaver
) -> None:
    walk = WalkDialog(load_flowchart("urgent-action-to-safeguard"))
    qtbot.addWidget(walk)
    walk.show()
    assert unnamed(walk) == []
    withdraw = WithdrawConsentDialog(saver, CONSENTED, [CONSENTED])
    qtbot.addWidget(withdraw)
    withdraw.show()
    assert unnamed(withdraw) == []


def test_every_control_of_the_guidance_and_a_decision_with_its_path_is_named(
    qtbot: QtBot,
) -> None:
    window = GuidanceWindow(roles={Role.PRACTITIONER})
    qtbot.addWidget(window)
    window.show()
    window.viewer.select("should-i-share")
    window.viewer.tabs.setCurrentIndex(1)
    found = {type(w).__name__ for w in controls(window)}
    assert {"QListWidget", "QCheckBox", "QTabBar", "QTextBrowser", "QPushButton"} <= found
    assert unnamed(window) == []

    panel = DecisionsPanel([CONSENTED], can_record=True)
    qtbot.addWidget(panel)
    panel.show()
    panel.cards[0].show_path()
    assert unnamed(panel) == []
