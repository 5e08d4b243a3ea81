"""Opening a record: reasons, mediated access, sensitive filtering and shielded views."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.identifiers import new_index_id
from app.domain.records import ChildRecord
from app.domain.roles import Role
from tests.integration.server import builders
from tests.integration.server.conftest import Users, sign_in

SHIELDED_VIEW_FIELDS = {"index_id", "given_names", "family_name", "date_of_birth"}


#: What each role receives when it opens (a) a record with a sensitive involvement and
#: (b) a shielded record: sees the sensitive involvement? sees the shielded record in full?
VIEWS: dict[str, tuple[Role, bool, bool]] = {
    "acc-viewer": (Role.VIEWER, False, False),
    "acc-hv": (Role.PRACTITIONER, False, False),
    "acc-data": (Role.DATA_MANAGER, False, False),
    "acc-essential": (Role.ESSENTIAL, True, False),
    "acc-im": (Role.INDEX_MANAGER, True, True),
}


def _shielded_view_ok(body: dict[str, Any], text: str, record: ChildRecord) -> bool:
    present = {key for key, value in body.items() if value not in (None, [], False)}
    carers = [{"id": record.parents_carers[0].id, "name": "Clara Quennell"}]
    hidden = ("Lantern", "BN1", "Seafield", "Harbour", "01632", "Whereabouts", "Health")
    return (
        present == SHIELDED_VIEW_FIELDS | {"parents_carers", "shielded", "version"}
        and [{k: v for k, v in p.items() if v is not None} for p in body["parents_carers"]]
        == carers
        and not any(word in text for word in hidden)
    )


def test_each_role_receives_only_what_it_may_see(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    ids = {name: users.create(name, role) for name, (role, _, _) in VIEWS.items()}
    camhs = users.create("acc-camhs", Role.PRACTITIONER, service_code="camhs")
    ordinary = builders.involvement(ids["acc-hv"])
    sensitive = builders.involvement(camhs, service_code="camhs", sensitive=True)
    with_sensitive = builders.child(involvements=(ordinary, sensitive))
    shielded = builders.child(shielded=True, involvements=(builders.involvement(ids["acc-hv"]),))
    builders.store(server_app, with_sensitive, shielded)

    for name, (_role, sees_sensitive, sees_shielded) in VIEWS.items():
        headers = sign_in(api, name)
        response = builders.open_record(api, headers, with_sensitive.index_id)
        body = response.json()
        got = [i["id"] for i in body["involvements"]]
        if sees_sensitive:
            assert got == [ordinary.id, sensitive.id], name
            assert body["restricted_information_exists"] is False, name
        else:
            assert got == [ordinary.id], name
            assert body["restricted_information_exists"] is True, name
            assert "camhs" not in response.text, name
            assert sensitive.id not in response.text, name

        response = builders.open_record(api, headers, shielded.index_id)
        body = response.json()
        if sees_shielded:
            assert body["address"]["postcode"] == "BN1 1AA", name
            assert len(body["involvements"]) == 1, name
            assert body["shield"]["reason"] == "Whereabouts must be protected", name
            assert body["shield"]["review_date"] == "2027-06-01", name
        else:
            assert _shielded_view_ok(body, response.text, shielded), name

    # The practitioner of a sensitive service always sees their own involvement.
    body = builders.open_record(api, sign_in(api, "acc-camhs"), with_sensitive.index_id).json()
    assert [i["id"] for i in body["involvements"]] == [ordinary.id, sensitive.id]
    assert body["restricted_information_exists"] is False


def test_opening_writes_an_open_audit_entry_with_the_reason(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("acc-hv", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)

    response = builders.open_record(
        api,
        sign_in(api, "acc-hv"),
        record.index_id,
        reason_code="safeguarding",
        reason_text="Bruising noticed at clinic",
    )

    assert response.status_code == 200
    [entry] = builders.audit_rows(server_app, "open")
    assert (entry.actor_id, entry.child_id) == (user_id, record.index_id)
    assert (entry.reason_code, entry.reason_text) == ("safeguarding", "Bruising noticed at clinic")
    assert entry.on_behalf_of is None


INVALID_REASONS: list[tuple[dict[str, str], str, str]] = [
    ({}, "reason_required", "reason_code"),
    ({"reason_code": "  "}, "reason_required", "reason_code"),
    ({"reason_code": "curiosity"}, "invalid_reason_code", "reason_code"),
    ({"reason_code": "other", "reason_text": "just   cos"}, "reason_text_required", "reason_text"),
    ({"reason_code": "other", "reason_text": "x" * 501}, "reason_text_too_long", "reason_text"),
    ({"reason_code": "mediated_request"}, "on_behalf_of_required", "on_behalf_of"),
]


def test_an_invalid_reason_is_refused_and_nothing_is_audited(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("acc-hv", Role.PRACTITIONER)
    headers = sign_in(api, "acc-hv")
    record = builders.child()
    builders.store(server_app, record)

    for body, code, field in INVALID_REASONS:
        response = api.post(
            f"/api/v1/children/{record.index_id}/access", headers=headers, json=body
        )
        assert response.status_code == 400, body
        assert (response.json()["error"], response.json()["field"]) == (code, field)
        assert record.given_names not in response.text
    assert builders.audit_rows(server_app, "open") == []


def test_other_with_a_full_description_is_accepted(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("acc-hv", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)

    response = builders.open_record(
        api,
        sign_in(api, "acc-hv"),
        record.index_id,
        reason_code="other",
        reason_text="Checking contact details for a transfer",
    )

    assert response.status_code == 200


def test_mediated_access_is_between_two_authorised_users_and_records_both(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    mediator = users.create("acc-mediator", Role.VIEWER)
    requester = users.create("acc-requester", Role.PRACTITIONER)
    users.create("acc-admin", Role.USER_ADMIN)
    users.create("acc-untrained", Role.PRACTITIONER, trained=False)
    headers = sign_in(api, "acc-mediator")
    record = builders.child()
    builders.store(server_app, record)

    for someone_else in ("nobody-by-that-name", "acc-mediator", "acc-admin", "acc-untrained"):
        response = builders.open_record(
            api, headers, record.index_id, "mediated_request", on_behalf_of=someone_else
        )
        assert response.status_code == 400, someone_else
        assert response.json()["error"] == "invalid_on_behalf_of", someone_else
    assert builders.audit_rows(server_app, "open") == []

    response = builders.open_record(
        api, headers, record.index_id, "mediated_request", on_behalf_of="acc-requester"
    )

    assert response.status_code == 200
    [entry] = builders.audit_rows(server_app, "open")
    assert (entry.actor_id, entry.on_behalf_of) == (mediator, requester)
    assert entry.reason_code == "mediated_request"


def test_an_unknown_record_is_404_and_not_audited(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("acc-hv", Role.PRACTITIONER)
    headers = sign_in(api, "acc-hv")

    for index_id in (new_index_id(), "NOT-AN-ID", "x" * 40):
        response = builders.open_record(api, headers, index_id)
        assert response.status_code == 404, index_id
        assert response.json()["error"] == "not_found"
    assert builders.audit_rows(server_app, "open") == []


def test_the_index_id_may_be_typed_loosely(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("acc-hv", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)

    typed = record.index_id.replace("-", "").lower()
    response = builders.open_record(api, sign_in(api, "acc-hv"), typed)

    assert response.status_code == 200
    assert response.json()["index_id"] == record.index_id


def test_a_record_past_the_retention_age_is_gone(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("acc-hv", Role.PRACTITIONER)
    record = builders.child(date_of_birth=date(2007, 11, 21))  # 19 on the test clock's today
    builders.store(server_app, record)

    response = builders.open_record(api, sign_in(api, "acc-hv"), record.index_id)

    assert response.status_code == 404


def test_a_malformed_access_body_is_refused_with_a_stable_code(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("acc-hv", Role.PRACTITIONER)
    headers = sign_in(api, "acc-hv")
    record = builders.child()
    builders.store(server_app, record)
    url = f"/api/v1/children/{record.index_id}/access"

    for body in (
        {"reason_code": "safeguarding", "extra": "x"},
        {"reason_code": 5},
        {"reason_code": "safeguarding", "on_behalf_of": ["a"]},
        ["safeguarding"],
    ):
        response = api.post(url, headers=headers, json=body)
        assert response.status_code == 422, body
        assert response.json()["error"] == "invalid_request", body
    response = api.post(
        url, headers={**headers, "Content-Type": "application/json"}, content=b'{"reason_code":'
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert builders.audit_rows(server_app, "open") == []


def test_opening_needs_a_signed_in_user(api: TestClient, server_app: FastAPI) -> None:
    record = builders.child()
    builders.store(server_app, record)

    response = api.post(
        f"/api/v1/children/{record.index_id}/access", json={"reason_code": "safeguarding"}
    )

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
