"""The bundled charts and golden rules load, pass their checks, and cite their sources."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from app.domain.errors import DomainError, ValidationError
from app.domain.flowcharts import (
    ChartKind,
    OutcomeDecision,
    OutcomeNode,
    QuestionNode,
    bundled_flowcharts_dir,
    load_flowchart,
    load_flowcharts,
    load_flowcharts_from,
    load_golden_rules,
    parse_flowchart_json,
    parse_golden_rules,
)
from app.domain.roles import Role

DECISION_CHARTS = {
    "should-i-share",
    "whose-consent",
    "should-i-seek-consent",
    "sensitive-involvement-consent",
}
PROCEDURE_CHARTS = {
    "referral-to-childrens-social-care",
    "action-following-assessment",
    "urgent-action-to-safeguard",
    "after-strategy-discussion",
    "after-child-protection-conference",
}


def test_every_bundled_chart_loads() -> None:
    charts = load_flowcharts()
    assert set(charts) == DECISION_CHARTS | PROCEDURE_CHARTS
    for chart_id, chart in charts.items():
        expected = ChartKind.DECISION if chart_id in DECISION_CHARTS else ChartKind.PROCEDURE
        assert chart.kind is expected, chart_id


def test_charts_are_cached() -> None:
    assert load_flowcharts() is load_flowcharts()
    assert load_flowchart("should-i-share") is load_flowcharts()["should-i-share"]


def test_chart_ids_match_their_file_names() -> None:
    names = {
        item.name.removesuffix(".json")
        for item in bundled_flowcharts_dir().iterdir()
        if item.name.endswith(".json")
    }
    assert names == set(load_flowcharts())


@pytest.mark.parametrize("chart_id", sorted(DECISION_CHARTS | PROCEDURE_CHARTS))
def test_bundled_chart_quotes_and_cites_its_guidance(chart_id: str) -> None:
    chart = load_flowchart(chart_id)
    assert chart.source.strip()
    assert "seed" not in chart.source.lower()
    for node_id, node in chart.nodes.items():
        assert node.help.strip(), f"{chart_id}.{node_id} has no help text"
        if isinstance(node, QuestionNode):
            assert "“" in node.help, f"{chart_id}.{node_id} quotes no guidance"
            assert "—" in node.help or "golden rule" in node.help, f"{chart_id}.{node_id}"
    assert Role.USER_ADMIN not in chart.audience
    if chart.kind is ChartKind.PROCEDURE:
        assert all(o.decision is OutcomeDecision.GUIDANCE for o in chart.outcomes.values())
        assert "title only" in chart.summary


def test_decision_charts_reach_the_decisions_they_exist_for() -> None:
    def decisions(chart_id: str) -> set[OutcomeDecision]:
        return {o.decision for o in load_flowchart(chart_id).outcomes.values()}

    assert {OutcomeDecision.SHARE, OutcomeDecision.DO_NOT_SHARE} <= decisions("should-i-share")
    assert {
        OutcomeDecision.RECORD_WITH_CONSENT,
        OutcomeDecision.RECORD_WITH_OVERRIDE,
        OutcomeDecision.DO_NOT_RECORD,
    } <= decisions("sensitive-involvement-consent")
    assert {
        OutcomeDecision.SEEK_CONSENT,
        OutcomeDecision.DO_NOT_SEEK_CONSENT,
    } == decisions("should-i-seek-consent")


def test_every_share_outcome_records_the_golden_rule_7_fields() -> None:
    chart = load_flowchart("should-i-share")
    for node_id, node in chart.nodes.items():
        if isinstance(node, OutcomeNode) and node.decision is OutcomeDecision.SHARE:
            assert {"information_shared", "shared_with", "purpose", "reasons"} <= set(
                node.record
            ), node_id


def test_unknown_chart_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        load_flowchart("no-such-chart")
    assert caught.value.code == "unknown_flowchart"


def _write(directory: Path, name: str, data: dict[str, Any]) -> None:
    (directory / name).write_text(json.dumps(data), encoding="utf-8")


def test_loading_a_directory_reads_only_json(tmp_path: Path, chart_data: dict[str, Any]) -> None:
    _write(tmp_path, "test-chart.json", chart_data)
    (tmp_path / "README.txt").write_text("not a chart", encoding="utf-8")
    (tmp_path / "sub.json").mkdir()
    assert list(load_flowcharts_from(tmp_path)) == ["test-chart"]


def test_duplicate_ids_across_files_are_refused(tmp_path: Path, chart_data: dict[str, Any]) -> None:
    _write(tmp_path, "a.json", chart_data)
    _write(tmp_path, "b.json", chart_data)
    with pytest.raises(ValidationError) as caught:
        load_flowcharts_from(tmp_path)
    assert caught.value.code == "invalid_flowchart"
    assert "a.json" in caught.value.message
    assert "b.json" in caught.value.message


def test_duplicate_node_ids_in_a_file_are_refused(chart_data: dict[str, Any]) -> None:
    text = json.dumps(chart_data)
    extra = '"out_no": {"type": "outcome", "text": "x", "decision": "share", "record": ["reasons"]}'
    text = text.replace('"nodes": {', '"nodes": {' + extra + ", ", 1)
    with pytest.raises(ValidationError) as caught:
        parse_flowchart_json(text, source_name="dup.json")
    assert caught.value.code == "invalid_flowchart"
    assert "out_no" in caught.value.message


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_unreadable_chart_files_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_flowchart_json(text, source_name="bad.json")
    assert caught.value.code == "invalid_flowchart"
    assert "bad.json" in caught.value.message


def test_pydantic_errors_name_the_chart(chart_data: dict[str, Any]) -> None:
    del chart_data["title"]
    with pytest.raises(ValidationError) as caught:
        parse_flowchart_json(json.dumps(chart_data))
    assert caught.value.code == "invalid_flowchart"
    assert "test-chart" in caught.value.message
    assert caught.value.field == "title"


def test_golden_rules_are_the_seven_quoted_with_source() -> None:
    rules = load_golden_rules()
    assert [rule.number for rule in rules.rules] == list(range(1, 8))
    assert rules.rules[6].title == "Keep a record"
    assert "whether it is to share information or not" in rules.rules[6].text
    assert "Sharing information about children" in rules.source
    assert set(rules.audience) == set(Role)


def test_golden_rules_must_be_seven_in_order() -> None:
    text = (resources.files("resources") / "guidance" / "golden-rules.json").read_text(
        encoding="utf-8"
    )
    data = json.loads(text)
    data["rules"] = data["rules"][:6]
    with pytest.raises(ValidationError) as caught:
        parse_golden_rules(data)
    assert caught.value.code == "invalid_guidance"
