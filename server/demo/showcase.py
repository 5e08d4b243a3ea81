"""The four showcase children of PRODUCT.md §8, for walk-throughs and tests.

Amelia Hart is an ordinary record; Leo Marsh has a CAMHS involvement recorded with his
explicit consent (sensitive); Ruby Stone is shielded; Noah Field turns 19 ten days after
the seed's ``today`` and is destroyed by retention then. The social worker
``demo-essential`` is involved with all four, so their caseload shows each case.

Their index ids come from a fixed generator rather than the seed, so that seeding again
with another ``--seed`` never creates a second Amelia Hart.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from app.domain.identifiers import new_index_id
from app.domain.records import (
    Address,
    ChildRecord,
    ConsentBasis,
    ConsentGiver,
    ContactDetails,
    HealthContact,
    IndicatorKind,
    InvolvementConsent,
    ParentCarer,
    Setting,
    Shield,
)
from app.domain.retention import DEFAULT_RETENTION, destruction_date
from server.demo import people
from server.demo.staff import Cast

#: Noah Field reaches the retention age this many days after the seed's ``today``.
NOAH_DAYS_TO_RETENTION = 10


def _school(name: str, phone: str, email: str) -> Setting:
    return Setting(name=name, contact=ContactDetails(phone=phone, email=email))


def _gp(name: str, phone: str) -> HealthContact:
    return HealthContact(name=name, contact=ContactDetails(phone=phone))


def _parent(rng: random.Random, name: str, relationship: str) -> ParentCarer:
    return ParentCarer(
        id=people.person_id(rng),
        name=name,
        relationship=relationship,
        parental_responsibility=True,
        contact=ContactDetails(phone=people.mobile(rng)),
    )


def noah_date_of_birth(today: date) -> date:
    """A date of birth on which Noah reaches the retention age ten days after ``today``.

    When that day is 29 February no date of birth reaches 19 on it (19 years earlier
    was not a leap year), so Noah turns 19 a day earlier instead.
    """
    target = today + timedelta(days=NOAH_DAYS_TO_RETENTION)
    years = DEFAULT_RETENTION.destroy_at_age
    if (target.month, target.day) == (2, 29):
        return date(target.year - years, 2, 28)
    candidate = target.replace(year=target.year - years)
    assert destruction_date(candidate) == target
    return candidate


def showcase_children(*, cast: Cast, today: date, taken_nhs: set[str]) -> dict[str, ChildRecord]:
    """The showcase records by first name (lower case): amelia, leo, ruby, noah."""
    rng = people.generator("showcase")
    ids = {
        name: new_index_id(randbits=rng.getrandbits) for name in ("amelia", "leo", "ruby", "noah")
    }
    started = today - timedelta(days=120)
    social_care = cast.essential
    school_nurse = cast.staff["school_nursing"][0]
    adviser = cast.staff["connexions"][0]

    amelia = ChildRecord(
        index_id=ids["amelia"],
        nhs_number=people.nhs_number(rng, taken_nhs),
        given_names="Amelia",
        family_name="Hart",
        date_of_birth=date(2015, 3, 14),
        gender="female",
        address=Address(line1="12 Lantern Street", town="Brighton", postcode="BN1 1AA"),
        parents_carers=(_parent(rng, "Laura Hart", "Mother"),),
        setting=_school("Seafield Primary", "01632 960201", "office@seafield-primary.example.org"),
        gp_practice=_gp("Harbour Surgery", "01632 960202"),
        involvements=(
            cast.practitioner.involvement(
                rng,
                start_date=started,
                indicators=(IndicatorKind.INFORMATION_TO_SHARE,),
                indicator_on=today - timedelta(days=14),
            ),
            school_nurse.involvement(rng, start_date=started - timedelta(days=200)),
            social_care.involvement(rng, start_date=today - timedelta(days=30), is_lead=True),
        ),
    )
    leo = ChildRecord(
        index_id=ids["leo"],
        nhs_number=people.nhs_number(rng, taken_nhs),
        given_names="Leo",
        family_name="Marsh",
        date_of_birth=date(2012, 7, 2),
        gender="male",
        address=Address(line1="4 Quarry Lane", town="Lewes", postcode="BN7 2AB"),
        parents_carers=(_parent(rng, "Daniel Marsh", "Father"),),
        setting=_school("Downs Academy", "01632 960203", "office@downs-academy.example.org"),
        gp_practice=_gp("Castle Medical Centre", "01632 960204"),
        involvements=(
            cast.sensitive.involvement(
                rng,
                start_date=started,
                consent=InvolvementConsent(
                    basis=ConsentBasis.EXPLICIT_CONSENT,
                    given_by=ConsentGiver.CHILD,
                    competence_judgement=(
                        "Judged Gillick competent at 13: explained back what the index "
                        "holds, who may see that CAMHS is involved, and that he can "
                        "withdraw his consent."
                    ),
                    recorded_on=started,
                ),
            ),
            social_care.involvement(rng, start_date=today - timedelta(days=45), is_lead=True),
        ),
    )
    ruby = ChildRecord(
        index_id=ids["ruby"],
        nhs_number=people.nhs_number(rng, taken_nhs),
        given_names="Ruby",
        family_name="Stone",
        date_of_birth=date(2010, 11, 20),
        gender="female",
        address=Address(line1="9 Mill Road", town="Hove", postcode="BN3 4CD"),
        parents_carers=(_parent(rng, "Clare Stone", "Mother"),),
        setting=_school("Westdene Juniors", "01632 960205", "office@westdene-juniors.example.org"),
        gp_practice=_gp("Parkside Practice", "01632 960206"),
        involvements=(
            social_care.involvement(rng, start_date=today - timedelta(days=60), is_lead=True),
        ),
        shielded=True,
        shield=Shield(
            reason="Whereabouts must be protected: the family has moved to a refuge.",
            review_date=today + timedelta(days=150),
            shielded_by=cast.index_manager_id,
            shielded_at=datetime.combine(today - timedelta(days=30), time(9, 0), tzinfo=UTC),
        ),
    )
    noah = ChildRecord(
        index_id=ids["noah"],
        nhs_number=people.nhs_number(rng, taken_nhs),
        given_names="Noah",
        family_name="Field",
        date_of_birth=noah_date_of_birth(today),
        gender="male",
        address=Address(line1="31 Shingle Way", town="Newhaven", postcode="BN9 0DQ"),
        parents_carers=(_parent(rng, "Kelly Field", "Mother"),),
        setting=_school(
            "Seafield Sixth Form College", "01632 960207", "office@seafield-college.example.org"
        ),
        gp_practice=_gp("Harbour Surgery", "01632 960202"),
        involvements=(
            social_care.involvement(rng, start_date=today - timedelta(days=400), is_lead=True),
            adviser.involvement(rng, start_date=today - timedelta(days=300)),
        ),
    )
    return {"amelia": amelia, "leo": leo, "ruby": ruby, "noah": noah}
