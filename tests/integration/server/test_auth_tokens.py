"""Bearer tokens over HTTP: expiry, refresh rotation, reuse detection, sign-out.

The authenticated probe is ``GET /api/v1/admin/devices`` for a user administrator (200
when the token is good); every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select

from app.domain.roles import Role
from server.audit.models import AuditRow
from server.db import transaction
from tests.integration.server.conftest import PASSWORD, Clock, Users

PROBE = "/api/v1/admin/devices"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def login(api: TestClient, username: str, device_id: str = "laptop-0001") -> dict[str, str]:
    response = api.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device_id},
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def probe(api: TestClient, access_token: str) -> int | str:
    """200 when the token authenticates, else the error code."""
    response = api.get(PROBE, headers=bearer(access_token))
    return 200 if response.status_code == 200 else response.json()["error"]


def refresh(api: TestClient, refresh_token: str) -> Response:
    return api.post(REFRESH, json={"refresh_token": refresh_token})


def error_of(response: Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def test_an_access_token_works_until_it_expires(
    api: TestClient, users: Users, clock: Clock
) -> None:
    users.create("ua-ada", Role.USER_ADMIN)
    tokens = login(api, "ua-ada")

    assert probe(api, tokens["access_token"]) == 200
    clock.advance(minutes=14, seconds=59)
    assert probe(api, tokens["access_token"]) == 200
    clock.advance(minutes=1, seconds=2)

    response = api.get(PROBE, headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json() == {
        "error": "token_expired",
        "message": "Your session has expired. Please sign in again.",
    }
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_is_refused_on_logout_too(
    api: TestClient, users: Users, clock: Clock
) -> None:
    users.create("hv-bea")
    tokens = login(api, "hv-bea")
    clock.advance(minutes=16)

    assert error_of(api.post(LOGOUT, headers=bearer(tokens["access_token"]))) == (
        401,
        "token_expired",
    )


def test_missing_or_garbage_bearer_tokens_are_refused(api: TestClient, users: Users) -> None:
    users.create("ua-cal", Role.USER_ADMIN)
    refresh_token = login(api, "ua-cal")["refresh_token"]

    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
        response = api.get(PROBE, headers=headers)
        assert error_of(response) == (401, "not_authenticated"), headers
        assert response.json()["message"] == "Please sign in: this request needs a bearer token."
    garbage = api.get(PROBE, headers=bearer("not-a-token-at-all"))
    assert garbage.json() == {
        "error": "invalid_token",
        "message": "Your session is not valid. Please sign in again.",
    }
    assert garbage.status_code == 401
    # A refresh token is not an access token.
    assert probe(api, refresh_token) == "invalid_token"


def test_refresh_rotates_to_a_new_pair_and_the_old_access_lives_to_expiry(
    api: TestClient, users: Users, clock: Clock
) -> None:
    user_id = users.create("ua-dan", Role.USER_ADMIN)
    first = login(api, "ua-dan")
    clock.advance(minutes=10)

    response = refresh(api, first["refresh_token"])

    assert response.status_code == 200
    second = response.json()
    assert second["access_token"] not in (first["access_token"], first["refresh_token"])
    assert second["refresh_token"] not in (first["access_token"], first["refresh_token"])
    assert second["user"]["id"] == user_id
    assert second["user"]["roles"] == ["user_admin"]
    assert second["policy"]["idle_lock_minutes"] == 10
    assert probe(api, first["access_token"]) == 200
    assert probe(api, second["access_token"]) == 200
    clock.advance(minutes=6)  # 16 minutes after login, 6 after the refresh
    assert probe(api, first["access_token"]) == "token_expired"
    assert probe(api, second["access_token"]) == 200


def test_reusing_a_refresh_token_revokes_the_whole_family(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("ua-eli", Role.USER_ADMIN)
    a = login(api, "ua-eli", device_id="laptop-eli-1")
    b = refresh(api, a["refresh_token"]).json()

    reused = refresh(api, a["refresh_token"])

    assert reused.status_code == 401
    assert reused.json() == {
        "error": "refresh_token_reused",
        "message": "This session was used from somewhere else, so it has been ended for "
        "safety. Please sign in again.",
    }
    assert error_of(refresh(api, b["refresh_token"])) == (401, "invalid_token")
    assert probe(api, b["access_token"]) == "invalid_token"
    assert probe(api, a["access_token"]) == "invalid_token"
    with transaction(server_app.state.session_factory) as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.action == "token_refresh"))
        [entry] = [r for r in rows if "error" in r.details]
    assert (entry.actor_id, entry.device_id, entry.details) == (
        user_id,
        "laptop-eli-1",
        {"error": "refresh_token_reused"},
    )
    # Only that login is ended: signing in again works.
    assert probe(api, login(api, "ua-eli", device_id="laptop-eli-1")["access_token"]) == 200


def test_reuse_ends_only_its_own_family(api: TestClient, users: Users) -> None:
    users.create("ua-fin", Role.USER_ADMIN)
    laptop = login(api, "ua-fin", device_id="laptop-fin-1")
    desktop = login(api, "ua-fin", device_id="desktop-fin-1")
    refresh(api, laptop["refresh_token"])

    refresh(api, laptop["refresh_token"])

    assert probe(api, desktop["access_token"]) == 200
    assert refresh(api, desktop["refresh_token"]).status_code == 200


def test_refresh_refuses_the_wrong_kind_of_token_and_expired_ones(
    api: TestClient, users: Users, clock: Clock
) -> None:
    users.create("hv-gil")
    tokens = login(api, "hv-gil")

    assert error_of(refresh(api, tokens["access_token"])) == (401, "invalid_token")
    assert error_of(refresh(api, "no-such-refresh-token")) == (401, "invalid_token")
    assert error_of(api.post(REFRESH, json={})) == (422, "invalid_request")
    clock.advance(days=14, seconds=1)
    expired = refresh(api, tokens["refresh_token"])
    assert expired.json() == {
        "error": "token_expired",
        "message": "Your session has expired. Please sign in again.",
    }


def test_every_refresh_is_audited(api: TestClient, users: Users, server_app: FastAPI) -> None:
    user_id = users.create("hv-han")
    tokens = login(api, "hv-han", device_id="laptop-han-1")
    for _ in range(2):
        tokens = refresh(api, tokens["refresh_token"]).json()

    with transaction(server_app.state.session_factory) as session:
        rows = list(session.scalars(select(AuditRow).where(AuditRow.action == "token_refresh")))
    assert [(r.actor_id, r.device_id) for r in rows] == [(user_id, "laptop-han-1")] * 2


def test_logout_revokes_the_session(api: TestClient, users: Users, server_app: FastAPI) -> None:
    user_id = users.create("ua-ida", Role.USER_ADMIN)
    tokens = login(api, "ua-ida", device_id="laptop-ida-1")
    other = login(api, "ua-ida", device_id="laptop-ida-2")

    response = api.post(LOGOUT, headers=bearer(tokens["access_token"]))

    assert response.status_code == 204
    assert probe(api, tokens["access_token"]) == "invalid_token"
    ended = refresh(api, tokens["refresh_token"])
    assert ended.json() == {
        "error": "invalid_token",
        "message": "Your session has ended. Please sign in again.",
    }
    assert probe(api, other["access_token"]) == 200  # the other device stays signed in
    with transaction(server_app.state.session_factory) as session:
        [entry] = session.scalars(select(AuditRow).where(AuditRow.action == "logout"))
    assert (entry.actor_id, entry.device_id) == (user_id, "laptop-ida-1")


def test_lapsed_training_is_refused_at_refresh(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("ua-jan", Role.USER_ADMIN)
    target = users.create("hv-jan")
    tokens = login(api, "hv-jan")
    admin = login(api, "ua-jan", device_id="laptop-admin-1")
    changed = api.patch(
        f"/api/v1/admin/users/{target}",
        json={"training_completed_on": None},
        headers=bearer(admin["access_token"]),
    )
    assert changed.status_code == 200

    response = refresh(api, tokens["refresh_token"])

    assert response.status_code == 403
    assert response.json() == {
        "error": "training_incomplete",
        "message": "Your mandatory Everychild training has not been recorded as complete. "
        "Please complete it, then ask your user administrator to record it.",
    }
    # The refused session is ended, not left to be retried.
    assert error_of(refresh(api, tokens["refresh_token"])) == (403, "training_incomplete")
    assert probe(api, tokens["access_token"]) == "invalid_token"


def test_vetting_that_lapses_overnight_is_refused_at_refresh(
    api: TestClient, users: Users, clock: Clock
) -> None:
    # The check's third anniversary is tomorrow: valid today, expired tomorrow.
    users.create("hv-kay", vetted_on=date(clock.today.year - 3, 11, 22))
    tokens = login(api, "hv-kay")
    clock.advance(days=1)

    response = refresh(api, tokens["refresh_token"])

    assert response.status_code == 403
    assert response.json() == {
        "error": "vetting_expired",
        "message": "Your enhanced vetting check is missing or more than three years old. "
        "Please ask your user administrator to record a current check.",
    }
