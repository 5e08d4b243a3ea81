"""Demo seeding (PRODUCT.md §8): the demo users, the showcase children, synthetic variety.

The demo users must be able to sign in with the published password and hold exactly
their roles; the showcase records must be exactly as §8 describes them; the synthetic
children must be valid by the index's own validators, varied, and the same for a seed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.domain.records import ChildRecord, ConsentBasis, ConsentGiver, IndicatorKind
from app.domain.retention import age_on, destruction_date, is_due_for_destruction
from app.domain.services import default_catalogue
from app.domain.validators import validate_name, validate_nhs_number, validate_postcode
from server.auth.models import UserRow
from server.children import repository
from server.children.models import ChildRow, InvolvementRow
from server.db import make_engine, make_session_factory, transaction
from server.demo.seed import SeedReport, seed_demo
from server.demo.staff import Cast, Practitioner, invented_staff
from server.demo.synthetic import synthetic_children
from server.migrate import upgrade
from server.sync import caseload
from tests.integration.server import builders
from tests.integration.server.conftest import Clock

DEMO_PASSWORD = "Everychild-demo-1"
UNIVERSAL = {"health_visiting", "school_nursing", "general_practice", "midwifery", "education"}

#: PRODUCT.md §8: username → (roles, service).
EXPECTED_USERS = {
    "demo-viewer": (["viewer"], "general_practice"),
    "demo-practitioner": (["practitioner"], "health_visiting"),
    "demo-sensitive": (["practitioner"], "camhs"),
    "demo-essential": (["essential"], "childrens_social_care"),
    "demo-index-manager": (["index_manager"], None),
    "demo-user-admin": (["user_admin"], None),
    "demo-data-manager": (["data_manager"], None),
}


@pytest.fixture
def seeded(server_app: FastAPI, clock: Clock) -> SeedReport:
    return seed_demo(server_app.state.session_factory, children=300, seed=11, today=clock.today)


def _records(app: FastAPI) -> dict[str, ChildRecord]:
    """Every record the index holds, in full."""
    query = select(ChildRow).options(
        selectinload(ChildRow.involvements).selectinload(InvolvementRow.indicators),
        selectinload(ChildRow.decisions),
    )
    with transaction(app.state.session_factory) as session:
        return {row.index_id: repository.to_record(row) for row in session.scalars(query)}


def _user_ids(app: FastAPI) -> dict[str, str]:
    with transaction(app.state.session_factory) as session:
        return {row.username: row.id for row in session.scalars(select(UserRow))}


def test_every_demo_user_signs_in_with_exactly_their_roles(
    seeded: SeedReport, api: TestClient, server_app: FastAPI, clock: Clock
) -> None:
    assert seeded.users_created == 7
    for username, (roles, service) in EXPECTED_USERS.items():
        response = api.post(
            "/api/v1/auth/login",
            json={"username": username, "password": DEMO_PASSWORD, "device_id": "dev-demo-001"},
        )
        assert response.status_code == 200, (username, response.text)
        user = response.json()["user"]
        assert sorted(user["roles"]) == roles, username
        assert user["service_code"] == service, username
        assert user["reception_desk"] is (username == "demo-viewer"), username
    with transaction(server_app.state.session_factory) as session:
        for row in session.scalars(select(UserRow)):
            assert row.training_completed_on is not None
            assert row.vetted_on is not None
            assert clock.today - row.training_completed_on < timedelta(days=365)
            assert clock.today - row.vetted_on < timedelta(days=365)


def test_amelia_hart_is_an_ordinary_record(seeded: SeedReport, server_app: FastAPI) -> None:
    amelia = builders.stored(server_app, seeded.showcase["amelia"])
    users = _user_ids(server_app)

    assert (amelia.given_names, amelia.family_name) == ("Amelia", "Hart")
    assert amelia.date_of_birth == date(2015, 3, 14)
    assert amelia.address is not None
    assert (amelia.address.line1, amelia.address.town, amelia.address.postcode) == (
        "12 Lantern Street",
        "Brighton",
        "BN1 1AA",
    )
    assert amelia.setting is not None
    assert amelia.setting.name == "Seafield Primary"
    assert amelia.gp_practice is not None
    assert amelia.gp_practice.name == "Harbour Surgery"
    assert not amelia.shielded
    universal = [i for i in amelia.involvements if i.service_code in UNIVERSAL]
    assert len(universal) == 2
    assert users["demo-practitioner"] in {i.practitioner_id for i in universal}
    assert users["demo-essential"] in {i.practitioner_id for i in amelia.involvements}
    assert not any(i.sensitive for i in amelia.involvements)
    indicators = [ind for i in amelia.involvements for ind in i.indicators]
    assert [ind.kind for ind in indicators] == [IndicatorKind.INFORMATION_TO_SHARE]


def test_leo_marsh_has_a_camhs_involvement_with_his_explicit_consent(
    seeded: SeedReport, server_app: FastAPI, api: TestClient
) -> None:
    leo = builders.stored(server_app, seeded.showcase["leo"])
    users = _user_ids(server_app)

    assert (leo.given_names, leo.family_name, leo.date_of_birth) == (
        "Leo",
        "Marsh",
        date(2012, 7, 2),
    )
    assert leo.address is not None
    assert (leo.address.line1, leo.address.town, leo.address.postcode) == (
        "4 Quarry Lane",
        "Lewes",
        "BN7 2AB",
    )
    assert leo.setting is not None
    assert leo.setting.name == "Downs Academy"
    assert leo.gp_practice is not None
    assert leo.gp_practice.name == "Castle Medical Centre"
    [camhs] = [i for i in leo.involvements if i.service_code == "camhs"]
    assert camhs.practitioner_id == users["demo-sensitive"]
    assert camhs.sensitive
    assert camhs.consent is not None
    assert camhs.consent.basis is ConsentBasis.EXPLICIT_CONSENT
    assert camhs.consent.given_by is ConsentGiver.CHILD
    assert users["demo-essential"] in {i.practitioner_id for i in leo.involvements}

    # A viewer is told only that more exists (the seed marked it sensitive correctly).
    login = api.post(
        "/api/v1/auth/login",
        json={"username": "demo-viewer", "password": DEMO_PASSWORD, "device_id": "dev-demo-002"},
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    opened = api.post(
        f"/api/v1/children/{leo.index_id}/access",
        headers=headers,
        json={"reason_code": "service_provision"},
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["restricted_information_exists"] is True
    assert "camhs" not in opened.text


def test_ruby_stone_is_shielded(seeded: SeedReport, server_app: FastAPI, clock: Clock) -> None:
    ruby = builders.stored(server_app, seeded.showcase["ruby"])
    users = _user_ids(server_app)

    assert (ruby.given_names, ruby.family_name, ruby.date_of_birth) == (
        "Ruby",
        "Stone",
        date(2010, 11, 20),
    )
    assert ruby.address is not None
    assert (ruby.address.line1, ruby.address.town, ruby.address.postcode) == (
        "9 Mill Road",
        "Hove",
        "BN3 4CD",
    )
    assert ruby.setting is not None
    assert ruby.setting.name == "Westdene Juniors"
    assert ruby.gp_practice is not None
    assert ruby.gp_practice.name == "Parkside Practice"
    assert [(p.name, p.relationship) for p in ruby.parents_carers] == [("Clare Stone", "Mother")]
    assert ruby.shielded
    assert ruby.shield is not None
    assert ruby.shield.reason
    assert ruby.shield.review_date > clock.today
    assert ruby.shield.shielded_by == users["demo-index-manager"]
    assert users["demo-essential"] in {i.practitioner_id for i in ruby.involvements}


def test_noah_field_turns_nineteen_in_ten_days(
    seeded: SeedReport, server_app: FastAPI, clock: Clock
) -> None:
    noah = builders.stored(server_app, seeded.showcase["noah"])

    assert (noah.given_names, noah.family_name) == ("Noah", "Field")
    assert destruction_date(noah.date_of_birth) == clock.today + timedelta(days=10)
    assert age_on(noah.date_of_birth, clock.today) == 18
    assert not is_due_for_destruction(noah.date_of_birth, clock.today + timedelta(days=9))
    assert is_due_for_destruction(noah.date_of_birth, clock.today + timedelta(days=10))


def test_synthetic_children_are_valid_and_varied(
    seeded: SeedReport, server_app: FastAPI, clock: Clock
) -> None:
    records = _records(server_app)
    synthetic = [r for r in records.values() if r.index_id not in seeded.showcase.values()]
    catalogue = default_catalogue()

    assert len(synthetic) == 300
    with_nhs = [r for r in synthetic if r.nhs_number]
    assert len(with_nhs) > 0.85 * len(synthetic)
    for record in synthetic:
        if record.nhs_number:
            assert validate_nhs_number(record.nhs_number) == record.nhs_number
            assert record.nhs_number.startswith("999")  # the range reserved for testing
        assert record.address is not None
        assert validate_postcode(record.address.postcode) == record.address.postcode
        assert validate_name(record.given_names) == record.given_names
        assert validate_name(record.family_name) == record.family_name
        assert not is_due_for_destruction(record.date_of_birth, clock.today)
        assert record.date_of_birth <= clock.today
        for involvement in record.involvements:
            service = catalogue.get(involvement.service_code)
            assert involvement.sensitive is service.sensitive
            if involvement.sensitive:
                assert involvement.consent is not None
                if involvement.consent.basis is ConsentBasis.CHILD_PROTECTION_OVERRIDE:
                    assert involvement.consent.flagged_for_review

    sensitive = [r for r in synthetic if any(i.sensitive for i in r.involvements)]
    assert 0.02 * len(synthetic) <= len(sensitive) <= 0.1 * len(synthetic)
    assert any(ind for r in synthetic for i in r.involvements for ind in i.indicators)
    assert any(not r.given_names.isascii() or not r.family_name.isascii() for r in synthetic)
    assert any(unicodedata.normalize("NFKD", r.family_name) != r.family_name for r in synthetic)
    households = Counter(
        (r.family_name, r.address.postcode if r.address else "", r.parents_carers[0].id)
        for r in synthetic
    )
    assert max(households.values()) >= 2, "no siblings sharing name, address and parents"
    addresses = Counter(r.address for r in synthetic)
    shared = [a for a, n in addresses.items() if n >= 2]
    assert any(
        len({r.parents_carers[0].id for r in synthetic if r.address == a}) >= 2 for a in shared
    ), "no address shared by two families"


def test_the_demo_caseloads_hold_tens_of_children(tmp_path: Path) -> None:
    """At the default size, demo-practitioner and demo-essential have real caseloads."""
    today = date(2026, 11, 21)
    url = f"sqlite:///{tmp_path / 'caseloads.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        seed_demo(factory, children=3000, seed=2004, today=today)
        with transaction(factory) as session:
            users = {row.username: row.id for row in session.scalars(select(UserRow))}
            practitioner = caseload.caseload_ids(session, users["demo-practitioner"])
            essential = caseload.caseload_ids(session, users["demo-essential"])
            births = list(session.scalars(select(ChildRow.date_of_birth)))
    finally:
        engine.dispose()

    assert 20 <= len(practitioner) <= 99
    assert 20 <= len(essential) <= 99
    ages = Counter(age_on(born, today) for born in births)
    assert set(ages) == set(range(19)), "every age from 0 to 18"
    near = [born for born in births if destruction_date(born) - today <= timedelta(weeks=8)]
    assert len(near) >= 10, "some children within weeks of 19"


def _cast() -> Cast:
    def demo(user: str, service: str) -> Practitioner:
        return Practitioner(
            id=user, name=user, role="Role", organisation="Org", service_code=service, phone="1"
        )

    return Cast(
        practitioner=demo("p", "health_visiting"),
        sensitive=demo("s", "camhs"),
        essential=demo("e", "childrens_social_care"),
        index_manager_id="m",
        staff=invented_staff(5),
    )


def _children(count: int, seed: int, today: date = date(2026, 11, 21)) -> list[ChildRecord]:
    return list(
        synthetic_children(count=count, seed=seed, today=today, cast=_cast(), taken_nhs=set())
    )


def test_the_same_seed_gives_the_same_children() -> None:
    first = _children(200, 5)

    assert _children(200, 5) == first
    assert _children(120, 5) == first[:120]
    assert {r.index_id for r in _children(200, 6)}.isdisjoint(r.index_id for r in first)


def test_seeding_again_on_a_later_day_finds_the_same_children() -> None:
    """Ids do not depend on the day, so a later re-seed skips what exists."""
    first = {r.index_id for r in _children(200, 5, today=date(2026, 11, 21))}
    later = {r.index_id for r in _children(200, 5, today=date(2027, 2, 1))}

    assert len(first & later) >= 190  # a later day adds a few newborn siblings
