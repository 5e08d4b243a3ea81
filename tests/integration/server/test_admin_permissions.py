"""Who may administer: only a user administrator manages users and revokes devices.

Every admin endpoint is tried by every role; each refusal is ``forbidden`` with the
policy's message, changes nothing and writes no admin audit entry. Runs on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.domain.roles import Role
from server.audit.models import AuditRow
from server.auth.models import DeviceRow, UserRow
from server.db import transaction
from tests.integration.server.conftest import Users, sign_in

ADMIN = "/api/v1/admin"


def endpoints(target_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every admin endpoint, aimed at ``target_id`` and its device ``laptop-target``."""
    new_user = {
        "username": "made-by-matrix",
        "display_name": "Matrix Made",
        "roles": ["viewer"],
        "organisation": "Seafield Health Trust",
        "local_authority": "Brighton and Hove",
        "password": "Long-enough-password-1",
    }
    return [
        ("GET", f"{ADMIN}/users", None),
        ("POST", f"{ADMIN}/users", new_user),
        ("PATCH", f"{ADMIN}/users/{target_id}", {"roles": ["essential"]}),
        ("POST", f"{ADMIN}/users/{target_id}/suspend", None),
        ("POST", f"{ADMIN}/users/{target_id}/reinstate", None),
        ("POST", f"{ADMIN}/users/{target_id}/unlock", None),
        ("GET", f"{ADMIN}/devices?user_id={target_id}", None),
        ("POST", f"{ADMIN}/devices/laptop-target/revoke", {"user_id": target_id}),
    ]


def facts(app: FastAPI) -> tuple[int, int, str, bool, bool]:
    """What the admin endpoints could change: user count, admin entries, target state."""
    with transaction(app.state.session_factory) as session:
        target = session.scalars(select(UserRow).where(UserRow.username == "hv-target")).one()
        device = session.get(DeviceRow, ("laptop-target", target.id))
        assert device is not None
        return (
            session.scalar(select(func.count()).select_from(UserRow)) or 0,
            session.scalar(
                select(func.count()).select_from(AuditRow).where(AuditRow.action == "admin")
            )
            or 0,
            target.roles,
            target.suspended,
            device.revoked_at is not None,
        )


@pytest.mark.parametrize(
    "roles",
    [
        (Role.VIEWER,),
        (Role.PRACTITIONER,),
        (Role.ESSENTIAL,),
        (Role.INDEX_MANAGER,),
        (Role.DATA_MANAGER,),
        (Role.INDEX_MANAGER, Role.DATA_MANAGER, Role.ESSENTIAL),
    ],
    ids=["viewer", "practitioner", "essential", "index_manager", "data_manager", "all-but-admin"],
)
def test_everyone_but_a_user_admin_is_forbidden(
    api: TestClient, users: Users, server_app: FastAPI, roles: tuple[Role, ...]
) -> None:
    target_id = users.create("hv-target")
    sign_in(api, "hv-target", device_id="laptop-target")
    users.create("someone", *roles)
    caller = sign_in(api, "someone", device_id="laptop-someone")
    before = facts(server_app)

    for method, path, body in endpoints(target_id):
        response = api.request(method, path, json=body, headers=caller)
        assert response.status_code == 403, (method, path)
        assert response.json() == {
            "error": "forbidden",
            "message": response.json()["message"],
        }
        assert response.json()["message"].startswith("Your role does not allow you to ")

    assert facts(server_app) == before


def test_the_refusal_names_what_was_refused(api: TestClient, users: Users) -> None:
    users.create("hv-someone")
    caller = sign_in(api, "hv-someone")

    users_refusal = api.get(f"{ADMIN}/users", headers=caller).json()["message"]
    devices_refusal = api.get(f"{ADMIN}/devices", headers=caller).json()["message"]

    assert users_refusal == (
        "Your role does not allow you to manage users. If you need to, please speak to your "
        "manager."
    )
    assert devices_refusal == (
        "Your role does not allow you to revoke devices. If you need to, please speak to your "
        "manager."
    )


def test_a_user_admin_may_use_every_admin_endpoint(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    target_id = users.create("hv-target")
    sign_in(api, "hv-target", device_id="laptop-target")
    users.create("ua-matrix", Role.USER_ADMIN, service_code=None)
    admin = sign_in(api, "ua-matrix", device_id="admin-pc-0001")

    statuses = [
        api.request(method, path, json=body, headers=admin).status_code
        for method, path, body in endpoints(target_id)
    ]

    assert statuses == [200, 201, 200, 200, 200, 200, 200, 200]
    assert len(admin_actions(server_app)) == 8
    assert admin_actions(server_app) == [
        "list_users",
        "create_user",
        "update_user",
        "suspend_user",
        "reinstate_user",
        "unlock_user",
        "list_devices",
        "revoke_device",
    ]


def admin_actions(app: FastAPI) -> list[str]:
    with transaction(app.state.session_factory) as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.action == "admin").order_by(AuditRow.seq)
        )
        return [row.details["action"] for row in rows]


def test_unauthenticated_admin_requests_are_refused(api: TestClient, users: Users) -> None:
    target_id = users.create("hv-target")

    for method, path, body in endpoints(target_id):
        response = api.request(method, path, json=body)
        assert (response.status_code, response.json()["error"]) == (401, "not_authenticated")
