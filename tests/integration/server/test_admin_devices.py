"""Device administration over HTTP: listing registered devices and revoking one.

What the revoked client then experiences is in ``test_auth_revocation.py``; here, what
the administrator sees and what the index records. Every test runs on both databases.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.roles import Role
from server.audit.models import AuditRow
from server.auth.models import TokenRow
from server.db import transaction
from tests.integration.server.conftest import Clock, Users, sign_in

DEVICES = "/api/v1/admin/devices"


def iso(moment: datetime) -> str:
    """A UTC timestamp as the API writes it."""
    return moment.isoformat().replace("+00:00", "Z")


def admin_entries(app: FastAPI) -> list[AuditRow]:
    with transaction(app.state.session_factory) as session:
        return list(
            session.scalars(
                select(AuditRow).where(AuditRow.action == "admin").order_by(AuditRow.seq)
            )
        )


def test_devices_are_listed_most_recently_seen_first(
    api: TestClient, users: Users, clock: Clock, server_app: FastAPI
) -> None:
    user_id = users.create("hv-ana")
    users.create("ua-ana", Role.USER_ADMIN)
    registered = clock.now
    sign_in(api, "hv-ana", device_id="laptop-ana-1")
    clock.advance(minutes=5)
    sign_in(api, "hv-ana", device_id="laptop-ana-2")
    clock.advance(minutes=5)
    admin = sign_in(api, "ua-ana", device_id="admin-pc-0001")

    mine = api.get(DEVICES, params={"user_id": user_id}, headers=admin)

    assert mine.status_code == 200
    assert mine.json() == {
        "devices": [
            {
                "id": "laptop-ana-2",
                "user_id": user_id,
                "name": "Test laptop",
                "registered_at": iso(registered + timedelta(minutes=5)),
                "last_seen_at": iso(registered + timedelta(minutes=5)),
                "revoked_at": None,
            },
            {
                "id": "laptop-ana-1",
                "user_id": user_id,
                "name": "Test laptop",
                "registered_at": iso(registered),
                "last_seen_at": iso(registered),
                "revoked_at": None,
            },
        ]
    }
    everyone = api.get(DEVICES, headers=admin).json()["devices"]
    assert [d["id"] for d in everyone] == ["admin-pc-0001", "laptop-ana-2", "laptop-ana-1"]
    assert [e.details for e in admin_entries(server_app)] == [
        {"action": "list_devices", "target_user_id": user_id, "count": 2},
        {"action": "list_devices", "count": 3},
    ]


def test_listing_the_devices_of_an_unknown_user_is_not_found(api: TestClient, users: Users) -> None:
    users.create("ua-ben", Role.USER_ADMIN)
    admin = sign_in(api, "ua-ben")

    response = api.get(DEVICES, params={"user_id": "no-such-user"}, headers=admin)

    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_revoking_a_device_records_when_and_revokes_its_tokens(
    api: TestClient, users: Users, clock: Clock, server_app: FastAPI
) -> None:
    user_id = users.create("hv-cat")
    users.create("ua-cat", Role.USER_ADMIN)
    sign_in(api, "hv-cat", device_id="laptop-cat-1")
    sign_in(api, "hv-cat", device_id="laptop-cat-1")
    sign_in(api, "hv-cat", device_id="laptop-cat-2")
    admin = sign_in(api, "ua-cat", device_id="admin-pc-0001")
    clock.advance(minutes=3)

    response = api.post(f"{DEVICES}/laptop-cat-1/revoke", json={"user_id": user_id}, headers=admin)

    assert response.status_code == 200
    assert response.json()["revoked_at"] == iso(clock.now)
    with transaction(server_app.state.session_factory) as session:
        tokens = list(session.scalars(select(TokenRow).where(TokenRow.user_id == user_id)))
    assert {t.revoked_at for t in tokens if t.device_id == "laptop-cat-1"} == {clock.now}
    assert len([t for t in tokens if t.device_id == "laptop-cat-1"]) == 4
    assert {t.revoked_at for t in tokens if t.device_id == "laptop-cat-2"} == {None}
    [entry] = admin_entries(server_app)
    assert (entry.actor_id, entry.device_id, entry.details) == (
        users.created["ua-cat"],
        "admin-pc-0001",
        {"action": "revoke_device", "target_user_id": user_id, "target_device_id": "laptop-cat-1"},
    )


def test_revoking_again_keeps_the_first_revocation_time(
    api: TestClient, users: Users, clock: Clock, server_app: FastAPI
) -> None:
    user_id = users.create("hv-dot")
    users.create("ua-dot", Role.USER_ADMIN)
    sign_in(api, "hv-dot", device_id="laptop-dot-1")
    admin = sign_in(api, "ua-dot", device_id="admin-pc-0001")
    first = api.post(f"{DEVICES}/laptop-dot-1/revoke", json={"user_id": user_id}, headers=admin)
    clock.advance(minutes=1)

    second = api.post(f"{DEVICES}/laptop-dot-1/revoke", json={"user_id": user_id}, headers=admin)

    assert second.status_code == 200
    assert second.json()["revoked_at"] == first.json()["revoked_at"]
    assert len(admin_entries(server_app)) == 2


def test_revoking_an_unknown_registration_is_refused(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("hv-eva")
    other_id = users.create("hv-fox")
    users.create("ua-eva", Role.USER_ADMIN)
    sign_in(api, "hv-eva", device_id="laptop-eva-1")
    admin = sign_in(api, "ua-eva", device_id="admin-pc-0001")

    for device_id, body in [
        ("laptop-nobody", {"user_id": user_id}),
        ("laptop-eva-1", {"user_id": other_id}),  # registered, but not to this user
    ]:
        response = api.post(f"{DEVICES}/{device_id}/revoke", json=body, headers=admin)
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "message": "That device is not registered to that user.",
        }
    missing = api.post(f"{DEVICES}/laptop-eva-1/revoke", json={}, headers=admin)
    assert (missing.status_code, missing.json()["field"]) == (422, "user_id")
    assert admin_entries(server_app) == []
