"""``python -m server create-user``: the password never on the command line, clear refusals.

The user the command creates must be able to sign in through the real API, and the
creation is on the audit trail.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.audit import AuditAction
from server.cli import PASSWORD_ENV, main
from tests.integration.server import builders
from tests.integration.server.conftest import Clock

PASSWORD = "Sturdy-passphrase-31"


def _create_args(
    database_url: str,
    clock: Clock,
    username: str = "hv-lantern",
    roles: tuple[str, ...] = ("practitioner", "essential"),
) -> list[str]:
    return [
        "create-user",
        "--database-url", database_url,
        "--username", username,
        "--display-name", "Siân O'Neill",
        *[part for role in roles for part in ("--role", role)],
        "--organisation", "Seafield Health Trust",
        "--local-authority", "Brighton and Hove",
        "--service", "health_visiting",
        "--job-title", "Health visitor",
        "--training-completed", clock.today.replace(day=1).isoformat(),
        "--vetted", clock.today.replace(year=clock.today.year - 1).isoformat(),
    ]  # fmt: skip


def test_create_user_with_the_password_from_the_environment_can_sign_in(
    *,
    database_url: str,
    api: TestClient,
    server_app: FastAPI,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)

    assert main(_create_args(database_url, clock)) == 0

    out = capsys.readouterr().out
    assert "Created user hv-lantern" in out
    assert PASSWORD not in out
    response = api.post(
        "/api/v1/auth/login",
        json={"username": "hv-lantern", "password": PASSWORD, "device_id": "dev-cli-0001"},
    )
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert user["display_name"] == "Siân O'Neill"
    assert sorted(user["roles"]) == ["essential", "practitioner"]
    assert user["service_code"] == "health_visiting"
    assert user["reception_desk"] is False
    created = [
        row
        for row in builders.audit_rows(server_app, AuditAction.ADMIN.value)
        if row.details.get("operation") == "create_user"
    ]
    assert len(created) == 1
    assert created[0].details["user_id"] == user["id"]


def test_a_taken_username_is_refused_in_one_line(
    database_url: str,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    assert main(_create_args(database_url, clock)) == 0
    capsys.readouterr()

    assert main(_create_args(database_url, clock)) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "everychild-index: error: The username 'hv-lantern' is already in use.\n"


def test_a_short_password_is_refused_and_no_user_is_created(
    database_url: str,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "short")

    assert main(_create_args(database_url, clock)) == 1

    assert "at least 12 characters" in capsys.readouterr().err
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    assert main(_create_args(database_url, clock)) == 0


def test_a_password_option_does_not_exist(
    database_url: str, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*_create_args(database_url, clock), "--password", PASSWORD]) == 2

    assert "unrecognized arguments: --password" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--service", "astrology"], "'astrology' is not a service in the catalogue"),
        (["--username", "has spaces"], "a username is 1 to 64 letters"),
    ],
)
def test_bad_details_are_refused_before_anything_is_written(
    *,
    database_url: str,
    api: TestClient,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: list[str],
    message: str,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)

    assert main([*_create_args(database_url, clock), *change]) in (1, 2)

    assert message in capsys.readouterr().err
    response = api.post(
        "/api/v1/auth/login",
        json={"username": "hv-lantern", "password": PASSWORD, "device_id": "dev-cli-0002"},
    )
    assert response.json()["error"] == "invalid_credentials"


def test_a_malformed_date_is_a_usage_error(
    database_url: str, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _create_args(database_url, clock)
    args[args.index("--vetted") + 1] = "31/02/2026"

    assert main(args) == 2

    assert "not a date in the form YYYY-MM-DD" in capsys.readouterr().err


def test_a_reception_desk_user_gets_the_shorter_idle_lock(
    database_url: str,
    api: TestClient,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    args = _create_args(database_url, clock, username="reception-1", roles=("viewer",))

    assert main([*args, "--reception-desk"]) == 0

    response = api.post(
        "/api/v1/auth/login",
        json={"username": "reception-1", "password": PASSWORD, "device_id": "dev-cli-0003"},
    )
    body = response.json()
    assert body["user"]["reception_desk"] is True
    assert body["user"]["roles"] == ["viewer"]
    assert body["policy"]["idle_lock_minutes"] == 3
