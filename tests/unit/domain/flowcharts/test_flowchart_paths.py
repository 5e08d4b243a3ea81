"""A walk in words, and stored walks replayed — including against a chart that has changed."""

from __future__ import annotations

from typing import Any

from app.domain.flowcharts import (
    PathStep,
    Walk,
    load_flowchart,
    load_flowcharts,
    parse_flowchart,
    path_steps,
    replay_stored,
)


def test_a_walk_reads_as_questions_answers_actions_and_the_outcome() -> None:
    chart = load_flowchart("sensitive-involvement-consent")
    walk = Walk(chart)
    walk.answer("refused")
    walk.answer("yes")
    walk.advance()
    steps = path_steps(walk)
    assert [(s.node_id, s.kind, s.answer_id) for s in steps] == [
        ("consent", "question", "refused"),
        ("child_protection", "question", "yes"),
        ("consult", "action", None),
        ("out_record_with_override", "outcome", None),
    ]
    assert steps[0].answer_label == "No — consent was refused"
    assert steps[0].text == chart.nodes["consent"].text


def test_an_unfinished_walk_ends_at_the_question_being_asked() -> None:
    walk = Walk(load_flowchart("should-i-share"))
    walk.answer("yes")
    assert path_steps(walk)[-1] == PathStep(
        "identifiable",
        "question",
        "Does the information enable a living person to be identified?",
    )


def test_a_stored_walk_replays_to_its_outcome() -> None:
    stored = replay_stored(load_flowcharts(), "should-i-share", "1.0.0", [("purpose", "no")])
    assert stored.problem is None
    assert not stored.version_differs
    assert stored.walk is not None
    assert stored.walk.current_id == "out_no_purpose"
    assert [s.kind for s in stored.steps] == ["question", "outcome"]


def test_a_decision_without_a_chart_shows_no_path() -> None:
    stored = replay_stored(load_flowcharts(), None, None, [])
    assert stored.walk is None
    assert stored.problem == "This decision was not made with a flowchart."


def test_an_unknown_chart_keeps_the_stored_answers_as_they_were() -> None:
    stored = replay_stored(load_flowcharts(), "retired-chart", "0.9", [("q1", "yes")])
    assert stored.walk is None
    assert stored.chart is None
    assert stored.problem is not None
    assert "'retired-chart' is not on this computer" in stored.problem
    assert stored.steps == (PathStep("q1", "question", "q1", "yes", "yes"),)


def test_a_changed_chart_whose_answers_still_fit_is_drawn_and_flagged(
    chart_data: dict[str, Any],
) -> None:
    chart = parse_flowchart({**chart_data, "version": "2.0.0"})
    stored = replay_stored({chart.id: chart}, chart.id, "1.0.0", [("q1", "no")])
    assert stored.walk is not None
    assert stored.version_differs
    assert stored.problem is None


def test_a_changed_chart_whose_answers_no_longer_fit_says_so(chart_data: dict[str, Any]) -> None:
    chart = parse_flowchart({**chart_data, "version": "2.0.0"})
    stored = replay_stored({chart.id: chart}, chart.id, "1.0.0", [("q1", "maybe")])
    assert stored.walk is None
    assert stored.chart is chart
    assert stored.version_differs
    assert stored.problem == (
        "The answers were given to version 1.0.0 of “Test chart”, and no longer fit "
        "version 2.0.0, so they are shown as they were stored."
    )
