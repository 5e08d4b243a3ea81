"""Revocation learned at next contact: a revoked device or a suspended user is told why.

A user administrator revokes a device or suspends a user through the admin endpoints;
the affected client's very next request, refresh or sign-in is refused with
``device_revoked`` or ``account_suspended`` (so it can wipe its cache), not a bare
``invalid_token``. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx2 import Response

from app.domain.roles import Role
from tests.integration.server.conftest import PASSWORD, Users, sign_in

PROBE = "/api/v1/auth/logout"
REVOKED = {
    "error": "device_revoked",
    "message": "This device's access to Everychild has been revoked. Its offline records will "
    "be removed. Please contact your user administrator.",
}
SUSPENDED = {
    "error": "account_suspended",
    "message": "Your account is suspended. Please contact your user administrator.",
}


def login(api: TestClient, username: str, device_id: str) -> Response:
    return api.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device_id},
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh(api: TestClient, refresh_token: str) -> Response:
    return api.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def test_a_revoked_device_learns_it_at_its_next_request_refresh_and_login(
    api: TestClient, users: Users
) -> None:
    user_id = users.create("hv-amy")
    users.create("ua-amy", Role.USER_ADMIN)
    admin = sign_in(api, "ua-amy", device_id="admin-pc-0001")
    tokens = login(api, "hv-amy", "laptop-amy-1").json()

    revoked = api.post(
        "/api/v1/admin/devices/laptop-amy-1/revoke", json={"user_id": user_id}, headers=admin
    )
    assert revoked.status_code == 200

    request = api.post(PROBE, headers=bearer(tokens["access_token"]))
    assert (request.status_code, request.json()) == (401, REVOKED)
    again = refresh(api, tokens["refresh_token"])
    assert (again.status_code, again.json()) == (401, REVOKED)
    relogin = login(api, "hv-amy", "laptop-amy-1")
    assert (relogin.status_code, relogin.json()) == (401, REVOKED)


def test_revoking_one_device_leaves_the_users_other_devices_and_other_users(
    api: TestClient, users: Users
) -> None:
    user_id = users.create("gp-bo", Role.VIEWER, reception_desk=True)
    users.create("gp-cy", Role.VIEWER, reception_desk=True)
    users.create("ua-bo", Role.USER_ADMIN)
    admin = sign_in(api, "ua-bo", device_id="admin-pc-0001")
    at_home = login(api, "gp-bo", "home-pc-0001").json()
    colleague = login(api, "gp-cy", "reception-pc-1").json()
    login(api, "gp-bo", "reception-pc-1")

    api.post(
        "/api/v1/admin/devices/reception-pc-1/revoke", json={"user_id": user_id}, headers=admin
    )

    assert api.post(PROBE, headers=bearer(at_home["access_token"])).status_code == 204
    assert refresh(api, colleague["refresh_token"]).status_code == 200
    assert login(api, "gp-bo", "laptop-new-01").status_code == 200
    assert login(api, "gp-bo", "reception-pc-1").json() == REVOKED


def test_a_suspended_user_is_refused_everywhere_at_next_contact(
    api: TestClient, users: Users
) -> None:
    user_id = users.create("hv-dee")
    users.create("ua-dee", Role.USER_ADMIN)
    admin = sign_in(api, "ua-dee", device_id="admin-pc-0001")
    laptop = login(api, "hv-dee", "laptop-dee-1").json()
    desktop = login(api, "hv-dee", "desktop-dee-1").json()

    assert api.post(f"/api/v1/admin/users/{user_id}/suspend", headers=admin).status_code == 200

    for tokens in (laptop, desktop):
        request = api.post(PROBE, headers=bearer(tokens["access_token"]))
        assert (request.status_code, request.json()) == (403, SUSPENDED)
        again = refresh(api, tokens["refresh_token"])
        assert (again.status_code, again.json()) == (403, SUSPENDED)
    relogin = login(api, "hv-dee", "laptop-dee-1")
    assert (relogin.status_code, relogin.json()) == (403, SUSPENDED)


def test_a_reinstated_user_signs_in_afresh_and_old_sessions_stay_ended(
    api: TestClient, users: Users
) -> None:
    user_id = users.create("hv-eli")
    users.create("ua-eli", Role.USER_ADMIN)
    admin = sign_in(api, "ua-eli", device_id="admin-pc-0001")
    old = login(api, "hv-eli", "laptop-eli-1").json()
    api.post(f"/api/v1/admin/users/{user_id}/suspend", headers=admin)

    assert api.post(f"/api/v1/admin/users/{user_id}/reinstate", headers=admin).status_code == 200

    assert api.post(PROBE, headers=bearer(old["access_token"])).json()["error"] == "invalid_token"
    assert refresh(api, old["refresh_token"]).json()["error"] == "invalid_token"
    fresh = login(api, "hv-eli", "laptop-eli-1")
    assert fresh.status_code == 200
    assert api.post(PROBE, headers=bearer(fresh.json()["access_token"])).status_code == 204
