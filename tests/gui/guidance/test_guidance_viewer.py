"""The guidance viewer: pages for the user's roles, colour-coded, walkable, saved as PDF."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.domain.flowcharts import ChartKind, load_flowcharts
from app.domain.roles import Role
from app.ui.guidance.guidance_pages import (
    GOLDEN_RULES,
    guidance_pages,
    page_html,
    reading_order,
    step_labels,
)
from app.ui.guidance.guidance_viewer import GuidanceViewer, GuidanceWindow
from app.ui.guidance.role_colours import ROLE_STYLES
from app.ui.guidance.walk_dialog import WalkDialog

RULES_TITLE = "Seven golden rules for information sharing"
DECISION_TITLES = sorted(
    c.title for c in load_flowcharts().values() if c.kind is ChartKind.DECISION
)
PROCEDURE_TITLES = sorted(
    c.title for c in load_flowcharts().values() if c.kind is ChartKind.PROCEDURE
)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PRACTITIONER, [RULES_TITLE, *DECISION_TITLES, *PROCEDURE_TITLES]),
        (Role.VIEWER, [RULES_TITLE, *PROCEDURE_TITLES]),
        (Role.USER_ADMIN, [RULES_TITLE]),
    ],
)
def test_each_role_is_shown_the_guidance_meant_for_it(
    qtbot: QtBot, role: Role, expected: list[str]
) -> None:
    viewer = GuidanceViewer(roles={role})
    qtbot.addWidget(viewer)
    assert viewer.listed_titles() == expected
    assert viewer.page is not None
    assert viewer.page.page_id == GOLDEN_RULES
    viewer.show_all.setChecked(True)
    assert len(viewer.listed_titles()) == len(guidance_pages()) == 1 + len(load_flowcharts())


def test_a_chart_page_reads_as_numbered_steps_with_its_drawing(qtbot: QtBot) -> None:
    viewer = GuidanceViewer(roles={Role.PRACTITIONER})
    qtbot.addWidget(viewer)
    assert not viewer.walk_button.isEnabled()
    assert not viewer.tabs.isTabEnabled(1)
    viewer.select("sensitive-involvement-consent")
    assert viewer.walk_button.isEnabled()
    assert viewer.tabs.isTabEnabled(1)
    assert viewer.chart_view is not None
    text = viewer.text.toPlainText()
    # The band: each role by name, after its swatch (an image: U+FFFC in plain text).
    assert "For:\n\ufffc Practitioner\n\ufffc Essential staff\n\ufffc Index manager\n" in text
    assert ("1. Question: Has informed, explicit consent been given to record your details") in text
    assert "Yes — informed, explicit consent has been given → outcome A" in text
    assert "No — consent was refused → 2" in text
    assert "3. Something to do: Discuss the override with your manager" in text
    assert "Outcome D: Record your involvement without consent, on child-protection grounds." in (
        text
    )
    assert "Record: Decision; Basis; Justification; Who you consulted; Review by" in text
    assert "Key: each role has a name, a pattern and a colour" in text


def test_selecting_a_page_for_another_role_lists_every_role(qtbot: QtBot) -> None:
    viewer = GuidanceViewer(roles={Role.USER_ADMIN})
    qtbot.addWidget(viewer)
    viewer.select("should-i-share")
    assert viewer.show_all.isChecked()
    assert viewer.page is not None
    assert viewer.page.page_id == "should-i-share"


def test_steps_are_numbered_down_the_page_and_outcomes_lettered() -> None:
    chart = load_flowcharts()["should-i-share"]
    steps, outcomes = reading_order(chart)
    assert steps[0] == chart.start
    assert set(steps) | set(outcomes) == set(chart.nodes)
    labels = step_labels(chart)
    assert labels["purpose"] == "1"
    assert labels["proportionate"] == str(len(steps))
    assert sorted(labels[o] for o in outcomes) == [chr(ord("A") + i) for i in range(len(outcomes))]
    # No step is numbered before a step that leads to it.
    position = {node_id: i for i, node_id in enumerate(steps)}
    for node_id in steps:
        for answer in getattr(chart.nodes[node_id], "answers", ()):
            if answer.next in position:
                assert position[answer.next] > position[node_id]


def test_colour_is_never_the_only_signal() -> None:
    page = next(p for p in guidance_pages() if p.page_id == "should-i-share")
    colour = page_html(page, colour=True)
    mono = page_html(page, colour=False)
    for role in page.audience:
        assert ROLE_STYLES[role].colour in colour
        assert ROLE_STYLES[role].colour not in mono
    # Black and white only, and every role still named, with its pattern in the key.
    assert set(re.findall(r"#[0-9a-fA-F]{6}", mono)) <= {"#000000", "#ffffff"}
    for name in ("Practitioner", "Essential staff", "Index manager"):
        assert name in mono
    for style in ROLE_STYLES.values():
        assert style.pattern_name in mono
    assert len({s.pattern for s in ROLE_STYLES.values()}) == len(ROLE_STYLES)


def test_walk_through_opens_the_chart_one_question_at_a_time(qtbot: QtBot) -> None:
    viewer = GuidanceViewer(roles={Role.VIEWER})
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.select("referral-to-childrens-social-care")
    viewer.walk_button.click()
    dialog = viewer.walk_dialog
    assert isinstance(dialog, WalkDialog)
    assert dialog.panel.chart.id == "referral-to-childrens-social-care"
    viewer.walk_button.click()
    assert viewer.walk_dialog is dialog  # one at a time
    dialog.close_button.click()
    qtbot.waitUntil(lambda: viewer.walk_dialog is None)


def test_a_page_is_saved_as_a_pdf(qtbot: QtBot, tmp_path: Path) -> None:
    window = GuidanceWindow(roles={Role.PRACTITIONER})
    qtbot.addWidget(window)
    window.viewer.select(GOLDEN_RULES)
    target = tmp_path / "golden-rules.pdf"
    with qtbot.waitSignal(window.viewer.pdf_saved) as saved:
        assert window.viewer.save_pdf(target) == target
    assert saved.args == [target]
    assert target.read_bytes().startswith(b"%PDF")


def test_a_pdf_that_cannot_be_written_is_a_plain_message(qtbot: QtBot, tmp_path: Path) -> None:
    viewer = GuidanceViewer(roles={Role.PRACTITIONER}, today=lambda: date(2026, 11, 21))
    qtbot.addWidget(viewer)
    viewer.show()
    blocked = tmp_path / "no-such-folder" / "rules.pdf"
    assert viewer.save_pdf(blocked) is None
    assert not blocked.exists()
    box = viewer.findChild(QMessageBox, "knownErrorBox")
    assert box is not None
    assert box.text() == "The PDF could not be saved there. Choose another folder."
