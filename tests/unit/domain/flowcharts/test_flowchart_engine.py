"""Walking a chart: answers, actions, going back, results, and replaying stored answers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import DomainError, ValidationError
from app.domain.flowcharts import (
    ActionNode,
    Flowchart,
    OutcomeDecision,
    OutcomeNode,
    QuestionNode,
    Walk,
    WalkResult,
    load_flowchart,
    load_flowcharts,
    parse_flowchart,
    replay,
)

BUNDLED_IDS = sorted(load_flowcharts())


@pytest.fixture
def chart(chart_data: dict[str, Any]) -> Flowchart:
    return parse_flowchart(chart_data)


def test_a_new_walk_is_at_the_start(chart: Flowchart) -> None:
    walk = Walk(chart)
    assert walk.chart is chart
    assert walk.current_id == "q1"
    assert isinstance(walk.current, QuestionNode)
    assert walk.path == (("q1", None),)
    assert walk.answers == ()
    assert not walk.is_finished
    assert walk.outcome is None
    assert not walk.can_go_back
    assert "test-chart" in repr(walk)


def test_answering_and_advancing_reach_an_outcome(chart: Flowchart) -> None:
    walk = Walk(chart)
    assert isinstance(walk.answer("yes"), ActionNode)
    assert isinstance(walk.advance(), QuestionNode)
    assert isinstance(walk.answer("yes"), OutcomeNode)
    assert walk.is_finished
    assert walk.path == (("q1", "yes"), ("a1", None), ("q2", "yes"), ("out_yes", None))
    result = walk.result()
    assert result == WalkResult(
        chart_id="test-chart",
        chart_version="1.0.0",
        answers=(("q1", "yes"), ("q2", "yes")),
        outcome_node_id="out_yes",
        decision=OutcomeDecision.SHARE,
        basis="public_interest",
        record_fields=("decision", "basis", "reasons"),
    )


def test_unknown_answer_is_refused(chart: Flowchart) -> None:
    walk = Walk(chart)
    with pytest.raises(ValidationError) as caught:
        walk.answer("maybe")
    assert caught.value.code == "invalid_answer"
    assert walk.current_id == "q1"


def test_an_action_is_not_answered(chart: Flowchart) -> None:
    walk = Walk(chart)
    walk.answer("yes")
    with pytest.raises(ValidationError) as caught:
        walk.answer("yes")
    assert caught.value.code == "invalid_answer"


def test_a_question_is_not_advanced_past(chart: Flowchart) -> None:
    with pytest.raises(ValidationError) as caught:
        Walk(chart).advance()
    assert caught.value.code == "answer_required"


def test_a_finished_walk_takes_no_more_steps(chart: Flowchart) -> None:
    walk = Walk(chart)
    walk.answer("no")
    assert walk.is_finished
    with pytest.raises(DomainError) as caught:
        walk.answer("yes")
    assert caught.value.code == "walk_finished"
    with pytest.raises(DomainError) as caught:
        walk.advance()
    assert caught.value.code == "walk_finished"


def test_back_at_the_start_is_refused(chart: Flowchart) -> None:
    with pytest.raises(DomainError) as caught:
        Walk(chart).back()
    assert caught.value.code == "walk_at_start"


def test_back_returns_to_the_previous_step(chart: Flowchart) -> None:
    walk = Walk(chart)
    walk.answer("yes")
    walk.advance()
    walk.answer("no")
    assert walk.back().type == "question"
    assert walk.current_id == "q2"
    assert walk.back().type == "action"
    assert walk.current_id == "a1"
    assert walk.back().type == "question"
    assert walk.path == (("q1", None),)


def test_back_then_another_answer_changes_the_outcome(chart: Flowchart) -> None:
    walk = Walk(chart)
    walk.answer("yes")
    walk.advance()
    walk.answer("yes")
    first = walk.result()
    walk.back()
    walk.answer("no")
    second = walk.result()
    assert first.decision is OutcomeDecision.SHARE
    assert second.decision is OutcomeDecision.DO_NOT_SHARE
    assert second.answers == (("q1", "yes"), ("q2", "no"))


def test_result_before_an_outcome_is_refused(chart: Flowchart) -> None:
    with pytest.raises(DomainError) as caught:
        Walk(chart).result()
    assert caught.value.code == "walk_not_finished"


def test_replay_passes_through_actions(chart: Flowchart) -> None:
    walk = replay(chart, [("q1", "yes")])
    assert walk.current_id == "q2"
    assert walk.path == (("q1", "yes"), ("a1", None), ("q2", None))
    finished = replay(chart, [("q1", "yes"), ("q2", "no")])
    assert finished.result().outcome_node_id == "out_no"


def test_replay_of_nothing_is_a_new_walk(chart: Flowchart) -> None:
    assert replay(chart, ()).path == (("q1", None),)


@pytest.mark.parametrize(
    "answers",
    [
        [("q2", "yes")],  # not the question the walk is at
        [("q1", "perhaps")],  # not an answer to that question
        [("q1", "no"), ("q2", "yes")],  # past the outcome
        [("q1", "yes"), ("a1", "yes")],  # actions are not answered
    ],
)
def test_replay_refuses_answers_that_do_not_fit(
    chart: Flowchart, answers: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationError) as caught:
        replay(chart, answers)
    assert caught.value.code == "invalid_answer"
    assert caught.value.field == "answers"


def test_replay_refuses_another_charts_answers() -> None:
    result = replay(load_flowchart("should-i-share"), [("purpose", "no")]).result()
    with pytest.raises(ValidationError):
        replay(load_flowchart("whose-consent"), result.answers)


def test_walk_result_is_frozen(chart: Flowchart) -> None:
    result = replay(chart, [("q1", "no")]).result()
    with pytest.raises(ValueError, match="frozen"):
        result.decision = OutcomeDecision.SHARE  # type: ignore[misc]


def _random_walk(chart: Flowchart, data: st.DataObject) -> Walk:
    """Walk ``chart`` choosing answers at random; fail if it does not end in time."""
    walk = Walk(chart)
    for _ in range(len(chart.nodes)):
        node = walk.current
        if isinstance(node, OutcomeNode):
            return walk
        if isinstance(node, ActionNode):
            walk.advance()
        else:
            answer = data.draw(st.sampled_from(node.answers), label=walk.current_id)
            walk.answer(answer.id)
    assert walk.is_finished, f"{chart.id}: no outcome within {len(chart.nodes)} steps"
    return walk


_WALK_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("chart_id", BUNDLED_IDS)
@_WALK_SETTINGS
@given(data=st.data())
def test_random_walks_end_at_an_outcome_and_replay(chart_id: str, data: st.DataObject) -> None:
    chart = load_flowchart(chart_id)
    walk = _random_walk(chart, data)
    outcome = walk.outcome
    assert outcome is not None
    assert len(walk.path) <= len(chart.nodes)
    result = walk.result()
    assert result.chart_id == chart.id
    assert result.chart_version == chart.version
    assert result.decision is outcome.decision
    assert result.record_fields
    again = replay(chart, result.answers)
    assert again.result() == result
    assert again.path == walk.path


@pytest.mark.parametrize("chart_id", BUNDLED_IDS)
@_WALK_SETTINGS
@given(data=st.data())
def test_going_back_undoes_exactly_one_step(chart_id: str, data: st.DataObject) -> None:
    chart = load_flowchart(chart_id)
    walk = _random_walk(chart, data)
    path = walk.path
    steps_back = data.draw(st.integers(min_value=1, max_value=len(path) - 1), label="back")
    for _ in range(steps_back):
        walk.back()
    assert walk.path[:-1] == path[: len(path) - 1 - steps_back]
    assert walk.current_id == path[len(path) - 1 - steps_back][0]
    # Going forward again the same way reaches the same outcome.
    for node_id, answer_id in path[len(path) - 1 - steps_back : -1]:
        assert walk.current_id == node_id
        if answer_id is None:
            walk.advance()
        else:
            walk.answer(answer_id)
    assert walk.path == path
