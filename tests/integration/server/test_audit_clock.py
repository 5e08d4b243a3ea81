"""Audit entries and the change log follow the index's clock, not the wall clock.

The index takes its time from one injectable clock (``create_app(settings, clock=)``);
jobs take theirs as ``now``. Every entry it writes must carry that time, or the audit
views, spot checks and alerts that filter by time would disagree with the records they
describe. Each test moves the clock far from the real date first, so an entry stamped
with the wall clock can never pass for one stamped by the index.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.audit import GENESIS_HASH, AuditAction, seal
from app.domain.roles import Role
from server.audit.models import AuditRow
from server.config import Settings
from server.db import transaction
from server.retention import run_retention
from tests.integration.server import builders
from tests.integration.server.conftest import Clock, Users, sign_in

AUDIT = "/api/v1/audit"
#: How far the clock is moved before each test: years away from any real run date.
AHEAD = timedelta(days=1000)


def when(value: str) -> datetime:
    """A time as the API sends it."""
    return datetime.fromisoformat(value)


def audit_view(api: TestClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    response = api.get(AUDIT + path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def timeline(view: Any) -> list[tuple[str, datetime]]:
    """``(action, at)`` of each entry of an activity view, newest first."""
    return [(entry["action"], when(entry["at"])) for entry in view["entries"]]


def test_signing_in_and_opening_a_record_are_audited_at_the_index_clock_time(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock
) -> None:
    clock.advance(days=AHEAD.days)
    me = users.create("hv-clock", Role.PRACTITIONER)
    users.create("index-team", Role.INDEX_MANAGER)
    record = builders.child()
    builders.store(server_app, record)
    headers = sign_in(api, "hv-clock")
    signed_in_at = clock.now
    clock.advance(minutes=7)

    assert builders.open_record(api, headers, record.index_id).status_code == 200

    auditor = sign_in(api, "index-team")
    child_view = audit_view(api, auditor, f"/children/{record.index_id}")
    assert timeline(child_view) == [("open", clock.now)]
    user_view = audit_view(api, auditor, f"/users/{me}")
    assert timeline(user_view) == [("open", clock.now), ("login", signed_in_at)]


def test_a_spot_check_samples_the_accesses_in_the_window_ending_at_the_index_clock(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock
) -> None:
    clock.advance(days=AHEAD.days)
    me = users.create("hv-sampled", Role.PRACTITIONER)
    users.create("user-admin", Role.USER_ADMIN)
    records = [builders.child(), builders.child(family_name="Penhallow")]
    builders.store(server_app, *records)
    headers = sign_in(api, "hv-sampled")
    opened_at = []
    for record in records:
        assert builders.open_record(api, headers, record.index_id).status_code == 200
        opened_at.append(clock.now)
        clock.advance(minutes=1)

    admin = sign_in(api, "user-admin")
    check = audit_view(api, admin, "/spot-check", user_id=me, n=10)

    assert when(check["until"]) == clock.now
    assert check["population"] == 2
    assert sorted(when(entry["at"]) for entry in check["sample"]) == opened_at

    # A month on, the default 30-day window has moved past them.
    clock.advance(days=31)
    admin = sign_in(api, "user-admin")
    assert audit_view(api, admin, "/spot-check", user_id=me, n=10)["population"] == 0


def test_late_night_use_is_an_out_of_hours_alert_at_the_time_the_index_recorded(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock
) -> None:
    clock.advance(days=AHEAD.days, hours=12, minutes=30)  # 22:30 UTC: late in the UK too
    me = users.create("hv-late", Role.PRACTITIONER)
    users.create("index-team", Role.INDEX_MANAGER)
    record = builders.child()
    builders.store(server_app, record)
    headers = sign_in(api, "hv-late")
    signed_in_at = clock.now
    clock.advance(minutes=5)
    assert builders.open_record(api, headers, record.index_id).status_code == 200
    opened_at = clock.now

    clock.advance(hours=10)  # the next morning, when the index team looks
    auditor = sign_in(api, "index-team")
    report = audit_view(api, auditor, "/alerts")  # default window: the week up to now

    late = [a for a in report["alerts"] if a["rule"] == "out_of_hours"]
    assert [(a["user_id"], a["count"], when(a["first_at"]), when(a["last_at"])) for a in late] == [
        (me, 2, signed_in_at, opened_at)
    ]


def test_the_retention_job_stamps_each_destruction_with_the_time_it_ran_for(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock, settings: Settings
) -> None:
    clock.advance(days=AHEAD.days)
    users.create("index-team", Role.INDEX_MANAGER)
    nineteen = builders.child(date_of_birth=clock.today.replace(year=clock.today.year - 19))
    builders.store(server_app, nineteen)
    job_time = clock.now + timedelta(hours=2)

    with transaction(server_app.state.session_factory) as session:
        assert run_retention(session, settings=settings, now=job_time).destroyed == 1

    auditor = sign_in(api, "index-team")
    view = audit_view(api, auditor, f"/children/{nineteen.index_id}")
    assert timeline(view) == [("retention_destroy", job_time)]


def test_pushed_entries_keep_the_device_time_and_are_received_at_the_index_clock_time(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock
) -> None:
    clock.advance(days=AHEAD.days)
    me = users.create("hv-offline", Role.PRACTITIONER)
    users.create("index-team", Role.INDEX_MANAGER)
    device_id = "laptop-clockwork"
    headers = sign_in(api, "hv-offline", device_id=device_id)
    signed_in_at = clock.now
    written_offline = clock.now - timedelta(hours=3)
    entry = seal(
        entry_id=uuid.uuid4().hex,
        chain=f"device:{device_id}",
        prev_hash=GENESIS_HASH,
        at=written_offline,
        action=AuditAction.SEARCH,
        actor_id=me,
        device_id=device_id,
        details={"offline": True},
    )
    clock.advance(minutes=2)

    response = api.post(
        "/api/v1/sync/push",
        headers=headers,
        json={"mutations": [], "audit": [entry.model_dump(mode="json")]},
    )

    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["audit"]] == ["applied"]
    auditor = sign_in(api, "index-team")
    view = audit_view(api, auditor, f"/users/{me}")
    assert [(e["chain"], e["action"], when(e["at"])) for e in view["entries"]] == [
        ("index", "sync_push", clock.now),
        ("index", "login", signed_in_at),
        (f"device:{device_id}", "search", written_offline),
    ]
    with transaction(server_app.state.session_factory) as session:
        received = session.scalar(select(AuditRow.received_at).where(AuditRow.id == entry.id))
    assert received == clock.now


def test_a_sync_cursor_survives_a_retention_run_just_after_changes_made_on_the_clock(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock, database_url: str
) -> None:
    clock.advance(days=AHEAD.days)
    me = users.create("hv-cursor", Role.PRACTITIONER)
    mine = builders.child(involvements=(builders.involvement(me),))
    joined = builders.child(family_name="Penhallow")
    builders.store(server_app, mine, joined)
    headers = sign_in(api, "hv-cursor", device_id="laptop-cursor01")
    first = api.get("/api/v1/sync/changes", headers=headers)
    assert first.status_code == 200, first.text
    assert not first.json()["has_more"]
    cursor = first.json()["cursor"]
    added = api.post(
        "/api/v1/sync/push",
        headers=headers,
        json={
            "mutations": [
                {
                    "id": builders.new_id(),
                    "child_id": joined.index_id,
                    "created_at": clock.now.isoformat(),
                    "payload": {
                        "kind": "add_involvement",
                        "involvement_id": builders.new_id(),
                        "start_date": clock.today.isoformat(),
                        "practitioner_role": "Health visitor",
                    },
                }
            ],
            "audit": [],
        },
    )
    assert [r["status"] for r in added.json()["mutations"]] == ["applied"], added.text

    # The nightly job, run at the index's time, prunes only what is a month old by it.
    with transaction(server_app.state.session_factory) as session:
        run_retention(
            session,
            settings=Settings(database_url=database_url, change_log_days=30),
            now=clock.now,
        )

    after = api.get("/api/v1/sync/changes", headers=headers, params={"since": cursor})
    assert after.status_code == 200, after.text
    assert [(c["op"], c["index_id"]) for c in after.json()["changes"]] == [
        ("upsert", joined.index_id)
    ]
