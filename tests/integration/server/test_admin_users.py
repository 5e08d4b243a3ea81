"""User administration over HTTP: create, list, change, suspend, reinstate, unlock.

Checks what an administrator's client sees (status, error code, fields present and
absent) and what the index records (``access_epoch``, the ``admin`` audit entries).
Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select

from app.domain.roles import Role
from server.audit.models import AuditRow
from server.auth.models import UserRow
from server.config import Settings
from server.db import transaction
from tests.integration.server.conftest import PASSWORD, Clock, Users, sign_in

USERS = "/api/v1/admin/users"
NEW_PASSWORD = "Initial-secret-0917"


@pytest.fixture
def admin(api: TestClient, users: Users) -> dict[str, str]:
    """A signed-in user administrator's Authorization header."""
    users.create("ua-root", Role.USER_ADMIN, service_code=None)
    return sign_in(api, "ua-root", device_id="admin-pc-0001")


def new_user(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": "sw-nadia",
        "display_name": "Nadia Okafor",
        "roles": ["essential"],
        "organisation": "Brighton and Hove City Council",
        "local_authority": "Brighton and Hove",
        "service_code": "childrens_social_care",
        "job_title": "Social worker",
        "contact": {"phone": "01632 960123", "email": "nadia.okafor@example.org"},
        "reception_desk": False,
        "training_completed_on": "2026-10-01",
        "vetted_on": "2025-02-03",
        "password": NEW_PASSWORD,
    }
    body.update(overrides)
    return body


def error_of(response: Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def admin_entries(app: FastAPI) -> list[AuditRow]:
    with transaction(app.state.session_factory) as session:
        return list(
            session.scalars(
                select(AuditRow).where(AuditRow.action == "admin").order_by(AuditRow.seq)
            )
        )


def user_row(app: FastAPI, user_id: str) -> UserRow:
    with transaction(app.state.session_factory) as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        return row


def login(api: TestClient, username: str, password: str = PASSWORD) -> Response:
    return api.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password, "device_id": "laptop-0001"},
    )


def test_an_admin_creates_a_user_who_can_then_sign_in(
    api: TestClient, admin: dict[str, str], server_app: FastAPI, clock: Clock
) -> None:
    response = api.post(USERS, json=new_user(), headers=admin)

    assert response.status_code == 201
    body = response.json()
    user_id = body.pop("id")
    assert body == {
        "username": "sw-nadia",
        "display_name": "Nadia Okafor",
        "roles": ["essential"],
        "organisation": "Brighton and Hove City Council",
        "local_authority": "Brighton and Hove",
        "service_code": "childrens_social_care",
        "job_title": "Social worker",
        "contact": {"phone": "01632 960123", "email": "nadia.okafor@example.org"},
        "reception_desk": False,
        "training_completed_on": "2026-10-01",
        "vetted_on": "2025-02-03",
        "suspended": False,
        "locked_until": None,
        "access_epoch": 1,
        "created_at": clock.now.isoformat().replace("+00:00", "Z"),
    }
    signed_in = login(api, "sw-nadia", NEW_PASSWORD)
    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["id"] == user_id
    [entry] = admin_entries(server_app)
    assert entry.details == {
        "action": "create_user",
        "target_user_id": user_id,
        "roles": ["essential"],
        "service_code": "childrens_social_care",
    }
    assert NEW_PASSWORD not in str(entry.details)


def test_the_user_list_never_carries_password_hashes(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI
) -> None:
    users.create("hv-zed")

    response = api.get(USERS, headers=admin)

    assert response.status_code == 200
    listed = response.json()["users"]
    assert [u["username"] for u in listed] == ["hv-zed", "ua-root"]
    assert all("password" not in key for u in listed for key in u)
    assert "argon2" not in response.text
    [entry] = admin_entries(server_app)
    assert entry.details == {"action": "list_users", "count": 2}


#: (what is wrong, body overrides, status, error code, field)
BAD_NEW_USERS: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("short password", {"password": "short-pass1"}, 400, "weak_password", "password"),
    ("unknown service", {"service_code": "astrology"}, 400, "unknown_service", "service_code"),
    ("unknown role", {"roles": ["superuser"]}, 422, "invalid_request", "roles.0"),
    ("no roles", {"roles": []}, 422, "invalid_request", "roles"),
    ("bad username", {"username": "a b"}, 422, "invalid_request", "username"),
    ("bad display name", {"display_name": "R2-D2 3000"}, 400, "invalid_name", "display_name"),
    ("bad email", {"contact": {"email": "not-an-email"}}, 422, "invalid_request", "contact.email"),
    ("blank organisation", {"organisation": "  "}, 422, "invalid_request", "organisation"),
    ("extra field", {"password_hash": "$argon2id$"}, 422, "invalid_request", "password_hash"),
    ("vetted in future", {"vetted_on": "2030-01-01"}, 422, "invalid_request", "vetted_on"),
    (
        "trained in future",
        {"training_completed_on": "2027-01-01"},
        422,
        "invalid_request",
        "training_completed_on",
    ),
]


def test_invalid_new_users_are_refused_and_nothing_is_written(
    api: TestClient, admin: dict[str, str], server_app: FastAPI
) -> None:
    for what, overrides, status, code, field in BAD_NEW_USERS:
        response = api.post(USERS, json=new_user(**overrides), headers=admin)

        assert error_of(response) == (status, code), what
        assert response.json()["field"] == field, what
        assert response.json()["message"], what
    with transaction(server_app.state.session_factory) as session:
        assert session.scalars(select(UserRow).where(UserRow.username == "sw-nadia")).all() == []
    assert admin_entries(server_app) == []
    # The same body without the fault is accepted.
    assert api.post(USERS, json=new_user(), headers=admin).status_code == 201


def test_a_missing_field_and_a_taken_username_are_refused(
    api: TestClient, admin: dict[str, str]
) -> None:
    incomplete = new_user()
    del incomplete["organisation"]
    assert error_of(api.post(USERS, json=incomplete, headers=admin)) == (422, "invalid_request")

    taken = api.post(USERS, json=new_user(username="ua-root"), headers=admin)
    assert taken.status_code == 409
    assert taken.json() == {
        "error": "username_taken",
        "message": "The username 'ua-root' is already in use.",
    }


def test_a_role_change_bumps_the_access_epoch_and_is_audited(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("hv-yan", Role.PRACTITIONER)

    response = api.patch(
        f"{USERS}/{user_id}", json={"roles": ["practitioner", "essential"]}, headers=admin
    )

    assert response.status_code == 200
    assert response.json()["roles"] == ["essential", "practitioner"]
    assert response.json()["access_epoch"] == 2
    assert user_row(server_app, user_id).access_epoch == 2
    [entry] = admin_entries(server_app)
    assert entry.details == {
        "action": "update_user",
        "target_user_id": user_id,
        "changed": {"roles": ["essential", "practitioner"]},
    }
    assert login(api, "hv-yan").json()["user"]["roles"] == ["essential", "practitioner"]


def test_a_service_change_bumps_the_access_epoch(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("hv-xia", service_code="health_visiting")

    moved = api.patch(f"{USERS}/{user_id}", json={"service_code": "camhs"}, headers=admin)
    assert (moved.status_code, moved.json()["access_epoch"]) == (200, 2)
    cleared = api.patch(f"{USERS}/{user_id}", json={"service_code": None}, headers=admin)
    assert cleared.json()["service_code"] is None
    assert user_row(server_app, user_id).access_epoch == 3


def test_changes_that_leave_access_alone_do_not_bump_the_epoch(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI, clock: Clock
) -> None:
    user_id = users.create("hv-wyn", Role.PRACTITIONER, service_code="health_visiting")

    response = api.patch(
        f"{USERS}/{user_id}",
        json={
            "roles": ["practitioner"],
            "service_code": "health_visiting",
            "training_completed_on": clock.today.isoformat(),
            "vetted_on": (clock.today - timedelta(days=2)).isoformat(),
            "reception_desk": True,
        },
        headers=admin,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["training_completed_on"] == clock.today.isoformat()
    assert body["vetted_on"] == (clock.today - timedelta(days=2)).isoformat()
    assert body["reception_desk"] is True
    assert body["access_epoch"] == 1
    [entry] = admin_entries(server_app)
    assert entry.details["changed"] == {
        "training_completed_on": clock.today.isoformat(),
        "vetted_on": (clock.today - timedelta(days=2)).isoformat(),
        "reception_desk": True,
    }


def test_recording_training_lets_a_refused_user_sign_in(
    api: TestClient, admin: dict[str, str], users: Users, clock: Clock
) -> None:
    user_id = users.create("hv-val", trained=False)
    assert error_of(login(api, "hv-val")) == (403, "training_incomplete")

    api.patch(
        f"{USERS}/{user_id}",
        json={"training_completed_on": clock.today.isoformat()},
        headers=admin,
    )

    assert login(api, "hv-val").status_code == 200


#: (what is wrong, body, status, error code)
BAD_CHANGES: list[tuple[str, dict[str, Any], int, str]] = [
    ("nothing to change", {}, 422, "invalid_request"),
    ("null roles", {"roles": None}, 422, "invalid_request"),
    ("null reception desk", {"reception_desk": None}, 422, "invalid_request"),
    ("unknown role", {"roles": ["wizard"]}, 422, "invalid_request"),
    ("not changeable", {"username": "renamed"}, 422, "invalid_request"),
    ("unknown service", {"service_code": "astrology"}, 400, "unknown_service"),
    ("vetted in future", {"vetted_on": "2099-01-01"}, 422, "invalid_request"),
]


def test_invalid_changes_are_refused_and_nothing_changes(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("hv-uma", Role.PRACTITIONER)
    before = user_row(server_app, user_id)

    for what, body, status, code in BAD_CHANGES:
        response = api.patch(f"{USERS}/{user_id}", json=body, headers=admin)
        assert error_of(response) == (status, code), what

    after = user_row(server_app, user_id)
    assert (after.roles, after.service_code, after.vetted_on, after.access_epoch) == (
        before.roles,
        before.service_code,
        before.vetted_on,
        before.access_epoch,
    )
    assert admin_entries(server_app) == []


def test_a_role_change_and_a_bad_field_in_one_request_change_nothing(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("hv-tam", Role.PRACTITIONER)

    response = api.patch(
        f"{USERS}/{user_id}",
        json={"roles": ["essential"], "service_code": "astrology"},
        headers=admin,
    )

    assert error_of(response) == (400, "unknown_service")
    row = user_row(server_app, user_id)
    assert (row.roles, row.access_epoch) == ("practitioner", 1)


def test_unknown_users_are_not_found(api: TestClient, admin: dict[str, str]) -> None:
    for method, path, body in [
        ("PATCH", f"{USERS}/no-such-user", {"roles": ["viewer"]}),
        ("POST", f"{USERS}/no-such-user/suspend", None),
        ("POST", f"{USERS}/no-such-user/reinstate", None),
        ("POST", f"{USERS}/no-such-user/unlock", None),
    ]:
        response = api.request(method, path, json=body, headers=admin)
        assert response.json() == {
            "error": "not_found",
            "message": "There is no user with that id.",
        }
        assert response.status_code == 404


def test_an_admin_may_not_change_their_own_roles(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI, clock: Clock
) -> None:
    own_id = users.created["ua-root"]

    response = api.patch(
        f"{USERS}/{own_id}", json={"roles": ["user_admin", "index_manager"]}, headers=admin
    )

    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "You cannot change your own roles. Please ask another administrator.",
    }
    assert user_row(server_app, own_id).roles == "user_admin"
    assert admin_entries(server_app) == []
    # Restating them unchanged alongside another change is not a change of roles.
    same = api.patch(
        f"{USERS}/{own_id}",
        json={"roles": ["user_admin"], "vetted_on": clock.today.isoformat()},
        headers=admin,
    )
    assert same.status_code == 200


def test_another_admin_may_change_an_admins_roles(
    api: TestClient, admin: dict[str, str], users: Users
) -> None:
    other_id = users.create("ua-second", Role.USER_ADMIN)

    response = api.patch(
        f"{USERS}/{other_id}", json={"roles": ["user_admin", "index_manager"]}, headers=admin
    )

    assert response.status_code == 200
    assert response.json()["roles"] == ["index_manager", "user_admin"]


def test_suspend_and_reinstate_are_audited(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("hv-sol")

    suspended = api.post(f"{USERS}/{user_id}/suspend", headers=admin)
    assert (suspended.status_code, suspended.json()["suspended"]) == (200, True)
    reinstated = api.post(f"{USERS}/{user_id}/reinstate", headers=admin)
    assert (reinstated.status_code, reinstated.json()["suspended"]) == (200, False)

    admin_id = users.created["ua-root"]
    assert [(e.actor_id, e.device_id, e.details) for e in admin_entries(server_app)] == [
        (admin_id, "admin-pc-0001", {"action": "suspend_user", "target_user_id": user_id}),
        (admin_id, "admin-pc-0001", {"action": "reinstate_user", "target_user_id": user_id}),
    ]


def test_an_admin_may_not_suspend_themselves(
    api: TestClient, admin: dict[str, str], users: Users
) -> None:
    response = api.post(f"{USERS}/{users.created['ua-root']}/suspend", headers=admin)

    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "You cannot suspend your own account. Please ask another administrator.",
    }
    assert api.get(USERS, headers=admin).status_code == 200


def test_unlock_clears_a_lockout_at_once(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI, settings: Settings
) -> None:
    user_id = users.create("hv-ric")
    for _ in range(settings.lockout_threshold):
        login(api, "hv-ric", "Wrong-password-1")
    assert error_of(login(api, "hv-ric")) == (423, "locked_out")
    listed = {u["id"]: u for u in api.get(USERS, headers=admin).json()["users"]}
    assert listed[user_id]["locked_until"] is not None

    response = api.post(f"{USERS}/{user_id}/unlock", headers=admin)

    assert (response.status_code, response.json()["locked_until"]) == (200, None)
    assert login(api, "hv-ric").status_code == 200
    assert admin_entries(server_app)[-1].details == {
        "action": "unlock_user",
        "target_user_id": user_id,
    }


def test_an_admin_whose_vetting_lapsed_is_refused(
    api: TestClient, admin: dict[str, str], users: Users, server_app: FastAPI
) -> None:
    users.create("ua-other", Role.USER_ADMIN)
    other = sign_in(api, "ua-other", device_id="admin-pc-0002")
    lapsed = date(2023, 11, 20)

    api.patch(f"{USERS}/{users.created['ua-root']}", json={"vetted_on": str(lapsed)}, headers=other)

    response = api.get(USERS, headers=admin)
    assert error_of(response) == (403, "vetting_expired")
