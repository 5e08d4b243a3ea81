"""Audit views through the API: who may read them, what they show, and that reading is audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.audit import AuditAction, seal
from app.domain.roles import Role
from server.audit import trail
from server.audit.models import AuditRow
from server.db import transaction
from tests.integration.server.conftest import Users, sign_in

AUDIT = "/api/v1/audit"
DAY = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def write(session: Session, action: AuditAction, *, at: datetime, **fields: Any) -> AuditRow:
    """Append an entry to the index chain with an explicit time."""
    head = trail.lock_head(session, trail.INDEX_CHAIN)
    entry = seal(
        entry_id=uuid.uuid4().hex,
        chain=trail.INDEX_CHAIN,
        prev_hash=head.last_hash,
        at=at,
        action=action,
        **fields,
    )
    return trail.store(session, entry, head)


def audit_reads(factory: sessionmaker[Session], actor_id: str) -> list[dict[str, Any]]:
    with transaction(factory) as session:
        return [
            dict(details)
            for details in session.scalars(
                select(AuditRow.details)
                .where(AuditRow.action == "audit_read", AuditRow.actor_id == actor_id)
                .order_by(AuditRow.seq)
            )
        ]


READ_AUDIT_PATHS = [
    "/chains",
    "/verify",
    "/verify?chain=index",
    "/users/{me}",
    "/children/ABC123",
    "/alerts",
]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PRACTITIONER])
def test_frontline_roles_may_not_read_the_audit_trail(
    api: TestClient, users: Users, factory: sessionmaker[Session], role: Role
) -> None:
    me = users.create("frontline", role)
    headers = sign_in(api, "frontline")

    for path in [*READ_AUDIT_PATHS, "/spot-check?user_id={me}"]:
        response = api.get(AUDIT + path.format(me=me), headers=headers)
        assert response.status_code == 403, path
        assert response.json()["error"] == "forbidden"
        assert (
            "read the audit trail" in response.json()["message"]
            or "spot checks" in (response.json()["message"])
        )
    assert audit_reads(factory, me) == []


def test_audit_views_need_a_signed_in_caller(api: TestClient) -> None:
    response = api.get(AUDIT + "/verify")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.parametrize("role", [Role.INDEX_MANAGER, Role.USER_ADMIN])
def test_oversight_roles_read_the_trail_and_every_read_is_audited(
    api: TestClient, users: Users, factory: sessionmaker[Session], role: Role
) -> None:
    me = users.create("oversight", role)
    headers = sign_in(api, "oversight")

    for path in READ_AUDIT_PATHS:
        response = api.get(AUDIT + path.format(me=me), headers=headers)
        assert response.status_code == 200, (path, response.text)

    views = [d["view"] for d in audit_reads(factory, me)]
    assert views == ["chains", "verify", "verify", "user", "child", "alerts"]
    with transaction(factory) as session:
        child_read = session.scalars(
            select(AuditRow).where(AuditRow.action == "audit_read", AuditRow.child_id.is_not(None))
        ).one()
    assert child_read.child_id == "ABC123"


def test_spot_checks_are_for_user_administrators_only(api: TestClient, users: Users) -> None:
    me = users.create("index-team", Role.INDEX_MANAGER)
    headers = sign_in(api, "index-team")

    response = api.get(AUDIT + "/spot-check", params={"user_id": me}, headers=headers)

    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "Your role does not allow you to run spot checks. "
        "If you need to, please speak to your manager.",
    }


def test_the_user_view_lists_what_a_user_did_and_what_was_done_for_them_newest_first(
    api: TestClient, users: Users, factory: sessionmaker[Session]
) -> None:
    admin = users.create("user-admin", Role.USER_ADMIN)
    worker = users.create("health-visitor", Role.PRACTITIONER)
    colleague = users.create("receptionist", Role.VIEWER)
    with transaction(factory) as session:
        mine = [
            write(session, AuditAction.SEARCH, at=DAY, actor_id=worker, details={"hits": 2}),
            write(
                session,
                AuditAction.OPEN,
                at=DAY + timedelta(minutes=5),
                actor_id=colleague,
                on_behalf_of=worker,
                child_id="CHILDA",
                reason_code="mediated_request",
            ),
            write(
                session,
                AuditAction.OPEN,
                at=DAY + timedelta(minutes=9),
                actor_id=worker,
                child_id="CHILDB",
                reason_code="service_provision",
            ),
            # Pushed later from a laptop, but done earlier: ordered by when it happened.
            write(
                session,
                AuditAction.OPEN,
                at=DAY - timedelta(hours=2),
                actor_id=worker,
                child_id="CHILDC",
                reason_code="safeguarding",
                device_id="laptop-1",
            ),
        ]
        write(session, AuditAction.SEARCH, at=DAY, actor_id=colleague)
    headers = sign_in(api, "user-admin")

    first = api.get(AUDIT + f"/users/{worker}", params={"limit": 2}, headers=headers)

    assert first.status_code == 200
    body = first.json()
    assert body["user"] == {
        "id": worker,
        "username": "health-visitor",
        "display_name": "Health Visitor",
        "roles": ["practitioner"],
        "suspended": False,
    }
    assert [e["id"] for e in body["entries"]] == [mine[2].id, mine[1].id]
    assert body["entries"][1]["actor_username"] == "receptionist"
    assert body["entries"][1]["on_behalf_of"] == worker
    assert body["next_before"]

    second = api.get(
        AUDIT + f"/users/{worker}",
        params={"limit": 2, "before": body["next_before"]},
        headers=headers,
    ).json()
    assert [e["id"] for e in second["entries"]] == [mine[0].id, mine[3].id]
    assert second["next_before"] is None
    assert [d.get("user_id") for d in audit_reads(factory, admin)] == [worker, worker]


def test_the_user_view_refuses_unknown_users_and_bad_cursors(api: TestClient, users: Users) -> None:
    users.create("user-admin", Role.USER_ADMIN)
    headers = sign_in(api, "user-admin")

    unknown = api.get(AUDIT + "/users/nobody", headers=headers)
    bad_cursor = api.get(AUDIT + "/users/nobody", params={"before": "yesterday"}, headers=headers)
    bad_limit = api.get(AUDIT + "/users/nobody", params={"limit": 0}, headers=headers)

    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert (bad_cursor.status_code, bad_cursor.json()["error"]) == (422, "invalid_request")
    assert bad_cursor.json()["field"] == "before"
    assert (bad_limit.status_code, bad_limit.json()["field"]) == (422, "limit")


def test_the_child_view_shows_who_opened_the_record_and_why_and_what_changed(
    api: TestClient, users: Users, factory: sessionmaker[Session]
) -> None:
    users.create("index-team", Role.INDEX_MANAGER)
    worker = users.create("health-visitor", Role.PRACTITIONER)
    viewer = users.create("receptionist", Role.VIEWER)
    with transaction(factory) as session:
        opened = write(
            session,
            AuditAction.OPEN,
            at=DAY,
            actor_id=viewer,
            on_behalf_of=worker,
            child_id="CHILDA",
            reason_code="mediated_request",
            reason_text="Asked by the health visitor on the phone",
        )
        changed = write(
            session,
            AuditAction.ADD_INVOLVEMENT,
            at=DAY + timedelta(minutes=1),
            actor_id=worker,
            child_id="CHILDA",
            details={"involvement_id": "inv-1"},
        )
        write(
            session,
            AuditAction.OPEN,
            at=DAY,
            actor_id=worker,
            child_id="CHILDB",
            reason_code="safeguarding",
        )
    headers = sign_in(api, "index-team")

    response = api.get(AUDIT + "/children/CHILDA", headers=headers)

    assert response.status_code == 200
    body = response.json()
    assert body["child_id"] == "CHILDA"
    assert body["next_before"] is None
    assert [e["id"] for e in body["entries"]] == [changed.id, opened.id]
    open_entry = body["entries"][1]
    assert {
        k: open_entry[k]
        for k in (
            "action",
            "actor_id",
            "actor_username",
            "on_behalf_of",
            "reason_code",
            "reason_text",
        )
    } == {
        "action": "open",
        "actor_id": viewer,
        "actor_username": "receptionist",
        "on_behalf_of": worker,
        "reason_code": "mediated_request",
        "reason_text": "Asked by the health visitor on the phone",
    }
    assert body["entries"][0]["details"] == {"involvement_id": "inv-1"}


def test_a_spot_check_samples_at_most_n_of_that_users_accesses_in_the_window(
    api: TestClient, users: Users, factory: sessionmaker[Session]
) -> None:
    admin = users.create("user-admin", Role.USER_ADMIN)
    worker = users.create("health-visitor", Role.PRACTITIONER)
    other = users.create("school-nurse", Role.PRACTITIONER)
    with transaction(factory) as session:
        accesses = {
            write(
                session,
                AuditAction.OPEN if i % 3 else AuditAction.SEARCH,
                at=DAY + timedelta(minutes=10 * i),
                actor_id=worker,
                child_id=f"CHILD{i}" if i % 3 else None,
                reason_code="service_provision" if i % 3 else None,
            ).id
            for i in range(12)
        }
        # Not accesses, not this user's, or outside the window: never sampled.
        write(session, AuditAction.LOGIN, at=DAY, actor_id=worker)
        write(session, AuditAction.OPEN, at=DAY, actor_id=other, child_id="CHILDX")
        write(
            session,
            AuditAction.OPEN,
            at=DAY - timedelta(days=3),
            actor_id=worker,
            child_id="CHILDY",
        )
    headers = sign_in(api, "user-admin")
    window = {"since": "2026-11-10T00:00:00Z", "until": "2026-11-11T00:00:00Z"}

    five = api.get(
        AUDIT + "/spot-check", params={"user_id": worker, "n": 5, **window}, headers=headers
    )
    everything = api.get(
        AUDIT + "/spot-check", params={"user_id": worker, "n": 100, **window}, headers=headers
    )
    nothing = api.get(
        AUDIT + "/spot-check", params={"user_id": admin, "n": 5, **window}, headers=headers
    )

    assert five.status_code == 200
    sample = five.json()["sample"]
    assert len(sample) == 5
    assert {e["id"] for e in sample} <= accesses
    assert five.json()["population"] == 12
    assert [e["at"] for e in sample] == sorted(e["at"] for e in sample)
    assert {e["id"] for e in everything.json()["sample"]} == accesses
    assert nothing.json()["sample"] == []
    reads = audit_reads(factory, admin)
    assert [r["view"] for r in reads] == ["spot_check"] * 3
    assert reads[0]["sampled"] == [e["id"] for e in sample]
    assert reads[0]["n"] == 5


def test_a_spot_check_window_without_a_zone_is_uk_time_and_must_not_be_empty(
    api: TestClient, users: Users, factory: sessionmaker[Session]
) -> None:
    users.create("user-admin", Role.USER_ADMIN)
    worker = users.create("health-visitor", Role.PRACTITIONER)
    summer = datetime(2026, 7, 1, 7, 30, tzinfo=UTC)  # 08:30 in London (BST)
    with transaction(factory) as session:
        write(session, AuditAction.OPEN, at=summer, actor_id=worker, child_id="CHILDA")
    headers = sign_in(api, "user-admin")

    def sampled(since: str, until: str) -> int:
        response = api.get(
            AUDIT + "/spot-check",
            params={"user_id": worker, "since": since, "until": until},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return len(response.json()["sample"])

    assert sampled("2026-07-01T08:00:00", "2026-07-01T09:00:00") == 1
    assert sampled("2026-07-01T07:00:00", "2026-07-01T08:00:00") == 0
    backwards = api.get(
        AUDIT + "/spot-check",
        params={"user_id": worker, "since": "2026-07-02", "until": "2026-07-01"},
        headers=headers,
    )
    assert (backwards.status_code, backwards.json()["error"]) == (422, "invalid_request")
