"""From a finished walk to what is stored: decision records, withdrawals and consents."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.changes import Mutation, RecordDecision
from app.domain.errors import ValidationError
from app.domain.flowcharts import (
    ActionNode,
    DecisionAnswers,
    Flowchart,
    OutcomeDecision,
    QuestionNode,
    RecordField,
    Walk,
    WalkResult,
    build_decision,
    build_involvement_consent,
    build_withdrawal,
    can_withdraw,
    form_fields,
    is_recordable,
    load_flowchart,
    replay,
    withdrawal_of,
)
from app.domain.records import (
    ConsentBasis,
    ConsentGiver,
    Decision,
    DecisionOutcome,
    SharingBasis,
)
from app.domain.services import check_involvement_consent, default_catalogue

TODAY = date(2026, 11, 21)


def _walk(chart_id: str, *answers: tuple[str, str]) -> WalkResult:
    return replay(load_flowchart(chart_id), answers).result()


def _full_answers(**overrides: object) -> DecisionAnswers:
    values: dict[str, object] = {
        "consent_from": "The young person, aged 16",
        "competence_judgement": "Aged 16: presumed able to decide.",
        "information_shared": "Contact details and the current concern.",
        "shared_with": "School nurse, Seafield Primary",
        "purpose": "To arrange support at school.",
        "reasons": "Support is needed and she agreed.",
        "consulted": "My manager, Sam Synthwood",
        "person_informed": True,
        "review_date": TODAY + timedelta(days=90),
    }
    values.update(overrides)
    return DecisionAnswers.model_validate(values)


EXPLICIT = (
    ("purpose", "yes"),
    ("identifiable", "yes"),
    ("confidential", "yes"),
    ("consent", "explicit"),
)
PUBLIC_INTEREST = (
    ("purpose", "yes"),
    ("identifiable", "yes"),
    ("confidential", "yes"),
    ("consent", "no"),
    ("statutory", "no"),
    ("public_interest", "child_significant_harm"),
    ("proportionate", "yes"),
)


def test_a_share_with_explicit_consent_records_every_field_the_outcome_asks_for() -> None:
    result = _walk("should-i-share", *EXPLICIT)
    payload = build_decision(result, _full_answers(), decision_id="decision-0001", today=TODAY)
    assert payload == RecordDecision(
        decision_id="decision-0001",
        outcome=DecisionOutcome.SHARE,
        basis=SharingBasis.EXPLICIT_CONSENT,
        consent_from="The young person, aged 16",
        competence_judgement="Aged 16: presumed able to decide.",
        information_shared="Contact details and the current concern.",
        shared_with="School nurse, Seafield Primary",
        purpose="To arrange support at school.",
        reasons="Support is needed and she agreed.",
        review_date=TODAY + timedelta(days=90),
        flowchart_id="should-i-share",
        flowchart_version=load_flowchart("should-i-share").version,
        answers=EXPLICIT,
    )
    # Not asked for at this outcome: left out, even though the form held them.
    assert payload.consulted is None
    assert payload.person_informed is None


def test_a_public_interest_share_records_who_was_consulted_and_whether_the_person_was_told() -> (
    None
):
    result = _walk("should-i-share", *PUBLIC_INTEREST)
    payload = build_decision(
        result, _full_answers(person_informed=False), decision_id="decision-0002", today=TODAY
    )
    assert payload.basis is SharingBasis.PUBLIC_INTEREST
    assert payload.consulted == "My manager, Sam Synthwood"
    assert payload.person_informed is False
    assert payload.consent_from is None


def test_a_decision_not_to_share_is_recorded_too() -> None:
    result = _walk("should-i-share", ("purpose", "no"))
    payload = build_decision(
        result,
        DecisionAnswers(reasons="  No purpose was given.  ", consulted="Nobody"),
        decision_id="decision-0003",
        today=TODAY,
    )
    assert payload.outcome is DecisionOutcome.DO_NOT_SHARE
    assert payload.basis is None
    assert payload.reasons == "No purpose was given."
    assert payload.consulted == "Nobody"


def test_reasons_are_always_asked_for() -> None:
    result = WalkResult(
        chart_id="c",
        chart_version="1.0",
        answers=(),
        outcome_node_id="out",
        decision=OutcomeDecision.SHARE,
        basis=None,
        record_fields=(RecordField.DECISION, RecordField.PURPOSE),
    )
    assert form_fields(result) == (RecordField.PURPOSE, RecordField.REASONS)


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"consent_from": "   "}, "consent_from"),
        ({"competence_judgement": ""}, "competence_judgement"),
        ({"reasons": ""}, "reasons"),
        ({"review_date": None}, "review_date"),
    ],
)
def test_a_field_the_outcome_asks_for_is_required(missing: dict[str, object], field: str) -> None:
    result = _walk("should-i-share", *EXPLICIT)
    with pytest.raises(ValidationError) as caught:
        build_decision(result, _full_answers(**missing), decision_id="decision-0004", today=TODAY)
    assert caught.value.code == "field_required"
    assert caught.value.field == field


def test_the_first_missing_field_in_the_form_is_named_first() -> None:
    result = _walk("should-i-share", *PUBLIC_INTEREST)
    with pytest.raises(ValidationError) as caught:
        build_decision(result, DecisionAnswers(), decision_id="decision-0005", today=TODAY)
    assert caught.value.field == "information_shared"
    assert caught.value.message == "Fill in what information to record this decision."


def test_whether_the_person_was_told_must_be_answered_when_asked() -> None:
    result = _walk("should-i-share", *PUBLIC_INTEREST)
    with pytest.raises(ValidationError) as caught:
        build_decision(
            result, _full_answers(person_informed=None), decision_id="decision-0006", today=TODAY
        )
    assert (caught.value.code, caught.value.field) == ("field_required", "person_informed")


def test_a_review_date_in_the_past_is_refused() -> None:
    result = _walk("should-i-share", *EXPLICIT)
    with pytest.raises(ValidationError) as caught:
        build_decision(
            result,
            _full_answers(review_date=TODAY - timedelta(days=1)),
            decision_id="decision-0007",
            today=TODAY,
        )
    assert (caught.value.code, caught.value.field) == ("review_date_past", "review_date")
    # Today itself is allowed (review at once).
    build_decision(
        result, _full_answers(review_date=TODAY), decision_id="decision-0007", today=TODAY
    )


def test_overlong_text_is_refused_with_its_limit() -> None:
    result = _walk("should-i-share", *EXPLICIT)
    with pytest.raises(ValidationError) as caught:
        build_decision(
            result, _full_answers(shared_with="x" * 501), decision_id="decision-0008", today=TODAY
        )
    assert (caught.value.code, caught.value.field) == ("too_long", "shared_with")
    assert "500" in caught.value.message


@pytest.mark.parametrize(
    "answers",
    [
        (
            ("purpose", "yes"),
            ("identifiable", "yes"),
            ("confidential", "yes"),
            ("consent", "not_asked"),
        ),
        (*PUBLIC_INTEREST[:5], ("public_interest", "not_sure")),
    ],
    ids=["seek_consent", "seek_advice"],
)
def test_an_outcome_that_is_not_a_decision_cannot_be_recorded(
    answers: tuple[tuple[str, str], ...],
) -> None:
    result = _walk("should-i-share", *answers)
    assert not is_recordable(result)
    with pytest.raises(ValidationError) as caught:
        build_decision(result, _full_answers(), decision_id="decision-0009", today=TODAY)
    assert caught.value.code == "not_a_decision"


# -- withdrawing consent ---------------------------------------------------------------------


def _decision(
    decision_id: str,
    *,
    basis: SharingBasis | None = SharingBasis.EXPLICIT_CONSENT,
    outcome: DecisionOutcome = DecisionOutcome.SHARE,
    withdraws: str | None = None,
) -> Decision:
    return Decision(
        id=decision_id,
        decided_by="user-1",
        decided_by_name="Pat Visitor",
        decided_at=datetime(2026, 11, 1, 9, tzinfo=UTC),
        outcome=outcome,
        basis=basis,
        reasons="Agreed with the family.",
        withdraws=withdraws,
    )


def test_consent_withdrawal_is_its_own_decision_pointing_at_the_one_withdrawn() -> None:
    original = _decision("decision-1000")
    payload = build_withdrawal(
        original,
        [original],
        decision_id="decision-1001",
        reasons=" She asked us to stop sharing. ",
        withdrawn_by="The young person",
    )
    assert payload == RecordDecision(
        decision_id="decision-1001",
        outcome=DecisionOutcome.CONSENT_WITHDRAWN,
        consent_from="The young person",
        reasons="She asked us to stop sharing.",
        withdraws="decision-1000",
    )


def test_only_consent_that_stands_can_be_withdrawn() -> None:
    original = _decision("decision-1000")
    public = _decision("decision-1002", basis=SharingBasis.PUBLIC_INTEREST)
    withdrawal = _decision(
        "decision-1003",
        basis=None,
        outcome=DecisionOutcome.CONSENT_WITHDRAWN,
        withdraws="decision-1000",
    )
    everything = [original, public, withdrawal]
    assert withdrawal_of(original, everything) == withdrawal
    assert not can_withdraw(original, everything)
    assert not can_withdraw(public, everything)
    assert not can_withdraw(withdrawal, everything)
    assert can_withdraw(original, [original, public])
    with pytest.raises(ValidationError) as caught:
        build_withdrawal(
            original, everything, decision_id="decision-1004", reasons="Again.", withdrawn_by="X"
        )
    assert caught.value.code == "not_withdrawable"


def test_a_withdrawal_needs_reasons_and_who_withdrew() -> None:
    original = _decision("decision-1000")
    with pytest.raises(ValidationError) as caught:
        build_withdrawal(
            original, [original], decision_id="decision-1005", reasons=" ", withdrawn_by="Mother"
        )
    assert caught.value.field == "reasons"
    with pytest.raises(ValidationError) as caught:
        build_withdrawal(
            original, [original], decision_id="decision-1005", reasons="Asked.", withdrawn_by=""
        )
    assert caught.value.field == "consent_from"


# -- consent for a sensitive involvement -------------------------------------------------------

CAMHS = default_catalogue().get("camhs")


def test_explicit_consent_names_who_gave_it_and_passes_the_index_rule() -> None:
    result = _walk("sensitive-involvement-consent", ("consent", "yes"))
    judgement = "Aged 14; understood what would be recorded, who sees it and why."
    consent = build_involvement_consent(
        result,
        given_by=ConsentGiver.CHILD,
        justification="",
        today=TODAY,
        competence_judgement=judgement,
    )
    assert consent is not None
    assert (consent.basis, consent.given_by, consent.recorded_on) == (
        ConsentBasis.EXPLICIT_CONSENT,
        ConsentGiver.CHILD,
        TODAY,
    )
    assert consent.competence_judgement == judgement
    assert check_involvement_consent(CAMHS, consent) == consent
    with pytest.raises(ValidationError) as caught:
        build_involvement_consent(result, given_by=None, justification="", today=TODAY)
    assert caught.value.code == "consent_giver_required"


def test_a_childs_own_consent_needs_the_competence_judgement_recorded() -> None:
    result = _walk("sensitive-involvement-consent", ("consent", "yes"))
    with pytest.raises(ValidationError) as caught:
        build_involvement_consent(
            result, given_by=ConsentGiver.CHILD, justification="", today=TODAY
        )
    assert caught.value.code == "competence_judgement_required"
    parent = build_involvement_consent(
        result, given_by=ConsentGiver.PARENTAL_RESPONSIBILITY, justification="", today=TODAY
    )
    assert parent is not None
    assert parent.competence_judgement is None


def test_an_override_needs_a_justification_and_is_flagged_for_review() -> None:
    result = _walk(
        "sensitive-involvement-consent", ("consent", "refused"), ("child_protection", "yes")
    )
    with pytest.raises(ValidationError) as caught:
        build_involvement_consent(result, given_by=None, justification="  too short  ", today=TODAY)
    assert caught.value.code == "override_justification_required"
    with pytest.raises(ValidationError) as caught:
        build_involvement_consent(result, given_by=None, justification="x" * 2001, today=TODAY)
    assert caught.value.code == "too_long"
    consent = build_involvement_consent(
        result,
        given_by=None,
        justification="  Disclosure of injuries at home; strategy discussion held.  ",
        today=TODAY,
    )
    assert consent is not None
    assert consent.basis is ConsentBasis.CHILD_PROTECTION_OVERRIDE
    assert consent.justification == "Disclosure of injuries at home; strategy discussion held."
    assert consent.flagged_for_review
    assert check_involvement_consent(CAMHS, consent) == consent


def test_do_not_record_gives_no_consent_and_asking_first_gives_nothing_yet() -> None:
    refused = _walk(
        "sensitive-involvement-consent", ("consent", "refused"), ("child_protection", "no")
    )
    assert build_involvement_consent(refused, given_by=None, justification="", today=TODAY) is None
    ask = _walk("sensitive-involvement-consent", ("consent", "not_asked"))
    with pytest.raises(ValidationError) as caught:
        build_involvement_consent(ask, given_by=ConsentGiver.CHILD, justification="", today=TODAY)
    assert caught.value.code == "consent_not_settled"


# -- random walks ------------------------------------------------------------------------------

_WALK_SETTINGS = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60
).filter(lambda s: s.strip() != "")


def _random_walk(chart: Flowchart, data: st.DataObject) -> Walk:
    walk = Walk(chart)
    for _ in range(len(chart.nodes)):
        if walk.is_finished:
            break
        node = walk.current
        if isinstance(node, ActionNode):
            walk.advance()
        elif isinstance(node, QuestionNode):
            answer = data.draw(st.sampled_from(node.answers), label=walk.current_id)
            walk.answer(answer.id)
    return walk


@_WALK_SETTINGS
@given(data=st.data())
def test_random_walks_through_should_i_share_end_in_a_valid_record_or_none(
    data: st.DataObject,
) -> None:
    chart = load_flowchart("should-i-share")
    walk = _random_walk(chart, data)
    assert walk.is_finished
    result = walk.result()
    answers = DecisionAnswers(
        consent_from=data.draw(_TEXT),
        competence_judgement=data.draw(_TEXT),
        information_shared=data.draw(_TEXT),
        shared_with=data.draw(_TEXT),
        purpose=data.draw(_TEXT),
        reasons=data.draw(_TEXT),
        consulted=data.draw(_TEXT),
        person_informed=data.draw(st.booleans()),
        review_date=TODAY + timedelta(days=data.draw(st.integers(0, 3650))),
    )
    if not is_recordable(result):
        assert result.decision in (OutcomeDecision.SEEK_CONSENT, OutcomeDecision.GUIDANCE)
        return
    payload = build_decision(result, answers, decision_id="decision-rand", today=TODAY)
    # A valid mutation body, as the index will validate it on push.
    mutation = Mutation.model_validate_json(
        Mutation(
            id="mutation-rand",
            child_id="CHILD00001",
            created_at=datetime(2026, 11, 21, tzinfo=UTC),
            payload=payload,
        ).model_dump_json()
    )
    assert mutation.payload == payload
    # Every field the outcome asks for is filled; nothing else is.
    asked = {f.value for f in form_fields(result)}
    for name in (
        "consent_from",
        "competence_judgement",
        "information_shared",
        "shared_with",
        "purpose",
        "consulted",
        "person_informed",
        "review_date",
    ):
        assert (getattr(payload, name) is not None) == (name in asked), name
    # The stored answers lead back to the same outcome.
    assert replay(chart, payload.answers).result() == result
    # And the index can store it as a Decision.
    Decision(
        **payload.model_dump(exclude={"kind", "decision_id"}),
        id=payload.decision_id,
        decided_by="user-1",
        decided_by_name="Pat Visitor",
        decided_at=datetime(2026, 11, 21, tzinfo=UTC),
    )


@_WALK_SETTINGS
@given(data=st.data())
def test_random_walks_through_the_sensitive_chart_give_a_consent_the_index_accepts(
    data: st.DataObject,
) -> None:
    walk = _random_walk(load_flowchart("sensitive-involvement-consent"), data)
    result = walk.result()
    given_by = data.draw(st.sampled_from(ConsentGiver))
    justification = data.draw(
        st.text(min_size=20, max_size=200).filter(lambda s: len(s.strip()) >= 20)
    )
    if result.decision is OutcomeDecision.SEEK_CONSENT:
        with pytest.raises(ValidationError):
            build_involvement_consent(
                result, given_by=given_by, justification=justification, today=TODAY
            )
        return
    consent = build_involvement_consent(
        result,
        given_by=given_by,
        justification=justification,
        today=TODAY,
        competence_judgement="Judged competent: understood the options and consequences.",
    )
    if result.decision is OutcomeDecision.DO_NOT_RECORD:
        assert consent is None
        return
    assert consent is not None
    assert check_involvement_consent(CAMHS, consent) == consent
