"""Graph and consistency checks on a flowchart: broken charts are refused with invalid_flowchart."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from app.domain.errors import ValidationError
from app.domain.flowcharts import (
    ChartKind,
    DecisionBasis,
    Flowchart,
    OutcomeDecision,
    OutcomeNode,
    parse_flowchart,
    successors,
)


def _refused(data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_flowchart(data)
    assert caught.value.code == "invalid_flowchart"
    return caught.value


def test_valid_chart_parses(chart_data: dict[str, Any]) -> None:
    chart = parse_flowchart(chart_data)
    assert chart.id == "test-chart"
    assert chart.kind is ChartKind.DECISION
    assert set(chart.outcomes) == {"out_yes", "out_no"}
    assert successors(chart.nodes["q1"]) == ("a1", "out_no")
    assert successors(chart.nodes["a1"]) == ("q2",)
    assert successors(chart.nodes["out_no"]) == ()
    out = chart.nodes["out_yes"]
    assert isinstance(out, OutcomeNode)
    assert out.decision is OutcomeDecision.SHARE
    assert out.basis is DecisionBasis.PUBLIC_INTEREST


def test_cycle_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["q2"]["answers"][1]["next"] = "a1"
    error = _refused(chart_data)
    assert "cycle" in error.message
    assert "test-chart" in error.message


def test_cycle_back_to_start_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["a1"]["next"] = "q1"
    assert "cycle" in _refused(chart_data).message


def test_cycle_among_unreachable_nodes_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["x1"] = {"type": "action", "text": "Loop", "next": "x2"}
    chart_data["nodes"]["x2"] = {"type": "action", "text": "Loop", "next": "x1"}
    assert "cycle" in _refused(chart_data).message


def test_dangling_next_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["a1"]["next"] = "nowhere"
    error = _refused(chart_data)
    assert "'a1'" in error.message
    assert "'nowhere'" in error.message
    assert error.field == "nodes.a1"


def test_dangling_answer_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["q2"]["answers"][0]["next"] = "missing"
    assert "'missing'" in _refused(chart_data).message


def test_missing_start_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["start"] = "nope"
    assert _refused(chart_data).field == "start"


def test_unreachable_node_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["orphan"] = {
        "type": "outcome",
        "text": "Never reached.",
        "decision": "share",
        "record": ["reasons"],
    }
    error = _refused(chart_data)
    assert "'orphan'" in error.message
    assert "reached" in error.message


def test_question_without_answers_leaves_a_path_without_outcome(
    chart_data: dict[str, Any],
) -> None:
    chart_data["nodes"]["q2"]["answers"] = []
    error = _refused(chart_data)
    assert "'q2'" in error.message
    assert error.field == "nodes.q2.answers"


def test_question_with_one_answer_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["q2"]["answers"] = chart_data["nodes"]["q2"]["answers"][:1]
    assert "'q2'" in _refused(chart_data).message


def test_outcome_with_empty_record_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["out_no"]["record"] = []
    error = _refused(chart_data)
    assert "'out_no'" in error.message
    assert error.field == "nodes.out_no.record"


def test_outcome_with_repeated_record_field_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["out_no"]["record"] = ["reasons", "reasons"]
    assert "'out_no'" in _refused(chart_data).message


def test_unknown_record_field_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["out_no"]["record"] = ["case_notes"]
    assert _refused(chart_data).field == "nodes.out_no.outcome.record.0"


def test_duplicate_answer_id_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["q1"]["answers"][1]["id"] = "yes"
    error = _refused(chart_data)
    assert "'q1'" in error.message
    assert "'yes'" in error.message


def test_procedure_chart_must_end_in_guidance(chart_data: dict[str, Any]) -> None:
    chart_data["kind"] = "procedure"
    assert "guidance" in _refused(chart_data).message
    for outcome in ("out_yes", "out_no"):
        chart_data["nodes"][outcome]["decision"] = "guidance"
        chart_data["nodes"][outcome].pop("basis", None)
    assert parse_flowchart(chart_data).kind is ChartKind.PROCEDURE


def test_consent_basis_needs_consent_from(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["out_yes"]["basis"] = "explicit_consent"
    assert "consent_from" in _refused(chart_data).message


def test_override_needs_justification_and_its_basis(chart_data: dict[str, Any]) -> None:
    out = chart_data["nodes"]["out_yes"]
    out["decision"] = "record_with_override"
    out["basis"] = "child_protection_override"
    out["record"] = ["decision", "reasons"]
    assert "justification" in _refused(chart_data).message
    out["record"] = ["decision", "justification"]
    out["basis"] = "public_interest"
    assert _refused(chart_data).field == "nodes.out_yes.basis"
    out["basis"] = "child_protection_override"
    assert parse_flowchart(chart_data).nodes["out_yes"].type == "outcome"


def test_override_basis_only_with_override_decision(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["out_yes"]["basis"] = "child_protection_override"
    assert _refused(chart_data).field == "nodes.out_yes.basis"


def test_record_with_consent_needs_explicit_consent(chart_data: dict[str, Any]) -> None:
    out = chart_data["nodes"]["out_yes"]
    out["decision"] = "record_with_consent"
    out["record"] = ["decision", "consent_from"]
    assert _refused(chart_data).field == "nodes.out_yes.basis"


def test_repeated_audience_role_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["audience"] = ["practitioner", "practitioner"]
    assert _refused(chart_data).field == "audience"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schema_version": 2}, "schema_version"),
        ({"version": "one"}, "version"),
        ({"kind": "advice"}, "kind"),
        ({"audience": ["receptionist"]}, "audience.0"),
        ({"audience": []}, "audience"),
        ({"title": ""}, "title"),
        ({"colour": "red"}, "colour"),
        ({"id": "Not An Id"}, "id"),
    ],
)
def test_schema_errors_become_invalid_flowchart(
    chart_data: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    chart_data.update(change)
    assert _refused(chart_data).field == field


def test_unknown_node_type_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["a1"]["type"] = "pause"
    assert _refused(chart_data).field is not None


def test_extra_node_field_is_refused(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["a1"]["colour"] = "red"
    assert _refused(chart_data).field == "nodes.a1.action.colour"


def test_direct_construction_raises_the_domain_error(chart_data: dict[str, Any]) -> None:
    chart_data["nodes"]["a1"]["next"] = "nowhere"
    with pytest.raises(ValidationError) as caught:
        Flowchart.model_validate(chart_data)
    assert caught.value.code == "invalid_flowchart"


def test_charts_are_frozen(chart_data: dict[str, Any]) -> None:
    chart = parse_flowchart(chart_data)
    with pytest.raises(pydantic.ValidationError):
        chart.title = "Changed"  # type: ignore[misc]
