"""The service catalogue, and the consent rule for recording a sensitive-service involvement.

Seed 000 §11–15: practitioners in targeted or specialist health services (CAMHS,
substance misuse, non-A&E hospital care, abortion, family planning, sexual health, HIV)
may add their details to the index only with informed, explicit consent — of the child if
competent, otherwise of a person with parental responsibility. Lack of consent may be
overridden only for genuine child-protection concerns, with a written justification, and
every override is flagged for review. When the child gave the consent, how their
competence to give it was judged (Fraser/Gillick, seed 002) is recorded with it.

The catalogue is data (``resources/services.json``) so an index manager can edit it; this
module parses and validates it. Reading the bundled file is the domain's only contact with
the file system, and it reads nothing but its own packaged data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from app.domain.errors import DomainError, ValidationError
from app.domain.records import ConsentBasis, ConsentGiver, InvolvementConsent

#: A justification shorter than this cannot say what the child-protection concern is.
MIN_OVERRIDE_JUSTIFICATION = 20


class Service(BaseModel):
    """One service in the catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    name: str = Field(min_length=1, max_length=100)
    sector: str
    sensitive: bool


class ServiceCatalogue(BaseModel):
    """The services practitioners can record involvements for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = Field(ge=1, le=1)
    source: str
    services: tuple[Service, ...] = Field(min_length=1)

    def get(self, code: str) -> Service:
        """Return the service with ``code``, or refuse with ``unknown_service``."""
        for service in self.services:
            if service.code == code:
                return service
        raise ValidationError(
            "unknown_service",
            f"'{code}' is not a service in the catalogue.",
            field="service_code",
        )

    @property
    def sensitive_codes(self) -> frozenset[str]:
        """Codes of every sensitive service."""
        return frozenset(s.code for s in self.services if s.sensitive)


def parse_catalogue(data: Mapping[str, object]) -> ServiceCatalogue:
    """Validate catalogue data; duplicate codes or a malformed entry are refused."""
    try:
        catalogue = ServiceCatalogue.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationError(
            "invalid_catalogue", f"The service catalogue is invalid at {where}: {first['msg']}."
        ) from exc
    codes = [s.code for s in catalogue.services]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValidationError(
            "invalid_catalogue",
            f"The service catalogue lists {', '.join(duplicates)} more than once.",
        )
    return catalogue


@cache
def default_catalogue() -> ServiceCatalogue:
    """The catalogue bundled with Everychild."""
    text = resources.files("resources").joinpath("services.json").read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text))


def check_involvement_consent(
    service: Service, consent: InvolvementConsent | None
) -> InvolvementConsent | None:
    """Apply the consent rule; return the consent to store (override flagged for review).

    Non-sensitive services need no consent (seed 000 §11: "the majority of practitioners
    would not be required to seek consent"); any consent given is kept as recorded.
    """
    if not service.sensitive:
        return consent
    if consent is None:
        raise DomainError(
            "consent_required",
            f"{service.name} is a sensitive service. You can add your details only with "
            "the informed, explicit consent of the child (if competent) or a person with "
            "parental responsibility, or under a child-protection override.",
        )
    if consent.basis is ConsentBasis.EXPLICIT_CONSENT:
        return check_explicit_consent(consent)
    justification = (consent.justification or "").strip()
    if len(justification) < MIN_OVERRIDE_JUSTIFICATION:
        raise ValidationError(
            "override_justification_required",
            "A child-protection override needs a written justification of at least "
            f"{MIN_OVERRIDE_JUSTIFICATION} characters describing the concern.",
            field="consent.justification",
        )
    return consent.model_copy(update={"justification": justification, "flagged_for_review": True})


def check_explicit_consent(consent: InvolvementConsent) -> InvolvementConsent:
    """Whose consent, and — if the child's — how their competence was judged.

    Seed 002: a child under 16 may consent only if judged to understand what is proposed
    and its consequences; from 16 they are presumed competent, which is itself the
    judgement to record. Either way the record says how the practitioner decided.
    """
    if consent.given_by is None:
        raise ValidationError(
            "consent_giver_required",
            "Say whose consent was given: the child's, or a person with parental responsibility.",
            field="consent.given_by",
        )
    judgement = (consent.competence_judgement or "").strip()
    if consent.given_by is ConsentGiver.CHILD and not judgement:
        raise ValidationError(
            "competence_judgement_required",
            "Say how you judged that the child understands and can consent "
            "(for example their age, and that they understood the options and "
            "consequences).",
            field="consent.competence_judgement",
        )
    return consent.model_copy(update={"competence_judgement": judgement or None})
