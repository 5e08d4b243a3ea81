"""The shapes of a child's record, shared by the central index's API and the client's cache.

PRODUCT.md §2 lists what a record holds — "and nothing more": no case notes, no
assessments, no reasons for involvement. These models are that list. They are frozen
pydantic models so the server can serialise them as its API responses and the client
can store exactly what the server sent.

Fields that the access policy (``policy.py``) may withhold are optional: a record as a
particular user may see it is still a ``ChildRecord``, with withheld fields left empty
and ``restricted_information_exists`` / ``shielded`` telling the reader why.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    """Base for every record shape: immutable, and unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ContactDetails(Record):
    """How to reach a person or an organisation."""

    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=300)


class Address(Record):
    """A child's home address (postcode validated by ``validators.validate_postcode``)."""

    line1: str = Field(max_length=120)
    line2: str | None = Field(default=None, max_length=120)
    town: str = Field(max_length=80)
    postcode: str = Field(max_length=8)


class ParentCarer(Record):
    """A parent or carer. A shielded record keeps only ``name`` (seed 004)."""

    id: str
    name: str
    relationship: str | None = None
    parental_responsibility: bool | None = None
    contact: ContactDetails | None = None


class Setting(Record):
    """An educational setting: name and contact only, never attendance or attainment."""

    name: str
    contact: ContactDetails | None = None


class HealthContact(Record):
    """A GP practice or health visitor: name and contact only, never visits or conditions."""

    name: str
    contact: ContactDetails | None = None


class IndicatorKind(StrEnum):
    """What an indicator tells other practitioners (seed 000 §16)."""

    INFORMATION_TO_SHARE = "information_to_share"
    ACTION_UNDER_WAY = "action_under_way"
    ASSESSMENT_INITIATED = "assessment_initiated"
    ASSESSMENT_COMPLETED = "assessment_completed"


INDICATOR_LABELS: dict[IndicatorKind, str] = {
    IndicatorKind.INFORMATION_TO_SHARE: "Has important information to share",
    IndicatorKind.ACTION_UNDER_WAY: "Action taken or under way",
    IndicatorKind.ASSESSMENT_INITIATED: "Assessment initiated",
    IndicatorKind.ASSESSMENT_COMPLETED: "Assessment completed",
}

#: Seed 000 §17: guidance must be clear that flagging is not acting.
INDICATOR_REMINDER = (
    "An indicator only tells other practitioners that you have information to share or "
    "that action or an assessment is under way. It is not a substitute for action: you "
    "remain responsible for taking and pursuing whatever action is needed."
)


class Indicator(Record):
    """A flag set by the practitioner of one involvement; shows who set it and when."""

    id: str
    kind: IndicatorKind
    set_by: str
    set_by_name: str
    set_at: datetime
    version: int = 1


class ConsentBasis(StrEnum):
    """Why a sensitive-service involvement may be recorded (seed 000 §11–13)."""

    EXPLICIT_CONSENT = "explicit_consent"
    CHILD_PROTECTION_OVERRIDE = "child_protection_override"


class ConsentGiver(StrEnum):
    """Whose consent was given: the child (if competent) or someone with parental responsibility."""

    CHILD = "child"
    PARENTAL_RESPONSIBILITY = "parental_responsibility"


class InvolvementConsent(Record):
    """The consent (or the child-protection override) recorded with a sensitive involvement."""

    basis: ConsentBasis
    given_by: ConsentGiver | None = None
    #: How a child's competence to consent was judged (Fraser/Gillick; seed 002).
    competence_judgement: str | None = Field(default=None, max_length=2000)
    recorded_on: date
    justification: str | None = Field(default=None, max_length=2000)
    flagged_for_review: bool = False


class Involvement(Record):
    """A practitioner working with the child. Never the reason for the involvement."""

    id: str
    practitioner_id: str
    practitioner_name: str
    practitioner_role: str
    organisation: str
    service_code: str
    sensitive: bool = False
    contact: ContactDetails | None = None
    start_date: date
    end_date: date | None = None
    is_lead: bool = False
    consent: InvolvementConsent | None = None
    indicators: tuple[Indicator, ...] = ()
    version: int = 1

    @property
    def active(self) -> bool:
        """True while the involvement has not ended."""
        return self.end_date is None


class DecisionOutcome(StrEnum):
    """Golden rule 7: decisions to share and decisions not to share are both recorded."""

    SHARE = "share"
    DO_NOT_SHARE = "do_not_share"
    CONSENT_WITHDRAWN = "consent_withdrawn"


class SharingBasis(StrEnum):
    """The lawful basis for a sharing decision (PRODUCT.md §4)."""

    EXPLICIT_CONSENT = "explicit_consent"
    IMPLIED_CONSENT = "implied_consent"
    PUBLIC_INTEREST = "public_interest"
    LEGAL_OBLIGATION = "legal_obligation"
    STATUTORY_DUTY = "statutory_duty"
    CRIME_AND_DISORDER_S115 = "crime_and_disorder_s115"


class Decision(Record):
    """An information-sharing decision, with the flowchart walk that led to it."""

    id: str
    decided_by: str
    decided_by_name: str
    decided_at: datetime
    outcome: DecisionOutcome
    basis: SharingBasis | None = None
    consent_from: str | None = Field(default=None, max_length=200)
    competence_judgement: str | None = Field(default=None, max_length=2000)
    information_shared: str | None = Field(default=None, max_length=2000)
    shared_with: str | None = Field(default=None, max_length=500)
    purpose: str | None = Field(default=None, max_length=2000)
    reasons: str = Field(max_length=4000)
    consulted: str | None = Field(default=None, max_length=500)
    person_informed: bool | None = None
    review_date: date | None = None
    flowchart_id: str | None = None
    flowchart_version: str | None = None
    answers: tuple[tuple[str, str], ...] = ()
    withdraws: str | None = None


class Shield(Record):
    """Why and until when a record is shielded; visible to index managers only."""

    reason: str = Field(max_length=2000)
    review_date: date
    shielded_by: str
    shielded_at: datetime


class ChildRecord(Record):
    """One child's entry in the index, as held by the server or as a user may see it."""

    index_id: str
    nhs_number: str | None = None
    given_names: str
    family_name: str
    other_names: tuple[str, ...] = ()
    date_of_birth: date
    gender: str | None = None
    address: Address | None = None
    parents_carers: tuple[ParentCarer, ...] = ()
    setting: Setting | None = None
    gp_practice: HealthContact | None = None
    health_visitor: HealthContact | None = None
    involvements: tuple[Involvement, ...] = ()
    decisions: tuple[Decision, ...] = ()
    shielded: bool = False
    shield: Shield | None = None
    restricted_information_exists: bool = False
    version: int = 1

    @property
    def display_name(self) -> str:
        """Given names then family name, as practitioners say them."""
        return f"{self.given_names} {self.family_name}"
