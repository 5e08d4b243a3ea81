"""A sensitive involvement's consent in the practitioner's words (seed 000 §11–15).

The record view shows it under the involvement, and the add-involvement dialog repeats
it before the details are confirmed, so what the practitioner agreed to record is what
the record then says: whose explicit consent and when — with how a consenting child's
competence was judged — or the child-protection override, flagged for review.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.domain.records import ConsentBasis, ConsentGiver, InvolvementConsent
from app.ui.caseload_model import format_date


def _tr(text: str) -> str:
    return QCoreApplication.translate("ConsentWords", text)


def describe_consent(consent: InvolvementConsent) -> str:
    """One or two sentences: the basis, who and when, and the judgement or the review flag."""
    recorded = format_date(consent.recorded_on)
    if consent.basis == ConsentBasis.EXPLICIT_CONSENT:
        who = (
            _tr("the child")
            if consent.given_by == ConsentGiver.CHILD
            else _tr("a person with parental responsibility")
        )
        text = _tr("Recorded with the explicit consent of {who} on {date}.").format(
            who=who, date=recorded
        )
        if consent.competence_judgement:
            text += " " + _tr("Competence to consent: {judgement}").format(
                judgement=consent.competence_judgement
            )
        return text
    text = _tr("Recorded without consent because of a child-protection concern, on {date}.").format(
        date=recorded
    )
    if consent.flagged_for_review:
        text += " " + _tr("Flagged for review.")
    return text
