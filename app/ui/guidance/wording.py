"""What the guidance windows call things: record fields, outcomes, bases — translated.

Chart texts come from the bundled JSON; they pass through Qt's translation under the
``flowcharts`` context so a catalogue can carry them, keyed on the English source, just
as the reason dialog does with the rules package's descriptions.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.domain.flowcharts import DecisionBasis, OutcomeDecision, RecordField
from app.domain.records import ConsentGiver, DecisionOutcome, SharingBasis

_FIELDS: dict[RecordField, str] = {
    RecordField.DECISION: "Decision",
    RecordField.BASIS: "Basis",
    RecordField.CONSENT_FROM: "Whose consent",
    RecordField.COMPETENCE_JUDGEMENT: "How you judged they could consent",
    RecordField.INFORMATION_SHARED: "What information",
    RecordField.SHARED_WITH: "With whom",
    RecordField.PURPOSE: "For what purpose",
    RecordField.REASONS: "Your reasons",
    RecordField.CONSULTED: "Who you consulted",
    RecordField.PERSON_INFORMED: "Was the person told?",
    RecordField.REVIEW_DATE: "Review by",
    RecordField.JUSTIFICATION: "Justification",
}

_OUTCOME_DECISIONS: dict[OutcomeDecision, str] = {
    OutcomeDecision.SHARE: "Share",
    OutcomeDecision.DO_NOT_SHARE: "Do not share",
    OutcomeDecision.SEEK_CONSENT: "Seek consent first",
    OutcomeDecision.DO_NOT_SEEK_CONSENT: "Do not seek consent",
    OutcomeDecision.GUIDANCE: "Guidance",
    OutcomeDecision.RECORD_WITH_CONSENT: "Record, with consent",
    OutcomeDecision.RECORD_WITH_OVERRIDE: "Record without consent (child-protection override)",
    OutcomeDecision.DO_NOT_RECORD: "Do not record",
}

_DECISION_OUTCOMES: dict[DecisionOutcome, str] = {
    DecisionOutcome.SHARE: "Share",
    DecisionOutcome.DO_NOT_SHARE: "Do not share",
    DecisionOutcome.CONSENT_WITHDRAWN: "Consent withdrawn",
}

_SHARING_BASES: dict[SharingBasis, str] = {
    SharingBasis.EXPLICIT_CONSENT: "Explicit consent",
    SharingBasis.IMPLIED_CONSENT: "Implied consent",
    SharingBasis.PUBLIC_INTEREST: "No consent: public interest",
    SharingBasis.LEGAL_OBLIGATION: "Legal obligation or court order",
    SharingBasis.STATUTORY_DUTY: "Statutory duty",
    SharingBasis.CRIME_AND_DISORDER_S115: "Crime and Disorder Act 1998, section 115",
}

_CHART_BASES: dict[DecisionBasis, str] = {
    DecisionBasis.EXPLICIT_CONSENT: "Explicit consent",
    DecisionBasis.IMPLIED_CONSENT: "Implied consent",
    DecisionBasis.PUBLIC_INTEREST: "No consent: public interest",
    DecisionBasis.LEGAL_OBLIGATION: "Legal obligation or court order",
    DecisionBasis.STATUTORY_DUTY: "Statutory duty",
    DecisionBasis.CRIME_AND_DISORDER_S115: "Crime and Disorder Act 1998, section 115",
    DecisionBasis.CHILD_PROTECTION_OVERRIDE: "Child-protection override",
}

_CONSENT_GIVERS: dict[ConsentGiver, str] = {
    ConsentGiver.CHILD: "The child or young person (competent to decide)",
    ConsentGiver.PARENTAL_RESPONSIBILITY: "A person with parental responsibility",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("guidance", text)


def chart_text(text: str) -> str:
    """A chart's own words (question, help, answer), translated where a catalogue has them."""
    return QCoreApplication.translate("flowcharts", text)


def field_label(field: RecordField) -> str:
    """What a decision-record field is called on screen."""
    return _tr(_FIELDS[field])


def outcome_decision_label(decision: OutcomeDecision) -> str:
    """What a chart's outcome tells the practitioner to do, in a few words."""
    return _tr(_OUTCOME_DECISIONS[decision])


def decision_outcome_label(outcome: DecisionOutcome) -> str:
    """A recorded decision's outcome, in words."""
    return _tr(_DECISION_OUTCOMES[outcome])


def sharing_basis_label(basis: SharingBasis) -> str:
    """A recorded decision's lawful basis, in words."""
    return _tr(_SHARING_BASES[basis])


def chart_basis_label(basis: DecisionBasis) -> str:
    """The basis a chart's outcome rests on, in words."""
    return _tr(_CHART_BASES[basis])


def consent_giver_label(giver: ConsentGiver) -> str:
    """Whose consent was given, in words."""
    return _tr(_CONSENT_GIVERS[giver])
