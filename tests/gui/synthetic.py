"""Synthetic children and users for the GUI tests and the screenshots. No real person.

The records are built as the index holds them; tests pass them through the domain's
``visible_record`` to get what a given user would be sent, exactly as the index does.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from app.domain.identifiers import new_index_id
from app.domain.policy import visible_record
from app.domain.records import (
    Address,
    ChildRecord,
    ConsentBasis,
    ConsentGiver,
    ContactDetails,
    Decision,
    DecisionOutcome,
    HealthContact,
    Indicator,
    IndicatorKind,
    Involvement,
    InvolvementConsent,
    ParentCarer,
    Setting,
    SharingBasis,
    Shield,
)
from app.domain.roles import Role, User
from app.domain.session import UserProfile
from app.store.keys import Argon2Params

PASSWORD = "Correct-horse-battery-7"
CHEAP = Argon2Params(time_cost=1, memory_cost=1024, parallelism=1)
USER_ID = "user-gui-pat"
SET_AT = datetime(2026, 11, 7, 10, 30, tzinfo=UTC)
#: Words of the sensitive involvement; a view for a non-essential user must show none.
SENSITIVE_WORDS = ("Quillfeather", "Wrenfield CAMHS", "01632 969999")


def index_id(seed: int) -> str:
    """A valid, repeatable index id."""
    return new_index_id(random.Random(seed).getrandbits)


def user(*roles: Role, user_id: str = USER_ID) -> User:
    """A trained, vetted synthetic user."""
    return User(
        id=user_id,
        username="pat.visitor",
        display_name="Pat Visitor",
        roles=frozenset(roles or (Role.PRACTITIONER,)),
        organisation="Seafield Health",
        local_authority="Brighton and Hove",
        service_code="health_visiting",
        training_completed_on=date(2025, 1, 10),
        vetted_on=date(2025, 1, 10),
    )


def user_profile(
    *roles: Role, user_id: str = USER_ID, service_code: str = "health_visiting"
) -> UserProfile:
    """The user as the index describes them at sign-in (what the cache remembers)."""
    return UserProfile(
        id=user_id,
        username="pat.visitor",
        display_name="Pat Visitor",
        roles=tuple(roles or (Role.PRACTITIONER,)),
        organisation="Seafield Health",
        local_authority="Brighton and Hove",
        service_code=service_code,
        job_title="Health visitor",
    )


def involvement(
    involvement_id: str,
    *,
    name: str = "Pat Visitor",
    role: str = "Health visitor",
    organisation: str = "Seafield Health",
    service: str = "health_visiting",
    practitioner_id: str = USER_ID,
    lead: bool = False,
    indicators: tuple[Indicator, ...] = (),
    phone: str | None = "01632 960100",
    sensitive: bool = False,
    consent: InvolvementConsent | None = None,
) -> Involvement:
    """An active involvement."""
    return Involvement(
        id=involvement_id,
        practitioner_id=practitioner_id,
        practitioner_name=name,
        practitioner_role=role,
        organisation=organisation,
        service_code=service,
        sensitive=sensitive,
        contact=None if phone is None else ContactDetails(phone=phone, email=None),
        start_date=date(2026, 7, 24),
        is_lead=lead,
        indicators=indicators,
        consent=consent,
    )


def child(
    seed: int,
    given: str,
    family: str,
    born: date,
    *,
    postcode: str = "BN1 1AA",
    involvements: tuple[Involvement, ...] = (),
    shielded: bool = False,
) -> ChildRecord:
    """A full synthetic record, as the index holds it."""
    return ChildRecord(
        index_id=index_id(seed),
        nhs_number="9434765919" if seed == 1 else None,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        gender="female" if seed % 2 else "male",
        address=Address(line1=f"{seed} Lantern Street", town="Brighton", postcode=postcode),
        parents_carers=(
            ParentCarer(
                id=f"pc-{seed}",
                name=f"Laurel {family}",
                relationship="Mother",
                parental_responsibility=True,
                contact=ContactDetails(phone="07700 900123"),
            ),
        ),
        setting=Setting(name="Seafield Primary", contact=ContactDetails(phone="01632 960201")),
        gp_practice=HealthContact(
            name="Harbour Surgery", contact=ContactDetails(phone="01632 960202")
        ),
        involvements=involvements,
        shielded=shielded,
        shield=Shield(
            reason="Whereabouts must be protected.",
            review_date=date(2027, 4, 1),
            shielded_by="user-index-manager",
            shielded_at=SET_AT,
        )
        if shielded
        else None,
    )


INFORMATION_TO_SHARE = Indicator(
    id="indicator-1",
    kind=IndicatorKind.INFORMATION_TO_SHARE,
    set_by=USER_ID,
    set_by_name="Pat Visitor",
    set_at=SET_AT,
)

#: An ordinary record: a health visitor with an indicator, and the social worker as lead.
AMELIA = child(
    1,
    "Amelia",
    "Hartwell",
    date(2015, 3, 14),
    involvements=(
        involvement("involvement-1", indicators=(INFORMATION_TO_SHARE,)),
        involvement(
            "involvement-2",
            name="Sam Okafor",
            role="Social worker",
            organisation="Brighton and Hove Children's Services",
            service="childrens_social_care",
            practitioner_id="user-sam",
            lead=True,
            phone="01632 960300",
        ),
    ),
)
AMELIA_WITH_DECISION = AMELIA.model_copy(
    update={
        "decisions": (
            Decision(
                id="decision-amelia-1",
                decided_by="user-sam",
                decided_by_name="Sam Okafor",
                decided_at=SET_AT + timedelta(days=2),
                outcome=DecisionOutcome.SHARE,
                basis=SharingBasis.EXPLICIT_CONSENT,
                consent_from="Laurel Hartwell (mother)",
                shared_with="Seafield Primary safeguarding lead",
                purpose="Coordinate support at school",
                reasons="Mother agreed that the school should know who to contact.",
                review_date=date(2027, 2, 1),
            ),
        )
    }
)
#: A record with a sensitive (CAMHS) involvement besides a universal one.
LEO = child(
    2,
    "Leonard",
    "Marshwood",
    date(2012, 7, 2),
    postcode="BN7 2AB",
    involvements=(
        involvement("involvement-3"),
        involvement(
            "involvement-4",
            name="Quillfeather Jones",
            role="CAMHS clinician",
            organisation="Wrenfield CAMHS",
            service="camhs",
            practitioner_id="user-camhs",
            phone="01632 969999",
            sensitive=True,
            consent=InvolvementConsent(
                basis=ConsentBasis.EXPLICIT_CONSENT,
                given_by=ConsentGiver.CHILD,
                competence_judgement="Judged Gillick competent: understood who would see it.",
                recorded_on=date(2026, 7, 24),
            ),
        ),
    ),
)
#: A shielded record.
RUBY = child(
    3,
    "Ruby",
    "Stonebridge",
    date(2010, 11, 20),
    postcode="BN3 4CD",
    involvements=(involvement("involvement-5"),),
    shielded=True,
)
JOHN = child(4, "Johnathan", "Smith", date(2014, 1, 2), postcode="BN2 3CD")
JANE = child(5, "Janette", "Smyth", date(2013, 5, 6), postcode="BN1 2EF")


def caseload_for(viewer: User) -> list[ChildRecord]:
    """The synthetic caseload as the index would send it to ``viewer``."""
    return [visible_record(viewer, r) for r in (AMELIA, LEO, RUBY, JOHN, JANE)]
