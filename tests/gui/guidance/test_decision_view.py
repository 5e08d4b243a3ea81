"""A recorded decision on screen, with the path that led to it on demand (PRODUCT.md §4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from app.domain.flowcharts import load_flowchart, load_flowcharts
from app.domain.records import Decision, DecisionOutcome, SharingBasis
from app.ui.guidance.decision_view import DecisionCard, DecisionPathView, DecisionsPanel

DECIDED = datetime(2026, 11, 9, 10, 30, tzinfo=UTC)
VERSION = load_flowchart("should-i-share").version
EXPLICIT = (
    ("purpose", "yes"),
    ("identifiable", "yes"),
    ("confidential", "yes"),
    ("consent", "explicit"),
)


def decision(**changes: object) -> Decision:
    values: dict[str, object] = {
        "id": "dec-1",
        "decided_by": "user-sam",
        "decided_by_name": "Sam Okafor",
        "decided_at": DECIDED,
        "outcome": DecisionOutcome.SHARE,
        "basis": SharingBasis.EXPLICIT_CONSENT,
        "consent_from": "Laurel Hartwell (mother)",
        "competence_judgement": "Adult with parental responsibility.",
        "information_shared": "Contact details and the current concern",
        "shared_with": "Seafield Primary safeguarding lead",
        "purpose": "Coordinate support at school",
        "reasons": "Mother agreed that the school should know who to contact.",
        "consulted": "Team manager",
        "person_informed": True,
        "review_date": date(2027, 2, 1),
        "flowchart_id": "should-i-share",
        "flowchart_version": VERSION,
        "answers": EXPLICIT,
    }
    values.update(changes)
    return Decision.model_validate(values)


def test_a_card_shows_every_field_of_the_record(qtbot: QtBot) -> None:
    card = DecisionCard(decision())
    qtbot.addWidget(card)
    card.show()
    text = card.visible_text()
    for expected in (
        "Share — decided by Sam Okafor on ",
        "Explicit consent",
        "Laurel Hartwell (mother)",
        "Adult with parental responsibility.",
        "Contact details and the current concern",
        "Seafield Primary safeguarding lead",
        "Coordinate support at school",
        "Mother agreed that the school should know who to contact.",
        "Team manager",
        "Yes",
        "1 Feb 2027",
        f"Should I share this information?, version {VERSION}",
    ):
        assert expected in text, expected
    # The path is shown on demand only.
    assert card.path_view is None
    assert card.withdraw_button is None  # not offered to someone who may not record


def test_the_path_taken_is_replayed_on_demand(qtbot: QtBot) -> None:
    card = DecisionCard(decision())
    qtbot.addWidget(card)
    card.show()
    assert card.path_button is not None
    card.path_button.click()
    view = card.path_view
    assert view is not None
    assert view.isVisible()
    assert view.note is None
    assert view.step_texts() == [
        "1. Is there a clear and legitimate purpose for sharing this information? — Yes — I "
        "can say why it needs to be shared",
        "2. Does the information enable a living person to be identified? — Yes — it is "
        "about a person who can be identified",
        "3. Is the information confidential? — Yes",
        "4. Do you have consent to share it? — Yes — explicit consent (given orally, in "
        "writing or by other appropriate means)",
        "5. Outcome: " + load_flowchart("should-i-share").nodes["out_share_explicit_consent"].text,
    ]
    assert view.chart_view is not None
    assert view.chart_view.chart_scene.marked_nodes() == [
        "purpose",
        "identifiable",
        "confidential",
        "consent",
        "out_share_explicit_consent",
    ]
    outcome = view.chart_view.chart_scene.nodes["out_share_explicit_consent"]
    assert outcome.current
    assert outcome.marker == "Decided here"
    card.path_button.click()
    assert not view.isVisible()
    assert card.path_button.text() == "Show the &path taken"


def test_a_changed_chart_is_said_so_and_the_stored_answers_still_shown(qtbot: QtBot) -> None:
    still_fits = DecisionPathView(decision(flowchart_version="0.9.0"))
    qtbot.addWidget(still_fits)
    assert still_fits.note is not None
    assert still_fits.note.text == (
        f"This decision was made with version 0.9.0 of the chart; this computer has version "
        f"{VERSION}. The answers still lead the same way."
    )
    assert still_fits.chart_view is not None

    gone = DecisionPathView(decision(flowchart_version="0.9.0", answers=(("purpose", "perhaps"),)))
    qtbot.addWidget(gone)
    assert gone.note is not None
    assert "no longer fit version" in gone.note.text
    assert gone.chart_view is None
    assert gone.step_texts() == ["1. purpose — perhaps"]


@pytest.mark.parametrize("can_record", [True, False])
def test_consent_withdrawal_is_offered_only_where_it_applies(
    qtbot: QtBot, can_record: bool
) -> None:
    consented = decision()
    public = decision(id="dec-2", basis=SharingBasis.PUBLIC_INTEREST, consent_from=None)
    panel = DecisionsPanel([consented, public], can_record=can_record)
    qtbot.addWidget(panel)
    by_id = {card.decision.id: card for card in panel.cards}
    assert (by_id["dec-1"].withdraw_button is not None) is can_record
    assert by_id["dec-2"].withdraw_button is None
    if can_record:
        button = by_id["dec-1"].withdraw_button
        assert button is not None
        with qtbot.waitSignal(panel.withdraw_requested) as requested:
            button.click()
        assert requested.args == [consented]


def test_a_withdrawn_decision_says_so_and_the_withdrawal_names_it(qtbot: QtBot) -> None:
    original = decision()
    withdrawal = decision(
        id="dec-3",
        decided_at=DECIDED + timedelta(days=5),
        outcome=DecisionOutcome.CONSENT_WITHDRAWN,
        basis=None,
        consent_from="Laurel Hartwell (mother)",
        reasons="She asked us to stop sharing with the school.",
        withdraws="dec-1",
        flowchart_id=None,
        flowchart_version=None,
        answers=(),
    )
    panel = DecisionsPanel([original, withdrawal], can_record=True)
    qtbot.addWidget(panel)
    panel.show()
    newest, oldest = panel.cards
    assert newest.decision.id == "dec-3"
    assert newest.path_button is None
    assert newest.withdraw_button is None
    assert "Consent withdrawn — decided by Sam Okafor" in newest.visible_text()
    assert "The decision of " in newest.visible_text()
    assert "Withdrawn by:" in newest.visible_text()
    assert oldest.withdraw_button is None
    assert "Consent withdrawn on " in oldest.visible_text()
    assert "Do not share on this consent." in oldest.visible_text()


def test_a_record_without_decisions_says_so(qtbot: QtBot) -> None:
    panel = DecisionsPanel([], charts=load_flowcharts())
    qtbot.addWidget(panel)
    assert panel.cards == []
    assert panel.accessibleName() == "Information-sharing decisions"
