"""Random synthetic children with realistic variety, deterministic for a given seed.

Children come in families: siblings (now and then twins) share a family name, an address
and parents, and a few families share an address with another. Ages spread evenly from
birth to 18, with some children within weeks of 19. Involvements follow the child's age
(health visiting for the under-fives, personal advisers from 16), about 5% of children
have a sensitive-service involvement (with consent, or a flagged child-protection
override), some involvements carry indicators or have ended, and a few families are
shielded. The demo users ``demo-practitioner``, ``demo-sensitive`` and
``demo-essential`` hold a share of the involvements in their own services, so each has a
caseload.

Every family draws from its own random generator, keyed by the seed and the family's
number, so the first families are the same whatever the number of children asked for.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
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
    Involvement,
    InvolvementConsent,
    ParentCarer,
    Setting,
    Shield,
)
from app.domain.retention import DEFAULT_RETENTION, age_on, is_due_for_destruction
from server.demo import people
from server.demo.staff import Cast, Practitioner

_FAMILY_SIZES = (1, 2, 3, 4, 5)
_FAMILY_SIZE_WEIGHTS = (45, 35, 14, 5, 1)
_SHARED_ADDRESS = 0.05
_NEAR_RETENTION = 0.015
_NEAR_RETENTION_MAX_DAYS = 56
_TWINS = 0.03
_SHIELDED_FAMILY = 0.004
_HAS_NHS_NUMBER = 0.93
_SENSITIVE = 0.05
_OVERRIDE = 0.15
_ENDED = 0.15
_INDICATOR = 0.1

#: Share of a service's involvements given to the demo user of that service.
_DEMO_SHARE = {"health_visiting": 0.08, "childrens_social_care": 0.4, "camhs": 0.15}


@dataclass(frozen=True, slots=True)
class _Service:
    code: str
    chance: float
    min_age: int
    max_age: int


#: Non-sensitive services by how often a child of a suitable age has one.
_SERVICES = (
    _Service("health_visiting", 0.7, 0, 4),
    _Service("school_nursing", 0.08, 5, 18),
    _Service("education", 0.12, 4, 18),
    _Service("paediatrics_community", 0.02, 0, 18),
    _Service("send_support", 0.04, 3, 18),
    _Service("education_welfare", 0.02, 5, 16),
    _Service("early_help", 0.04, 0, 17),
    _Service("childrens_social_care", 0.03, 0, 18),
    _Service("youth_service", 0.05, 11, 18),
    _Service("youth_justice", 0.015, 10, 18),
    _Service("connexions", 0.2, 16, 18),
)

_SENSITIVE_TEEN = (
    ("camhs", 50),
    ("substance_misuse", 15),
    ("sexual_health", 15),
    ("family_planning", 10),
    ("hospital_non_ae", 10),
)
_SENSITIVE_CHILD = (("camhs", 70), ("hospital_non_ae", 30))
_SENSITIVE_BABY = (("hospital_non_ae", 1),)

_OVERRIDE_JUSTIFICATIONS = (
    "Disclosure of significant harm at home; consent would place the child at further risk.",
    "Child protection enquiry under way; seeking consent would prejudice the investigation.",
    "Concern of sexual exploitation; asking would alert the person suspected of harm.",
)
_COMPETENCE_CHECKS = (
    "understood what the index holds and who may see it",
    "weighed up the options and explained them back",
    "understood that they can withdraw consent at any time",
)
_SHIELD_REASONS = (
    "Whereabouts must be protected: the family is living in a refuge.",
    "A court order restricts disclosure of the child's address.",
    "Protective arrangements agreed at a multi-agency meeting.",
)
_CARERS = (("Grandmother", False), ("Foster carer", False), ("Special guardian", True))


def synthetic_children(
    *, count: int, seed: int, today: date, cast: Cast, taken_nhs: set[str]
) -> Iterator[ChildRecord]:
    """``count`` synthetic children; NHS numbers used are added to ``taken_nhs``."""
    produced = 0
    family_no = 0
    while produced < count:
        rng = people.generator(seed, "family", family_no)
        family = _Family(rng, seed=seed, number=family_no, today=today, cast=cast)
        for child in family.children(taken_nhs):
            if produced == count:
                return
            yield child
            produced += 1
        family_no += 1


def _address(seed: int, number: int) -> Address:
    rng = people.generator(seed, "address", number)
    where = people.place(rng)
    return Address(
        line1=people.street(rng), town=where.town, postcode=people.postcode(rng, where.outward)
    )


def _date_reaching_retention(target: date) -> date:
    years = DEFAULT_RETENTION.destroy_at_age
    if (target.month, target.day) == (2, 29):
        return date(target.year - years, 2, 28)
    return target.replace(year=target.year - years)


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randrange(60)), tzinfo=UTC)


class _Family:
    """One household: a family name, an address, parents and one or more children."""

    def __init__(
        self, rng: random.Random, *, seed: int, number: int, today: date, cast: Cast
    ) -> None:
        self.rng = rng
        self.seed = seed
        self.number = number
        self.today = today
        self.cast = cast
        self.size = rng.choices(_FAMILY_SIZES, _FAMILY_SIZE_WEIGHTS)[0]
        shared = number > 0 and rng.random() < _SHARED_ADDRESS
        self.address = _address(seed, rng.randrange(number) if shared else number)
        self.family_name = rng.choice(people.FAMILY_NAMES)
        self.parents = self._parents()
        self.gp = HealthContact(
            name=people.gp_practice_name(rng), contact=ContactDetails(phone=people.landline(rng))
        )
        self.shield = self._shield() if rng.random() < _SHIELDED_FAMILY else None

    def _parents(self) -> tuple[ParentCarer, ...]:
        rng = self.rng
        parents: list[ParentCarer] = []
        has_mother = rng.random() < 0.88
        if has_mother:
            surname = self.family_name if rng.random() < 0.75 else rng.choice(people.FAMILY_NAMES)
            parents.append(
                self._carer(f"{rng.choice(people.WOMEN)} {surname}", "Mother", responsibility=True)
            )
        if rng.random() < 0.62 or not has_mother:
            surname = self.family_name if rng.random() < 0.85 else rng.choice(people.FAMILY_NAMES)
            parents.append(
                self._carer(f"{rng.choice(people.MEN)} {surname}", "Father", responsibility=True)
            )
        if rng.random() < 0.05:
            relationship, responsibility = rng.choice(_CARERS)
            name = f"{rng.choice(people.WOMEN + people.MEN)} {rng.choice(people.FAMILY_NAMES)}"
            parents.append(self._carer(name, relationship, responsibility=responsibility))
        return tuple(parents)

    def _carer(self, name: str, relationship: str, *, responsibility: bool) -> ParentCarer:
        rng = self.rng
        return ParentCarer(
            id=people.person_id(rng),
            name=name,
            relationship=relationship,
            parental_responsibility=responsibility,
            contact=ContactDetails(phone=people.mobile(rng)),
        )

    def _shield(self) -> Shield:
        rng = self.rng
        return Shield(
            reason=rng.choice(_SHIELD_REASONS),
            # Some reviews are already overdue, so the index manager's list has entries.
            review_date=self.today + timedelta(days=rng.randint(-30, 365)),
            shielded_by=self.cast.index_manager_id,
            shielded_at=_at(self.today - timedelta(days=rng.randint(31, 400)), rng),
        )

    def _eldest_date_of_birth(self) -> date:
        rng = self.rng
        if rng.random() < _NEAR_RETENTION:
            days = rng.randint(1, _NEAR_RETENTION_MAX_DAYS)
            return _date_reaching_retention(self.today + timedelta(days=days))
        born = self.today - timedelta(days=rng.randrange(DEFAULT_RETENTION.destroy_at_age * 365))
        while is_due_for_destruction(born, self.today):
            born += timedelta(days=1)
        return born

    def children(self, taken_nhs: set[str]) -> Iterator[ChildRecord]:
        """The children, eldest first; stops early if a younger one would be unborn."""
        rng = self.rng
        born = self._eldest_date_of_birth()
        for position in range(self.size):
            if position and rng.random() >= _TWINS:
                born += timedelta(days=rng.randint(330, 1800))
            if born > self.today:
                return
            # Each child draws from its own generator, so its index id does not depend on
            # its older siblings' ages (and so on the day): seeding again on a later day
            # finds the same ids and skips them.
            rng_child = people.generator(self.seed, "family", self.number, "child", position)
            yield _Child(self, rng_child, born).record(taken_nhs)


class _Child:
    """One child of a family: their details and their involvements."""

    def __init__(self, family: _Family, rng: random.Random, born: date) -> None:
        self.family = family
        self.rng = rng
        self.born = born
        self.today = family.today
        self.cast = family.cast

    def record(self, taken_nhs: set[str]) -> ChildRecord:
        """The child's record; an NHS number used is added to ``taken_nhs``."""
        rng = self.rng
        household = self.family
        born = self.born
        index_id = new_index_id(randbits=rng.getrandbits)
        gender = rng.choices(("female", "male", "not known"), (49, 49, 2))[0]
        pool = {"female": people.GIRLS, "male": people.BOYS}.get(gender, people.GIRLS + people.BOYS)
        given = rng.choice(pool)
        if rng.random() < 0.12:
            given = f"{given} {rng.choice(pool)}"
        # Half-siblings sometimes carry another parent's family name.
        family_name = (
            household.family_name if rng.random() >= 0.08 else rng.choice(people.FAMILY_NAMES)
        )
        other = (f"{given} {rng.choice(people.FAMILY_NAMES)}",) if rng.random() < 0.03 else ()
        nhs = people.nhs_number(rng, taken_nhs) if rng.random() < _HAS_NHS_NUMBER else None
        age = age_on(born, self.today)
        school = people.setting_name(rng, age)
        setting = (
            Setting(name=school, contact=ContactDetails(phone=people.landline(rng)))
            if school
            else None
        )
        visitor = (
            HealthContact(
                name="Seafield Health Visiting Team",
                contact=ContactDetails(phone=people.landline(rng)),
            )
            if age < 5
            else None
        )
        return ChildRecord(
            index_id=index_id,
            nhs_number=nhs,
            given_names=given,
            family_name=family_name,
            other_names=other,
            date_of_birth=born,
            gender=gender,
            address=household.address,
            parents_carers=household.parents,
            setting=setting,
            gp_practice=household.gp,
            health_visitor=visitor,
            involvements=self._involvements(born, age, school),
            shielded=household.shield is not None,
            shield=household.shield,
        )

    def _practitioner(self, code: str, school: str | None) -> Practitioner:
        rng = self.rng
        demo = {
            "health_visiting": self.cast.practitioner,
            "childrens_social_care": self.cast.essential,
            "camhs": self.cast.sensitive,
        }.get(code)
        if demo is not None and rng.random() < _DEMO_SHARE[code]:
            return demo
        chosen = rng.choice(self.cast.staff[code])
        return replace(chosen, organisation=school) if code == "education" and school else chosen

    def _involvements(self, born: date, age: int, school: str | None) -> tuple[Involvement, ...]:
        rng = self.rng
        involvements: list[Involvement] = []
        for service in _SERVICES:
            if not service.min_age <= age <= service.max_age or rng.random() >= service.chance:
                continue
            if service.code == "education" and school is None:
                continue
            lead = service.code in ("childrens_social_care", "early_help") and rng.random() < 0.5
            involvements.append(
                self._involvement(self._practitioner(service.code, school), born, is_lead=lead)
            )
        if rng.random() < _SENSITIVE:
            choices: tuple[tuple[str, int], ...] = (
                _SENSITIVE_TEEN if age >= 13 else _SENSITIVE_CHILD if age >= 5 else _SENSITIVE_BABY
            )
            codes, weights = zip(*choices, strict=True)
            code = rng.choices(codes, weights)[0]
            involvements.append(
                self._involvement(self._practitioner(code, school), born, consent_age=age)
            )
        return tuple(involvements)

    def _involvement(
        self,
        practitioner: Practitioner,
        born: date,
        *,
        is_lead: bool = False,
        consent_age: int | None = None,
    ) -> Involvement:
        rng = self.rng
        today = self.today
        start = max(born, today - timedelta(days=rng.randint(7, 1100)))
        end = None
        if (today - start).days > 60 and rng.random() < _ENDED:
            end = start + timedelta(days=rng.randint(30, (today - start).days - 1))
        consent = None
        if consent_age is not None:
            consent = self._consent(start, consent_age)
        indicators: tuple[IndicatorKind, ...] = ()
        indicator_on = None
        if end is None and rng.random() < _INDICATOR:
            indicators = (rng.choice(tuple(IndicatorKind)),)
            indicator_on = start + timedelta(days=rng.randint(0, (today - start).days))
        return practitioner.involvement(
            rng,
            start_date=start,
            end_date=end,
            is_lead=is_lead and end is None,
            consent=consent,
            indicators=indicators,
            indicator_on=indicator_on,
        )

    def _consent(self, recorded_on: date, age: int) -> InvolvementConsent:
        rng = self.rng
        if rng.random() < _OVERRIDE:
            return InvolvementConsent(
                basis=ConsentBasis.CHILD_PROTECTION_OVERRIDE,
                recorded_on=recorded_on,
                justification=rng.choice(_OVERRIDE_JUSTIFICATIONS),
            )
        # Gillick competence is generally expected from about 12 (PRODUCT.md §4).
        competent = age >= 12 and rng.random() < 0.8
        return InvolvementConsent(
            basis=ConsentBasis.EXPLICIT_CONSENT,
            given_by=ConsentGiver.CHILD if competent else ConsentGiver.PARENTAL_RESPONSIBILITY,
            competence_judgement=_competence(age, rng) if competent else None,
            recorded_on=recorded_on,
        )


def _competence(age: int, rng: random.Random) -> str:
    """How a child's competence to consent was judged (Fraser/Gillick; seed 002)."""
    if age >= 16:
        return f"Aged {age}: presumed competent to consent."
    return f"Judged Gillick competent at {age}: {rng.choice(_COMPETENCE_CHECKS)}."
