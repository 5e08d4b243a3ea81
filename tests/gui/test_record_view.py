"""The record view: what the record holds and nothing more, with its notices in words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QListWidget, QPushButton
from pytestqt.qtbot import QtBot

from app.domain.flowcharts import load_flowchart
from app.domain.policy import visible_record
from app.domain.records import INDICATOR_REMINDER, ChildRecord
from app.domain.roles import Role
from app.ui.record_view import RecordView
from tests.gui import synthetic

RESTRICTED = "Further information exists — contact essential staff"


def _view(qtbot: QtBot, record: ChildRecord, *, from_cache: bool = False) -> RecordView:
    view = RecordView(record, from_cache=from_cache)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_an_ordinary_record_shows_who_is_involved_and_how_to_reach_them(qtbot: QtBot) -> None:
    record = visible_record(synthetic.user(Role.ESSENTIAL), synthetic.AMELIA_WITH_DECISION)
    view = _view(qtbot, record)
    text = view.visible_text()
    assert view.sections() == [
        "identitySection",
        "parentsSection",
        "settingSection",
        "gpSection",
        "involvementsSection",
        "decisionsSection",
    ]
    assert "Amelia Hartwell" in text
    assert "943 476 5919" in text
    assert "Laurel Hartwell (Mother)\nHas parental responsibility" in text
    assert "Sam Okafor — Social worker, Brighton and Hove Children's Services" in text
    lead_marks = view.findChildren(QLabel, "leadProfessionalMark")
    assert [mark.text() for mark in lead_marks] == ["Lead professional"]
    indicators = [label.text() for label in view.findChildren(QLabel, "indicator")]
    assert len(indicators) == 1
    assert indicators[0].startswith(
        "Indicator: Has important information to share — set by Pat Visitor on "
    )
    assert INDICATOR_REMINDER in text
    assert "Service: Children's social care" in text
    assert "Coordinate support at school" in text
    assert view.findChild(QLabel, "restrictedBannerText") is None
    assert view.findChild(QLabel, "shieldedNoticeText") is None
    assert RESTRICTED not in text
    # The record has no health visitor: no such section, no empty row.
    assert "healthVisitorSection" not in view.sections()
    assert "Health visitor:" not in text


def test_the_copy_button_copies_the_contact_details(qtbot: QtBot) -> None:
    view = _view(qtbot, synthetic.AMELIA)
    sam = next(b for b in view.copy_buttons if "Sam Okafor" in b.accessibleName())
    QTest.mouseClick(sam, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "01632 960300"


def test_a_restricted_record_says_so_and_shows_no_sensitive_details(qtbot: QtBot) -> None:
    record = visible_record(synthetic.user(Role.PRACTITIONER), synthetic.LEO)
    assert record.restricted_information_exists
    view = _view(qtbot, record)
    banner = view.findChild(QLabel, "restrictedBannerText")
    assert banner is not None
    assert banner.text().startswith(RESTRICTED)
    text = view.visible_text()
    for word in synthetic.SENSITIVE_WORDS:
        assert word not in text
    assert "sensitive service" not in text
    assert "Pat Visitor — Health visitor, Seafield Health" in text


def test_essential_staff_see_the_sensitive_involvement_and_its_consent(qtbot: QtBot) -> None:
    record = visible_record(synthetic.user(Role.ESSENTIAL), synthetic.LEO)
    view = _view(qtbot, record)
    text = view.visible_text()
    assert view.findChild(QLabel, "restrictedBannerText") is None
    assert "Quillfeather Jones — CAMHS clinician, Wrenfield CAMHS" in text
    assert "Service: Child and adolescent mental health (sensitive service)" in text
    assert "Recorded with the explicit consent of the child on 24 Jul 2026." in text


def test_a_shielded_record_shows_only_what_the_shielded_view_holds(qtbot: QtBot) -> None:
    record = visible_record(synthetic.user(Role.PRACTITIONER), synthetic.RUBY)
    view = _view(qtbot, record)
    notice = view.findChild(QLabel, "shieldedNoticeText")
    assert notice is not None
    assert notice.text().startswith("This record is shielded")
    assert "Reason:" not in notice.text()
    assert view.sections() == ["identitySection", "parentsSection"]
    text = view.visible_text()
    assert "Ruby Stonebridge" in text
    assert "Laurel Stonebridge" in text
    for absent in ("Lantern Street", "BN3", "Seafield Primary", "Harbour Surgery", "Pat Visitor"):
        assert absent not in text
    for label in ("Address:", "Gender:", "NHS number:"):
        assert label not in text
    assert view.copy_buttons == []


def test_an_index_manager_sees_why_a_record_is_shielded(qtbot: QtBot) -> None:
    record = visible_record(synthetic.user(Role.INDEX_MANAGER), synthetic.RUBY)
    view = _view(qtbot, record)
    notice = view.findChild(QLabel, "shieldedNoticeText")
    assert notice is not None
    assert "Reason: Whereabouts must be protected. Review by 1 Apr 2027." in notice.text()
    assert "Lantern Street" in view.visible_text()


def test_a_record_opened_from_the_cache_says_it_may_be_out_of_date(qtbot: QtBot) -> None:
    view = _view(qtbot, synthetic.AMELIA, from_cache=True)
    note = view.findChild(QLabel, "fromCacheNote")
    assert note is not None
    assert note.text().startswith("Opened offline, from the copy on this computer")


def test_a_decision_made_with_a_flowchart_shows_its_path_on_demand(qtbot: QtBot) -> None:
    walked = synthetic.AMELIA_WITH_DECISION.decisions[0].model_copy(
        update={
            "flowchart_id": "should-i-share",
            "flowchart_version": load_flowchart("should-i-share").version,
            "answers": (
                ("purpose", "yes"),
                ("identifiable", "yes"),
                ("confidential", "yes"),
                ("consent", "explicit"),
            ),
        }
    )
    record = synthetic.AMELIA_WITH_DECISION.model_copy(update={"decisions": (walked,)})
    view = _view(qtbot, visible_record(synthetic.user(Role.ESSENTIAL), record))
    button = view.findChild(QPushButton, "showPathButton")
    assert button is not None
    assert view.findChild(QListWidget, "pathSteps") is None

    button.click()

    steps = view.findChild(QListWidget, "pathSteps")
    assert steps is not None
    shown = [steps.item(i).text() for i in range(steps.count())]
    assert len(shown) >= 4
    assert any("confidential" in line.lower() for line in shown)
