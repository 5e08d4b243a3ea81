"""Revocation is learned at the next contact: sync refuses a revoked device or suspended user.

PRODUCT.md §6: "when the server says the user or device is revoked, the cache is
destroyed" — so the client must get the specific codes from both sync endpoints, not a
generic failure it might retry.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.roles import Role
from server.auth.models import DeviceRow, UserRow
from server.db import transaction
from tests.integration.server import builders
from tests.integration.server.conftest import Clock, Users, sign_in

DEVICE = "laptop-revoke-01"
CALLS: tuple[tuple[str, str, dict[str, Any] | None], ...] = (
    ("GET", "/api/v1/sync/changes", None),
    ("POST", "/api/v1/sync/push", {"mutations": [], "audit": []}),
)


def _syncing_user(api: TestClient, users: Users, app: FastAPI) -> tuple[str, dict[str, str]]:
    """A practitioner whose device has synced successfully."""
    user_id = users.create("hv-revoked", Role.PRACTITIONER)
    builders.store(app, builders.child(involvements=(builders.involvement(user_id),)))
    headers = sign_in(api, "hv-revoked", device_id=DEVICE)
    for method, path, body in CALLS:
        assert api.request(method, path, headers=headers, json=body).status_code == 200
    return user_id, headers


def _assert_refused(
    api: TestClient, app: FastAPI, headers: dict[str, str], *, status: int, code: str
) -> None:
    pushes_before = len(builders.audit_rows(app, "sync_push"))
    for method, path, body in CALLS:
        response = api.request(method, path, headers=headers, json=body)
        assert response.status_code == status, (path, response.text)
        assert response.json()["error"] == code
    assert len(builders.audit_rows(app, "sync_push")) == pushes_before


def test_sync_from_a_revoked_device_is_refused_as_device_revoked(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock
) -> None:
    user_id, headers = _syncing_user(api, users, server_app)

    with transaction(server_app.state.session_factory) as session:
        device = session.get(DeviceRow, (DEVICE, user_id))
        assert device is not None
        device.revoked_at = clock.now

    _assert_refused(api, server_app, headers, status=401, code="device_revoked")


def test_sync_by_a_suspended_user_is_refused_as_account_suspended(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id, headers = _syncing_user(api, users, server_app)

    with transaction(server_app.state.session_factory) as session:
        user = session.get(UserRow, user_id)
        assert user is not None
        user.suspended = True

    _assert_refused(api, server_app, headers, status=403, code="account_suspended")
