"""Searching the index (PRODUCT.md §3): criteria rules, tolerant names, result shape, audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.roles import Role
from tests.integration.server import builders
from tests.integration.server.conftest import Users, sign_in

URL = "/api/v1/children"
DOB = date(2016, 5, 1)


def _search(api: TestClient, headers: dict[str, str], **criteria: str) -> Any:
    return api.get(URL, params=criteria, headers=headers)


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [f"{r['given_names']} {r['family_name']}" for r in response.json()["results"]]


@pytest.fixture
def searcher(api: TestClient, users: Users) -> dict[str, str]:
    users.create("search-hv", Role.PRACTITIONER)
    return sign_in(api, "search-hv")


def test_one_criterion_is_not_enough_but_an_exact_id_or_nhs_number_is(
    api: TestClient, server_app: FastAPI, searcher: dict[str, str]
) -> None:
    record = builders.child(family_name="Quennell", nhs_number="9434765919")
    builders.store(server_app, record)

    for single in ({"family_name": "Quennell"}, {"date_of_birth": "2015-03-14"}, {}):
        response = _search(api, searcher, **single)
        assert response.status_code == 422, single
        assert response.json()["error"] == "insufficient_criteria"
        assert "at least two" in response.json()["message"]
    assert builders.audit_rows(server_app, "search") == []

    assert _names(_search(api, searcher, index_id=record.index_id)) == ["Amelie Quennell"]
    assert _names(_search(api, searcher, nhs_number="943 476 5919")) == ["Amelie Quennell"]
    # Blank parameters are not criteria.
    response = _search(api, searcher, family_name="Quennell", postcode="  ")
    assert response.json()["error"] == "insufficient_criteria"


#: (what is typed, with the date of birth as second criterion) → who is found.
NAME_CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    "case": ({"family_name": "SMITH"}, ["Amelie Smith", "Chloé Smith-Jones"]),
    "space for hyphen": ({"family_name": "smith jones"}, ["Chloé Smith-Jones"]),
    "accent": ({"family_name": "Smith-Jones", "given_names": "chloe"}, ["Chloé Smith-Jones"]),
    "second word": ({"family_name": "Jones"}, ["Chloé Smith-Jones"]),
    "sound-alike": ({"family_name": "Smyth"}, ["Amelie Smith", "Chloé Smith-Jones"]),
    "prefix": ({"family_name": "Smi"}, ["Amelie Smith", "Chloé Smith-Jones"]),
    "apostrophe": ({"family_name": "O'Brien"}, ["Zoë O’Brien"]),
    "no apostrophe or accent": ({"family_name": "obrien", "given_names": "Zoe"}, ["Zoë O’Brien"]),
    "given sound-alike": ({"given_names": "Katherine"}, ["Catherine Moreau"]),
    "short prefix": ({"family_name": "Sm"}, []),
    "different name": ({"family_name": "Brown"}, []),
}


def test_names_match_tolerantly(
    api: TestClient, server_app: FastAPI, searcher: dict[str, str]
) -> None:
    builders.store(
        server_app,
        builders.child(given_names="Chloé", family_name="Smith-Jones", date_of_birth=DOB),
        builders.child(given_names="Amelie", family_name="Smith", date_of_birth=DOB),
        builders.child(given_names="Zoë", family_name="O’Brien", date_of_birth=DOB),
        builders.child(given_names="Catherine", family_name="Moreau", date_of_birth=DOB),
        # Same names, another date of birth: the second criterion must hold too.
        builders.child(given_names="Amelie", family_name="Smith", date_of_birth=date(2014, 1, 2)),
    )

    found = {
        case: _names(_search(api, searcher, date_of_birth=DOB.isoformat(), **criteria))
        for case, (criteria, _) in NAME_CASES.items()
    }

    assert found == {case: expected for case, (_, expected) in NAME_CASES.items()}


def test_results_are_ordered_and_show_only_what_picks_the_child(
    api: TestClient, server_app: FastAPI, searcher: dict[str, str]
) -> None:
    builders.store(
        server_app,
        builders.child(given_names="Bea", family_name="Ashdown", postcode="BN2 3CD", town="Hove"),
        builders.child(given_names="Ada", family_name="Ashdown", date_of_birth=date(2016, 2, 2)),
        builders.child(given_names="Ada", family_name="Ashdown", date_of_birth=date(2013, 9, 9)),
        builders.child(given_names="Cal", family_name="Ashdown", shielded=True),
    )

    response = _search(api, searcher, family_name="Ashdown", given_names="a b c")
    assert _names(response) == []  # every word typed must match
    response = _search(api, searcher, family_name="Ashdown", postcode="bn11aa")
    assert _names(response) == ["Ada Ashdown", "Ada Ashdown", "Cal Ashdown"]
    results = response.json()["results"]
    assert [r["date_of_birth"] for r in results[:2]] == ["2013-09-09", "2016-02-02"]
    assert set(results[0]) == {
        "index_id",
        "given_names",
        "family_name",
        "date_of_birth",
        "gender",
        "town",
        "postcode_district",
        "shielded",
    }
    assert (results[0]["town"], results[0]["postcode_district"]) == ("Brighton", "BN1")
    assert "1AA" not in response.text
    # A shielded child shows nothing of where they live, to a practitioner.
    assert results[2]["shielded"] is True
    assert (results[2]["town"], results[2]["postcode_district"], results[2]["gender"]) == (
        None,
        None,
        None,
    )


def test_too_many_matches_means_refine_not_a_long_list(
    api: TestClient, server_app: FastAPI, searcher: dict[str, str]
) -> None:
    builders.store(
        server_app,
        *(builders.child(given_names=f"Twin{n}", family_name="Manyfold") for n in range(26)),
    )

    response = _search(api, searcher, family_name="Manyfold", date_of_birth="2015-03-14")

    assert response.status_code == 422
    assert response.json()["error"] == "too_many_results"
    assert "refine your search" in response.json()["message"]
    assert "Twin" not in response.text
    [entry] = builders.audit_rows(server_app, "search")
    assert entry.details["too_many_results"] is True
    assert entry.details["count"] is None


def test_exactly_the_limit_is_listed(
    api: TestClient, server_app: FastAPI, searcher: dict[str, str]
) -> None:
    builders.store(
        server_app,
        *(builders.child(given_names=f"Twin{n}", family_name="Manyfold") for n in range(25)),
    )

    response = _search(api, searcher, family_name="Manyfold", date_of_birth="2015-03-14")

    assert response.json()["count"] == 25


def test_invalid_criteria_are_refused_with_the_validators_codes(
    api: TestClient, server_app: FastAPI, searcher: dict[str, str]
) -> None:
    cases = [
        ({"postcode": "NOT A CODE"}, "invalid_postcode", "postcode"),
        ({"nhs_number": "12345"}, "invalid_nhs_number", "nhs_number"),
        ({"nhs_number": "9434765918"}, "nhs_number_checksum", "nhs_number"),
        ({"date_of_birth": "2015-02-30"}, "invalid_date_of_birth", "date_of_birth"),
        ({"date_of_birth": "14/03/2015"}, "invalid_date_of_birth", "date_of_birth"),
        ({"date_of_birth": "2030-01-01"}, "date_of_birth_in_future", "date_of_birth"),
        ({"index_id": "ABCD-EFGH-JKMN"}, "invalid_index_id", "index_id"),
        ({"given_names": "R2D2"}, "invalid_name", "given_names"),
        ({"given_names": "'.-"}, "invalid_name", "given_names"),
    ]
    for criterion, code, field in cases:
        response = _search(api, searcher, family_name="Quennell", **criterion)
        assert response.status_code == 400, criterion
        assert (response.json()["error"], response.json()["field"]) == (code, field)
    response = _search(api, searcher, family_name="Q" * 101, given_names="Ann")
    assert (response.status_code, response.json()["error"]) == (422, "invalid_request")
    assert builders.audit_rows(server_app, "search") == []


def test_a_search_is_audited_with_its_criteria_and_result_count(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("search-hv", Role.PRACTITIONER)
    headers = sign_in(api, "search-hv")
    builders.store(server_app, builders.child(family_name="Quennell"))

    response = _search(
        api, headers, family_name="quennell", date_of_birth="2015-03-14", postcode="bn1 1aa"
    )

    assert response.json()["count"] == 1
    [entry] = builders.audit_rows(server_app, "search")
    assert entry.actor_id == user_id
    assert entry.child_id is None
    assert entry.details["criteria"] == {
        "family_name": "quennell",
        "date_of_birth": "2015-03-14",
        "postcode": "BN1 1AA",
    }
    assert entry.details["count"] == 1


def test_records_past_the_retention_age_are_not_found(
    api: TestClient, server_app: FastAPI, searcher: dict[str, str]
) -> None:
    # The test clock's today is 2026-11-21: the first child turns 19 today.
    builders.store(
        server_app,
        builders.child(given_names="Old", family_name="Nineteen", date_of_birth=date(2007, 11, 21)),
        builders.child(
            given_names="Young", family_name="Nineteen", date_of_birth=date(2007, 11, 22)
        ),
    )

    response = _search(api, searcher, family_name="Nineteen", postcode="BN1 1AA")

    assert _names(response) == ["Young Nineteen"]
