"""Signing in over HTTP: what a client gets back, refusals, lockout, devices, audit.

Every test runs on SQLite and PostgreSQL through the real app.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select

from app.domain.roles import Role
from server.audit.models import AuditRow
from server.auth.models import DeviceRow, TokenRow
from server.config import Settings
from server.db import transaction
from tests.integration.server.conftest import PASSWORD, Clock, Users

LOGIN = "/api/v1/auth/login"
INVALID = "The username or password is not right. Please try again."
TRAINING = (
    "Your mandatory Everychild training has not been recorded as complete. "
    "Please complete it, then ask your user administrator to record it."
)
VETTING = (
    "Your enhanced vetting check is missing or more than three years old. "
    "Please ask your user administrator to record a current check."
)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A lower lockout threshold than the default keeps lockout tests quick (Argon2 is slow)."""
    return Settings(database_url=database_url, lockout_threshold=3)


def login(
    api: TestClient,
    username: str,
    *,
    password: str = PASSWORD,
    device_id: str = "laptop-0001",
    device_name: str = "Test laptop",
) -> Response:
    return api.post(
        LOGIN,
        json={
            "username": username,
            "password": password,
            "device_id": device_id,
            "device_name": device_name,
        },
    )


def error_of(response: Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def audit_rows(app: FastAPI, action: str) -> list[AuditRow]:
    with transaction(app.state.session_factory) as session:
        return list(
            session.scalars(
                select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)
            )
        )


def devices(app: FastAPI) -> list[DeviceRow]:
    with transaction(app.state.session_factory) as session:
        return list(session.scalars(select(DeviceRow).order_by(DeviceRow.user_id)))


def test_login_returns_tokens_profile_and_device_policy(api: TestClient, users: Users) -> None:
    user_id = users.create("hv-anna", Role.PRACTITIONER, Role.ESSENTIAL)

    response = login(api, "hv-anna")

    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["token_type"] == "bearer"
    assert len(body["access_token"]) >= 43
    assert len(body["refresh_token"]) >= 43
    assert body["access_token"] != body["refresh_token"]
    assert body["expires_in"] == 15 * 60
    assert body["user"] == {
        "id": user_id,
        "username": "hv-anna",
        "display_name": "Hv Anna",
        "roles": ["essential", "practitioner"],
        "organisation": "Seafield Health Trust",
        "local_authority": "Brighton and Hove",
        "service_code": "health_visiting",
        "job_title": "Health visitor",
        "reception_desk": False,
    }
    assert body["policy"] == {
        "idle_lock_minutes": 10,
        "offline_lease_hours": 72,
        "wipe_after_days": 14,
    }


def test_a_reception_desk_user_gets_the_shorter_idle_lock(
    api: TestClient, users: Users, settings: Settings
) -> None:
    users.create("gp-reception", Role.VIEWER, reception_desk=True)

    body = login(api, "gp-reception").json()

    assert body["user"]["reception_desk"] is True
    assert body["policy"]["idle_lock_minutes"] == settings.reception_idle_lock_minutes
    assert settings.reception_idle_lock_minutes < settings.idle_lock_minutes


def test_tokens_are_stored_only_as_their_hash(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("hv-hash")
    body = login(api, "hv-hash").json()

    with transaction(server_app.state.session_factory) as session:
        stored = set(session.scalars(select(TokenRow.token_hash)))
    for token in (body["access_token"], body["refresh_token"]):
        assert token not in stored
        assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_a_wrong_password_and_an_unknown_username_are_refused_alike(
    api: TestClient, users: Users
) -> None:
    users.create("hv-ben")

    wrong = login(api, "hv-ben", password="Not-the-password-1")
    unknown = login(api, "nobody-here")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "invalid_credentials", "message": INVALID}
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_malformed_login_requests_are_refused_without_a_session(
    api: TestClient, users: Users
) -> None:
    users.create("hv-ben")
    good = {"username": "hv-ben", "password": PASSWORD, "device_id": "laptop-0001"}
    malformed = [
        {k: v for k, v in good.items() if k != "device_id"},
        {**good, "device_id": "short"},
        {**good, "device_id": "bad device id!"},
        {**good, "username": ""},
        {**good, "admin": True},
    ]

    for body in malformed:
        response = api.post(LOGIN, json=body)
        assert error_of(response) == (422, "invalid_request"), body
        assert "access_token" not in response.json()
    assert api.post(LOGIN, json=good).status_code == 200


def test_lockout_after_the_threshold_of_failures_then_release(
    api: TestClient, users: Users, clock: Clock, settings: Settings
) -> None:
    users.create("hv-cara")
    threshold = settings.lockout_threshold

    failures = [login(api, "hv-cara", password=f"Wrong-password-{i}") for i in range(threshold)]

    assert [error_of(r) for r in failures[:-1]] == [(401, "invalid_credentials")] * (threshold - 1)
    assert error_of(failures[-1]) == (423, "locked_out")
    assert failures[-1].json()["message"] == (
        "Too many failed sign-in attempts. Your account is locked for "
        f"{settings.lockout_minutes} minutes."
    )
    # Locked even with the right password.
    right = login(api, "hv-cara")
    assert error_of(right) == (423, "locked_out")
    assert f"locked for {settings.lockout_minutes} more minutes" in right.json()["message"]

    clock.advance(minutes=settings.lockout_minutes - 1)
    assert "locked for 1 more minute;" in login(api, "hv-cara").json()["message"]

    clock.advance(minutes=2)
    assert login(api, "hv-cara").status_code == 200


def test_a_successful_login_resets_the_failure_count(
    api: TestClient, users: Users, settings: Settings
) -> None:
    users.create("hv-dev")
    for _ in range(settings.lockout_threshold - 1):
        assert error_of(login(api, "hv-dev", password="Wrong-password-1")) == (
            401,
            "invalid_credentials",
        )
    assert login(api, "hv-dev").status_code == 200

    for _ in range(settings.lockout_threshold - 1):
        assert error_of(login(api, "hv-dev", password="Wrong-password-1")) == (
            401,
            "invalid_credentials",
        )
    assert login(api, "hv-dev").status_code == 200


def test_failures_for_an_unknown_username_lock_no_one_out(
    api: TestClient, users: Users, settings: Settings
) -> None:
    users.create("hv-eve")
    for _ in range(settings.lockout_threshold + 1):
        assert error_of(login(api, "hv-eve-typo", password="Wrong-password-1")) == (
            401,
            "invalid_credentials",
        )
    assert login(api, "hv-eve").status_code == 200


def test_incomplete_training_is_refused_specifically(api: TestClient, users: Users) -> None:
    users.create("hv-fay", trained=False)

    response = login(api, "hv-fay")

    assert response.status_code == 403
    assert response.json() == {"error": "training_incomplete", "message": TRAINING}


def test_vetting_three_years_and_a_day_old_is_refused_specifically(
    api: TestClient, users: Users, clock: Clock
) -> None:
    # 2023-11-20: the check's third anniversary was yesterday.
    users.create("hv-gus", vetted_on=date(clock.today.year - 3, 11, 20))

    response = login(api, "hv-gus")

    assert response.status_code == 403
    assert response.json() == {"error": "vetting_expired", "message": VETTING}


def test_vetting_valid_until_its_third_anniversary(
    api: TestClient, users: Users, clock: Clock
) -> None:
    users.create("hv-hal", vetted_on=date(clock.today.year - 3, 11, 22))

    assert login(api, "hv-hal").status_code == 200


def test_preconditions_are_checked_only_after_the_password(api: TestClient, users: Users) -> None:
    users.create("hv-ivy", trained=False)

    # A guesser learns nothing about the account from a wrong password.
    assert error_of(login(api, "hv-ivy", password="Wrong-password-1")) == (
        401,
        "invalid_credentials",
    )


def test_each_login_registers_the_device(
    api: TestClient, users: Users, clock: Clock, server_app: FastAPI
) -> None:
    user_id = users.create("hv-jo")
    first_seen = clock.now

    assert (
        login(api, "hv-jo", device_id="laptop-jo-01", device_name="Jo's laptop").status_code == 200
    )
    clock.advance(minutes=30)
    assert (
        login(api, "hv-jo", device_id="laptop-jo-01", device_name="Jo's new laptop").status_code
        == 200
    )

    [device] = devices(server_app)
    assert (device.id, device.user_id, device.name) == ("laptop-jo-01", user_id, "Jo's new laptop")
    assert device.registered_at == first_seen
    assert device.last_seen_at == clock.now
    assert device.revoked_at is None


def test_a_shared_pc_registers_once_per_user(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    first = users.create("gp-desk-one", Role.VIEWER, reception_desk=True)
    second = users.create("gp-desk-two", Role.VIEWER, reception_desk=True)

    login(api, "gp-desk-one", device_id="reception-pc-1")
    login(api, "gp-desk-two", device_id="reception-pc-1")

    assert sorted((d.id, d.user_id) for d in devices(server_app)) == sorted(
        [("reception-pc-1", first), ("reception-pc-1", second)]
    )


def test_an_authenticated_request_updates_last_seen(
    api: TestClient, users: Users, clock: Clock, server_app: FastAPI
) -> None:
    users.create("hv-kit")
    token = login(api, "hv-kit").json()["access_token"]
    clock.advance(minutes=5)

    api.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})

    [device] = devices(server_app)
    assert device.last_seen_at == clock.now


def test_logins_and_failed_logins_are_on_the_audit_trail(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("hv-lee")

    login(api, "hv-lee", password="Wrong-password-1", device_id="laptop-lee-1")
    login(api, "no-such-user", device_id="laptop-lee-1")
    login(api, "hv-lee", device_id="laptop-lee-1", device_name="Lee's laptop")

    failed = audit_rows(server_app, "login_failed")
    assert [(r.actor_id, r.device_id, r.details) for r in failed] == [
        (user_id, "laptop-lee-1", {"username": "hv-lee", "error": "invalid_credentials"}),
        (None, "laptop-lee-1", {"username": "no-such-user", "error": "invalid_credentials"}),
    ]
    [ok] = audit_rows(server_app, "login")
    assert (ok.actor_id, ok.device_id, ok.details) == (
        user_id,
        "laptop-lee-1",
        {"device_name": "Lee's laptop"},
    )
    assert all(PASSWORD not in str(r.details) for r in [*failed, ok])


def test_refused_logins_are_audited_with_their_reason(
    api: TestClient, users: Users, server_app: FastAPI, settings: Settings
) -> None:
    users.create("hv-mo", trained=False)
    users.create("hv-ned")

    login(api, "hv-mo")
    for _ in range(settings.lockout_threshold + 1):
        login(api, "hv-ned", password="Wrong-password-1")

    errors = [r.details["error"] for r in audit_rows(server_app, "login_failed")]
    assert errors == [
        "training_incomplete",
        *["invalid_credentials"] * (settings.lockout_threshold - 1),
        "locked_out",
        "locked_out",
    ]
    assert audit_rows(server_app, "login") == []


def test_an_expired_lock_restarts_the_failure_count(
    api: TestClient, users: Users, clock: Clock, settings: Settings
) -> None:
    users.create("hv-oli")
    for _ in range(settings.lockout_threshold):
        login(api, "hv-oli", password="Wrong-password-1")
    clock.advance(minutes=settings.lockout_minutes + 1)

    # One more failure after the lock has passed is one failure, not a new lock.
    assert error_of(login(api, "hv-oli", password="Wrong-password-1")) == (
        401,
        "invalid_credentials",
    )
    assert login(api, "hv-oli").status_code == 200
