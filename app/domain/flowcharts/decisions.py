"""From a finished walk to what is stored: a decision record, a withdrawal, or a consent.

Golden rule 7: "Keep a record of your decision and the reasons for it – whether it is to
share information or not." A walk through a decision chart ends at an outcome that names
the fields the practitioner must complete (:class:`~app.domain.flowcharts.RecordField`).
:func:`build_decision` checks the practitioner's answers against that list and turns them,
with the chart id, its version and the answers given, into the ``RecordDecision`` payload
that the cache queues and the index applies (PRODUCT.md §4).

Only outcomes that *are* a decision about sharing can be recorded: share and do not share.
"Seek consent first" or "seek advice" end a walk without a decision; the practitioner walks
again once they have the answer (:func:`is_recordable`).

Consent "can be withdrawn at any time" (seed 002): :func:`build_withdrawal` records that as
its own decision, pointing at the one it withdraws. And :func:`build_involvement_consent`
turns a walk through the sensitive-involvement chart into the consent (or the
child-protection override) stored with a sensitive-service involvement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict

from app.domain.changes import RecordDecision
from app.domain.errors import ValidationError
from app.domain.flowcharts.engine import WalkResult
from app.domain.flowcharts.schema import DecisionBasis, OutcomeDecision, RecordField
from app.domain.records import (
    ConsentBasis,
    ConsentGiver,
    Decision,
    DecisionOutcome,
    InvolvementConsent,
    SharingBasis,
)
from app.domain.services import MIN_OVERRIDE_JUSTIFICATION, check_explicit_consent

#: The outcomes that are a decision about sharing, and how the record names them.
RECORDABLE_OUTCOMES: dict[OutcomeDecision, DecisionOutcome] = {
    OutcomeDecision.SHARE: DecisionOutcome.SHARE,
    OutcomeDecision.DO_NOT_SHARE: DecisionOutcome.DO_NOT_SHARE,
}

#: The chart's bases that are lawful bases for sharing (the override is for recording only).
SHARING_BASES: dict[DecisionBasis, SharingBasis] = {
    DecisionBasis.EXPLICIT_CONSENT: SharingBasis.EXPLICIT_CONSENT,
    DecisionBasis.IMPLIED_CONSENT: SharingBasis.IMPLIED_CONSENT,
    DecisionBasis.PUBLIC_INTEREST: SharingBasis.PUBLIC_INTEREST,
    DecisionBasis.LEGAL_OBLIGATION: SharingBasis.LEGAL_OBLIGATION,
    DecisionBasis.STATUTORY_DUTY: SharingBasis.STATUTORY_DUTY,
    DecisionBasis.CRIME_AND_DISORDER_S115: SharingBasis.CRIME_AND_DISORDER_S115,
}

#: Decisions resting on these can have their consent withdrawn.
CONSENT_BASES = frozenset({SharingBasis.EXPLICIT_CONSENT, SharingBasis.IMPLIED_CONSENT})

#: Fields the chart itself fills (the practitioner does not type them).
CHART_FIELDS = frozenset({RecordField.DECISION, RecordField.BASIS})

#: Free-text fields of the record and the most each may hold (as ``RecordDecision`` allows).
TEXT_LIMITS: dict[RecordField, int] = {
    RecordField.CONSENT_FROM: 200,
    RecordField.COMPETENCE_JUDGEMENT: 2000,
    RecordField.INFORMATION_SHARED: 2000,
    RecordField.SHARED_WITH: 500,
    RecordField.PURPOSE: 2000,
    RecordField.REASONS: 4000,
    RecordField.CONSULTED: 500,
}

#: What each field is called when a refusal names it.
FIELD_NAMES: dict[RecordField, str] = {
    RecordField.DECISION: "the decision",
    RecordField.BASIS: "the basis",
    RecordField.CONSENT_FROM: "whose consent",
    RecordField.COMPETENCE_JUDGEMENT: "how you judged they could consent",
    RecordField.INFORMATION_SHARED: "what information",
    RecordField.SHARED_WITH: "with whom",
    RecordField.PURPOSE: "the purpose",
    RecordField.REASONS: "your reasons",
    RecordField.CONSULTED: "who you consulted",
    RecordField.PERSON_INFORMED: "whether the person was told",
    RecordField.REVIEW_DATE: "the review date",
    RecordField.JUSTIFICATION: "the justification",
}


class DecisionAnswers(BaseModel):
    """What the practitioner wrote in the decision form (text is trimmed when built)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    consent_from: str = ""
    competence_judgement: str = ""
    information_shared: str = ""
    shared_with: str = ""
    purpose: str = ""
    reasons: str = ""
    consulted: str = ""
    person_informed: bool | None = None
    review_date: date | None = None


def is_recordable(result: WalkResult) -> bool:
    """True if the walk ended in a decision to share or not to share."""
    return result.decision in RECORDABLE_OUTCOMES


def form_fields(result: WalkResult) -> tuple[RecordField, ...]:
    """The fields the practitioner completes at this outcome, in the chart's order.

    Reasons are always asked for, even where a chart forgets them: the golden rule asks
    for "your decision and the reasons for it", and the record cannot be kept without.
    """
    fields = [f for f in result.record_fields if f not in CHART_FIELDS]
    if RecordField.REASONS not in fields:
        fields.append(RecordField.REASONS)
    return tuple(f for f in fields if f is not RecordField.JUSTIFICATION)


def _required(field: RecordField) -> ValidationError:
    return ValidationError(
        "field_required", f"Fill in {FIELD_NAMES[field]} to record this decision.", field=field
    )


def _text(answers: DecisionAnswers, field: RecordField) -> str:
    value: str = getattr(answers, field.value).strip()
    if not value:
        raise _required(field)
    limit = TEXT_LIMITS[field]
    if len(value) > limit:
        raise ValidationError(
            "too_long",
            f"Shorten {FIELD_NAMES[field]} to at most {limit} characters (it has {len(value)}).",
            field=field,
        )
    return value


def build_decision(
    result: WalkResult, answers: DecisionAnswers, *, decision_id: str, today: date
) -> RecordDecision:
    """The ``RecordDecision`` for a finished walk and the practitioner's answers.

    Every field the outcome asks for must be filled (``field_required``, naming it); a
    review date cannot be in the past (``review_date_past``). Fields the outcome does not
    ask for are left out, so what was typed before the practitioner went back and took
    another way through the chart is never stored against the new outcome.
    """
    outcome = RECORDABLE_OUTCOMES.get(result.decision)
    if outcome is None:
        raise ValidationError(
            "not_a_decision",
            "This outcome is not a decision to share or not to share, so there is nothing "
            "to record yet. Do what it says, then make the decision again.",
        )
    texts: dict[RecordField, str] = {}
    person_informed: bool | None = None
    review_date: date | None = None
    # In the form's order, so the first refusal names the first field left to fill.
    for field in form_fields(result):
        if field is RecordField.PERSON_INFORMED:
            if answers.person_informed is None:
                raise _required(field)
            person_informed = answers.person_informed
        elif field is RecordField.REVIEW_DATE:
            if answers.review_date is None:
                raise _required(field)
            if answers.review_date < today:
                raise ValidationError(
                    "review_date_past", "The review date cannot be in the past.", field=field
                )
            review_date = answers.review_date
        else:
            texts[field] = _text(answers, field)
    return RecordDecision(
        decision_id=decision_id,
        outcome=outcome,
        basis=None if result.basis is None else SHARING_BASES.get(result.basis),
        consent_from=texts.get(RecordField.CONSENT_FROM),
        competence_judgement=texts.get(RecordField.COMPETENCE_JUDGEMENT),
        information_shared=texts.get(RecordField.INFORMATION_SHARED),
        shared_with=texts.get(RecordField.SHARED_WITH),
        purpose=texts.get(RecordField.PURPOSE),
        reasons=texts[RecordField.REASONS],
        consulted=texts.get(RecordField.CONSULTED),
        person_informed=person_informed,
        review_date=review_date,
        flowchart_id=result.chart_id,
        flowchart_version=result.chart_version,
        answers=result.answers,
    )


def withdrawal_of(decision: Decision, decisions: Iterable[Decision]) -> Decision | None:
    """The recorded withdrawal of ``decision``'s consent, if there is one."""
    return next((d for d in decisions if d.withdraws == decision.id), None)


def can_withdraw(decision: Decision, decisions: Iterable[Decision]) -> bool:
    """True if ``decision`` rests on consent that has not been withdrawn already."""
    return (
        decision.outcome is not DecisionOutcome.CONSENT_WITHDRAWN
        and decision.basis in CONSENT_BASES
        and withdrawal_of(decision, decisions) is None
    )


def build_withdrawal(
    decision: Decision,
    decisions: Iterable[Decision],
    *,
    decision_id: str,
    reasons: str,
    withdrawn_by: str,
) -> RecordDecision:
    """Record that the consent ``decision`` rested on has been withdrawn.

    A withdrawal is its own decision (``consent_withdrawn``) pointing at the one it
    withdraws; the original stays on the record as it was made.
    """
    if not can_withdraw(decision, decisions):
        raise ValidationError(
            "not_withdrawable",
            "Only a decision made with consent, whose consent has not already been "
            "withdrawn, can have its consent withdrawn.",
            field="withdraws",
        )
    answers = DecisionAnswers(consent_from=withdrawn_by, reasons=reasons)
    return RecordDecision(
        decision_id=decision_id,
        outcome=DecisionOutcome.CONSENT_WITHDRAWN,
        consent_from=_text(answers, RecordField.CONSENT_FROM),
        reasons=_text(answers, RecordField.REASONS),
        withdraws=decision.id,
    )


def build_involvement_consent(
    result: WalkResult,
    *,
    given_by: ConsentGiver | None,
    justification: str,
    today: date,
    competence_judgement: str = "",
) -> InvolvementConsent | None:
    """The consent to store with a sensitive-service involvement, from a finished walk.

    ``record_with_consent`` needs whose consent (``consent_giver_required``);
    ``record_with_override`` needs a written justification of the child-protection concern
    (``override_justification_required``) and is flagged for review; ``do_not_record``
    gives ``None``: the involvement is not added. Any other outcome (ask for consent
    first) has nothing to store yet (``consent_not_settled``).
    """
    if result.decision is OutcomeDecision.DO_NOT_RECORD:
        return None
    if result.decision is OutcomeDecision.RECORD_WITH_CONSENT:
        judgement = competence_judgement.strip()
        if len(judgement) > 2000:
            raise ValidationError(
                "too_long",
                "Shorten how the child's competence was judged to at most 2000 characters "
                f"(it has {len(judgement)}).",
                field="consent.competence_judgement",
            )
        return check_explicit_consent(
            InvolvementConsent(
                basis=ConsentBasis.EXPLICIT_CONSENT,
                given_by=given_by,
                competence_judgement=judgement,
                recorded_on=today,
            )
        )
    if result.decision is OutcomeDecision.RECORD_WITH_OVERRIDE:
        text = justification.strip()
        if len(text) < MIN_OVERRIDE_JUSTIFICATION:
            raise ValidationError(
                "override_justification_required",
                "A child-protection override needs a written justification of at least "
                f"{MIN_OVERRIDE_JUSTIFICATION} characters describing the concern.",
                field="consent.justification",
            )
        if len(text) > 2000:
            raise ValidationError(
                "too_long",
                f"Shorten the justification to at most 2000 characters (it has {len(text)}).",
                field="consent.justification",
            )
        return InvolvementConsent(
            basis=ConsentBasis.CHILD_PROTECTION_OVERRIDE,
            recorded_on=today,
            justification=text,
            flagged_for_review=True,
        )
    raise ValidationError(
        "consent_not_settled",
        "There is no consent to record yet: ask for it first, then answer again.",
    )
