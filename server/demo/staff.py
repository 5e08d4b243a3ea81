"""Practitioners who hold demo involvements: the demo users, and invented staff per service.

An involvement names its practitioner by id, name, role, organisation and service. Demo
users' involvements carry their user id, so the records appear in their caseloads; the
invented staff have ids that belong to no user account.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from app.domain.records import (
    ContactDetails,
    Indicator,
    IndicatorKind,
    Involvement,
    InvolvementConsent,
)
from app.domain.services import check_involvement_consent, default_catalogue
from server.auth.models import UserRow
from server.demo import people

#: Per service: (organisation, practitioner role) of invented staff.
SERVICES: dict[str, tuple[str, str]] = {
    "health_visiting": ("Seafield Health Trust", "Health visitor"),
    "school_nursing": ("Seafield Health Trust", "School nurse"),
    "midwifery": ("Royal Seafield Hospital", "Community midwife"),
    "paediatrics_community": ("Seafield Health Trust", "Community paediatrician"),
    "education": ("Local school", "Designated safeguarding lead"),
    "education_welfare": ("Education Welfare Service", "Education welfare officer"),
    "send_support": ("SEND Support Service", "SEND caseworker"),
    "childrens_social_care": ("Brighton and Hove Children's Services", "Social worker"),
    "early_help": ("Family Hub East", "Family support worker"),
    "youth_service": ("Youth Service", "Youth worker"),
    "youth_justice": ("Youth Justice Service", "Youth justice officer"),
    "connexions": ("Careers and Advice Service", "Personal adviser"),
    "camhs": ("Downland CAMHS", "CAMHS clinician"),
    "substance_misuse": ("Young People's Substance Misuse Service", "Substance misuse worker"),
    "sexual_health": ("Clinic 20 Sexual Health", "Sexual health nurse"),
    "family_planning": ("Seafield Family Planning Clinic", "Family planning nurse"),
    "hospital_non_ae": ("Royal Seafield Hospital", "Paediatric consultant"),
}

#: Invented staff per service; each holds a caseload of many children.
STAFF_PER_SERVICE = 12


@dataclass(frozen=True, slots=True)
class Practitioner:
    """Someone who can be involved with a child."""

    id: str
    name: str
    role: str
    organisation: str
    service_code: str
    phone: str

    @classmethod
    def from_user(cls, row: UserRow) -> Practitioner:
        """A demo user as the practitioner of their involvements."""
        if row.service_code is None:
            raise ValueError(f"user {row.id} has no service, so cannot hold involvements")
        return cls(
            id=row.id,
            name=row.display_name,
            role=row.job_title,
            organisation=row.organisation,
            service_code=row.service_code,
            phone=row.phone or "01632 960000",
        )

    def involvement(
        self,
        rng: random.Random,
        *,
        start_date: date,
        end_date: date | None = None,
        is_lead: bool = False,
        consent: InvolvementConsent | None = None,
        indicators: tuple[IndicatorKind, ...] = (),
        indicator_on: date | None = None,
    ) -> Involvement:
        """An involvement of this practitioner; sensitive services need ``consent``."""
        service = default_catalogue().get(self.service_code)
        set_at = datetime.combine(indicator_on or start_date, time(10, 30), tzinfo=UTC)
        return Involvement(
            id=people.person_id(rng),
            practitioner_id=self.id,
            practitioner_name=self.name,
            practitioner_role=self.role,
            organisation=self.organisation,
            service_code=self.service_code,
            sensitive=service.sensitive,
            contact=ContactDetails(phone=self.phone),
            start_date=start_date,
            end_date=end_date,
            is_lead=is_lead,
            consent=check_involvement_consent(service, consent),
            indicators=tuple(
                Indicator(
                    id=people.person_id(rng),
                    kind=kind,
                    set_by=self.id,
                    set_by_name=self.name,
                    set_at=set_at,
                )
                for kind in indicators
            ),
        )


def invented_staff(seed: int) -> dict[str, tuple[Practitioner, ...]]:
    """A fixed pool of invented practitioners per service, the same for a given seed."""
    rng = people.generator(seed, "staff")
    staff: dict[str, tuple[Practitioner, ...]] = {}
    for code, (organisation, role) in SERVICES.items():
        staff[code] = tuple(
            Practitioner(
                id=people.person_id(rng),
                name=f"{rng.choice(people.WOMEN + people.MEN)} {rng.choice(people.FAMILY_NAMES)}",
                role=role,
                organisation=organisation,
                service_code=code,
                phone=people.landline(rng),
            )
            for _ in range(STAFF_PER_SERVICE)
        )
    return staff


@dataclass(frozen=True, slots=True)
class Cast:
    """Everyone the demo records name: the demo users with caseloads, and invented staff."""

    practitioner: Practitioner
    sensitive: Practitioner
    essential: Practitioner
    index_manager_id: str
    staff: dict[str, tuple[Practitioner, ...]]

    @classmethod
    def from_users(cls, users: dict[str, UserRow], *, seed: int) -> Cast:
        """The cast for a seed, given the demo users' rows by username."""
        return cls(
            practitioner=Practitioner.from_user(users["demo-practitioner"]),
            sensitive=Practitioner.from_user(users["demo-sensitive"]),
            essential=Practitioner.from_user(users["demo-essential"]),
            index_manager_id=users["demo-index-manager"].id,
            staff=invented_staff(seed),
        )
