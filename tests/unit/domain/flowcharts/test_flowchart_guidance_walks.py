"""Walks through the bundled charts that the guidance itself answers (seeds 000, 002, 003)."""

from __future__ import annotations

import pytest

from app.domain.flowcharts import (
    DecisionBasis,
    OutcomeDecision,
    RecordField,
    Walk,
    WalkResult,
    load_flowchart,
    replay,
)


def _walk(chart_id: str, *answers: tuple[str, str]) -> WalkResult:
    return replay(load_flowchart(chart_id), answers).result()


CONFIDENTIAL_NO_CONSENT = (
    ("purpose", "yes"),
    ("identifiable", "yes"),
    ("confidential", "yes"),
    ("consent", "no"),
    ("statutory", "no"),
)


def test_child_at_risk_and_proportionate_means_share_in_the_public_interest() -> None:
    result = _walk(
        "should-i-share",
        *CONFIDENTIAL_NO_CONSENT,
        ("public_interest", "child_significant_harm"),
        ("proportionate", "yes"),
    )
    assert result.decision is OutcomeDecision.SHARE
    assert result.basis is DecisionBasis.PUBLIC_INTEREST
    assert {
        RecordField.INFORMATION_SHARED,
        RecordField.SHARED_WITH,
        RecordField.PURPOSE,
        RecordField.REASONS,
        RecordField.CONSULTED,
        RecordField.PERSON_INFORMED,
        RecordField.REVIEW_DATE,
    } <= set(result.record_fields)


def test_not_proportionate_means_do_not_share_and_back_changes_it() -> None:
    walk = replay(
        load_flowchart("should-i-share"),
        [*CONFIDENTIAL_NO_CONSENT, ("public_interest", "serious_crime"), ("proportionate", "no")],
    )
    assert walk.result().decision is OutcomeDecision.DO_NOT_SHARE
    walk.back()
    walk.answer("yes")
    assert walk.result().basis is DecisionBasis.PUBLIC_INTEREST


def test_no_legitimate_purpose_means_do_not_share() -> None:
    result = _walk("should-i-share", ("purpose", "no"))
    assert result.decision is OutcomeDecision.DO_NOT_SHARE
    assert RecordField.REASONS in result.record_fields


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ((("identifiable", "no"),), "out_not_personal"),
        ((("identifiable", "yes"), ("confidential", "no")), "out_not_confidential"),
    ],
)
def test_information_that_is_not_personal_or_not_confidential_may_be_shared(
    answers: tuple[tuple[str, str], ...], outcome: str
) -> None:
    result = _walk("should-i-share", ("purpose", "yes"), *answers)
    assert result.outcome_node_id == outcome
    assert result.decision is OutcomeDecision.SHARE


@pytest.mark.parametrize(
    ("answer", "basis"),
    [("explicit", DecisionBasis.EXPLICIT_CONSENT), ("implied", DecisionBasis.IMPLIED_CONSENT)],
)
def test_consent_means_share_recording_whose(answer: str, basis: DecisionBasis) -> None:
    result = _walk(
        "should-i-share",
        *CONFIDENTIAL_NO_CONSENT[:3],
        ("consent", answer),
    )
    assert result.decision is OutcomeDecision.SHARE
    assert result.basis is basis
    assert RecordField.CONSENT_FROM in result.record_fields
    assert RecordField.REVIEW_DATE in result.record_fields


@pytest.mark.parametrize(
    ("answer", "basis"),
    [
        ("statutory_duty", DecisionBasis.STATUTORY_DUTY),
        ("court_order", DecisionBasis.LEGAL_OBLIGATION),
    ],
)
def test_statutory_duty_or_court_order_means_share(answer: str, basis: DecisionBasis) -> None:
    result = _walk("should-i-share", *CONFIDENTIAL_NO_CONSENT[:4], ("statutory", answer))
    assert result.decision is OutcomeDecision.SHARE
    assert result.basis is basis
    assert RecordField.PERSON_INFORMED in result.record_fields


def test_consent_not_yet_asked_means_seek_it_first() -> None:
    result = _walk("should-i-share", *CONFIDENTIAL_NO_CONSENT[:3], ("consent", "not_asked"))
    assert result.decision is OutcomeDecision.SEEK_CONSENT


def test_no_public_interest_means_do_not_share() -> None:
    result = _walk("should-i-share", *CONFIDENTIAL_NO_CONSENT, ("public_interest", "no"))
    assert result.decision is OutcomeDecision.DO_NOT_SHARE


COMPETENT = (
    ("understands_question", "yes"),
    ("understands_consequences", "yes"),
    ("weighs_options", "yes"),
    ("own_view", "yes"),
)


def test_a_competent_14_year_old_gives_consent_themselves() -> None:
    walk = replay(load_flowchart("whose-consent"), [("age", "12_to_15"), *COMPETENT])
    result = walk.result()
    assert result.outcome_node_id == "out_child"
    assert result.decision is OutcomeDecision.SEEK_CONSENT
    assert RecordField.COMPETENCE_JUDGEMENT in result.record_fields
    assert ("assess_12_to_15", None) in walk.path
    outcome = walk.outcome
    assert outcome is not None
    assert "even if a parent or carer disagrees" in outcome.text


def test_a_14_year_old_under_pressure_is_not_competent_to_decide() -> None:
    result = _walk(
        "whose-consent",
        ("age", "12_to_15"),
        *COMPETENT[:3],
        ("own_view", "no"),
        ("parents_apart", "yes"),
    )
    assert result.outcome_node_id == "out_resident_parent"


def test_sixteen_or_over_gives_consent_themselves() -> None:
    assert _walk("whose-consent", ("age", "16_or_over")).outcome_node_id == "out_young_person"


def test_a_younger_child_may_still_be_competent() -> None:
    walk = replay(load_flowchart("whose-consent"), [("age", "under_12"), *COMPETENT])
    assert walk.result().outcome_node_id == "out_child"
    assert ("assess_under_12", None) in walk.path


def test_whose_consent_reminds_that_consent_can_be_withdrawn() -> None:
    chart = load_flowchart("whose-consent")
    for outcome in chart.outcomes.values():
        assert "withdrawn" in outcome.text
        assert RecordField.REVIEW_DATE in outcome.record


@pytest.mark.parametrize("reason", ["child_risk", "adult_risk", "serious_crime", "delay"])
def test_do_not_seek_consent_when_it_would_cause_harm(reason: str) -> None:
    order = ["child_risk", "adult_risk", "serious_crime", "delay"]
    answers = [(q, "no") for q in order[: order.index(reason)]] + [(reason, "yes")]
    result = _walk("should-i-seek-consent", *answers)
    assert result.decision is OutcomeDecision.DO_NOT_SEEK_CONSENT
    assert RecordField.REASONS in result.record_fields


def test_otherwise_seek_consent() -> None:
    answers = [(q, "no") for q in ["child_risk", "adult_risk", "serious_crime", "delay"]]
    assert _walk("should-i-seek-consent", *answers).decision is OutcomeDecision.SEEK_CONSENT


def test_sensitive_involvement_with_explicit_consent_is_recorded() -> None:
    result = _walk("sensitive-involvement-consent", ("consent", "yes"))
    assert result.decision is OutcomeDecision.RECORD_WITH_CONSENT
    assert result.basis is DecisionBasis.EXPLICIT_CONSENT
    assert {RecordField.CONSENT_FROM, RecordField.COMPETENCE_JUDGEMENT} <= set(result.record_fields)


def test_sensitive_involvement_refused_without_child_protection_concern_is_not_recorded() -> None:
    result = _walk(
        "sensitive-involvement-consent", ("consent", "refused"), ("child_protection", "no")
    )
    assert result.decision is OutcomeDecision.DO_NOT_RECORD
    assert result.basis is None


def test_sensitive_involvement_refused_with_child_protection_concern_is_overridden() -> None:
    walk = Walk(load_flowchart("sensitive-involvement-consent"))
    walk.answer("refused")
    walk.answer("yes")
    assert walk.current_id == "consult"
    walk.advance()
    result = walk.result()
    assert result.decision is OutcomeDecision.RECORD_WITH_OVERRIDE
    assert result.basis is DecisionBasis.CHILD_PROTECTION_OVERRIDE
    assert RecordField.JUSTIFICATION in result.record_fields
    assert replay(walk.chart, result.answers).result() == result


def test_referral_without_consent_when_discussion_is_unsafe() -> None:
    walk = replay(
        load_flowchart("referral-to-childrens-social-care"),
        [("concern", "yes"), ("refer", "yes"), ("safe_to_discuss", "no")],
    )
    assert walk.result().outcome_node_id == "out_refer_without_consent"
    assert ("seek_advice", None) in walk.path
