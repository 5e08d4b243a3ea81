"""Shielding and unshielding records, and the list of shields due for review (seed 004)."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.roles import Role
from tests.integration.server import builders
from tests.integration.server.conftest import Users, sign_in

REASON = "Whereabouts must be protected from a parent"


def test_shielding_hides_the_record_from_practitioners_and_is_audited(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    manager_id = users.create("sh-im", Role.INDEX_MANAGER)
    users.create("sh-hv", Role.PRACTITIONER)
    manager = sign_in(api, "sh-im")
    record = builders.child()
    builders.store(server_app, record)
    url = f"/api/v1/children/{record.index_id}/shield"

    response = api.post(url, headers=manager, json={"reason": REASON, "review_date": "2027-05-01"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["shielded"] is True
    assert body["shield"]["reason"] == REASON
    assert body["shield"]["shielded_by"] == manager_id
    assert body["address"]["postcode"] == "BN1 1AA"  # the manager still sees it all
    assert body["version"] == record.version + 1
    [entry] = builders.audit_rows(server_app, "shield")
    assert (entry.actor_id, entry.child_id, entry.reason_text) == (
        manager_id,
        record.index_id,
        REASON,
    )
    assert builders.change_log(server_app, record.index_id)[-1] == (None, "upsert", None)
    seen = builders.open_record(api, sign_in(api, "sh-hv"), record.index_id)
    assert seen.json()["address"] is None
    assert REASON not in seen.text

    again = api.post(url, headers=manager, json={"reason": REASON, "review_date": "2027-05-01"})
    assert (again.status_code, again.json()["error"]) == (409, "already_shielded")
    assert len(builders.audit_rows(server_app, "shield")) == 1


def test_a_shield_needs_a_reason_and_a_future_review_date(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("sh-im", Role.INDEX_MANAGER)
    manager = sign_in(api, "sh-im")
    record = builders.child()
    builders.store(server_app, record)
    url = f"/api/v1/children/{record.index_id}/shield"
    attempts = {
        "short reason": ({"reason": "safety   ", "review_date": "2027-05-01"}, 400),
        "review today": ({"reason": REASON, "review_date": "2026-11-21"}, 400),
        "no review date": ({"reason": REASON}, 422),
        "reason too long": ({"reason": "x" * 501, "review_date": "2027-05-01"}, 422),
        "unknown field": ({"reason": REASON, "review_date": "2027-05-01", "x": 1}, 422),
    }

    got = {
        name: (r.status_code, r.json()["error"])
        for name, (body, _) in attempts.items()
        for r in [api.post(url, headers=manager, json=body)]
    }

    assert got == {
        "short reason": (400, "shield_reason_required"),
        "review today": (400, "invalid_review_date"),
        "no review date": (422, "invalid_request"),
        "reason too long": (422, "invalid_request"),
        "unknown field": (422, "invalid_request"),
    }
    assert builders.stored(server_app, record.index_id) == record
    assert builders.audit_rows(server_app, "shield") == []


def test_unshielding_restores_the_full_view_and_is_audited(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    manager_id = users.create("sh-im", Role.INDEX_MANAGER)
    manager = sign_in(api, "sh-im")
    record = builders.child(shielded=True)
    plain = builders.child()
    builders.store(server_app, record, plain)

    short = api.request(
        "DELETE",
        f"/api/v1/children/{record.index_id}/shield",
        headers=manager,
        json={"reason": "ok"},
    )
    assert (short.status_code, short.json()["error"]) == (400, "shield_reason_required")
    response = api.request(
        "DELETE",
        f"/api/v1/children/{record.index_id}/shield",
        headers=manager,
        json={"reason": "Court order discharged"},
    )

    assert response.status_code == 200, response.text
    assert (response.json()["shielded"], response.json()["shield"]) == (False, None)
    [entry] = builders.audit_rows(server_app, "unshield")
    assert (entry.actor_id, entry.reason_text) == (manager_id, "Court order discharged")
    assert builders.stored(server_app, record.index_id).shield is None

    not_shielded = api.request(
        "DELETE",
        f"/api/v1/children/{plain.index_id}/shield",
        headers=manager,
        json={"reason": "Court order discharged"},
    )
    assert (not_shielded.status_code, not_shielded.json()["error"]) == (409, "not_shielded")


def test_index_managers_list_shields_due_for_review(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("sh-im", Role.INDEX_MANAGER)
    users.create("sh-essential", Role.ESSENTIAL)

    due = builders.child(given_names="Due", shielded=True, shield_review_date=date(2026, 11, 1))
    later = builders.child(given_names="Later", shielded=True, shield_review_date=date(2027, 3, 1))
    builders.store(server_app, due, later, builders.child(given_names="Plain"))
    url = "/api/v1/children/shield-reviews"
    manager = sign_in(api, "sh-im")

    today = api.get(url, headers=manager)
    by_march = api.get(url, headers=manager, params={"due_before": "2027-03-01"})
    refused = api.get(url, headers=sign_in(api, "sh-essential"))

    assert [r["index_id"] for r in today.json()["reviews"]] == [due.index_id]
    assert today.json()["reviews"][0]["review_date"] == "2026-11-01"
    assert [r["given_names"] for r in by_march.json()["reviews"]] == ["Due", "Later"]
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    assert len(builders.audit_rows(server_app, "admin")) == 2


def test_shielding_an_unknown_record_is_not_found(api: TestClient, users: Users) -> None:
    users.create("sh-im", Role.INDEX_MANAGER)

    response = api.post(
        "/api/v1/children/0000-0000-0000/shield",
        headers=sign_in(api, "sh-im"),
        json={"reason": REASON, "review_date": "2027-05-01"},
    )

    assert (response.status_code, response.json()["error"]) == (404, "not_found")
