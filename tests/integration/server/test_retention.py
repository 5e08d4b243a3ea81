"""The retention job (``server.retention``) on the demo data, on SQLite and PostgreSQL.

Noah Field turns 19 ten days after the seed's ``today``: on the ninth day he stays, on
the tenth he is destroyed — with a removal for every caseload that held him (so devices
purge him at their next sync), an audit entry naming only his index id, and no trace of
him left in the API.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.audit import AuditAction
from app.domain.changes import Change, ChangesPage
from app.domain.retention import RetentionPolicy, is_due_for_destruction
from server.children.models import ChildRow, InvolvementRow
from server.config import Settings
from server.db import transaction
from server.demo.seed import SeedReport, seed_demo
from server.retention import destroy_due_records, run_retention
from server.sync import caseload
from server.sync.models import ChangeRow
from tests.integration.server import builders
from tests.integration.server.conftest import Clock, sign_in

POLICY = RetentionPolicy()


def _seed(app: FastAPI, clock: Clock) -> SeedReport:
    return seed_demo(app.state.session_factory, children=40, seed=3, today=clock.today)


def _dates_of_birth(app: FastAPI) -> dict[str, date]:
    with transaction(app.state.session_factory) as session:
        rows = session.execute(select(ChildRow.index_id, ChildRow.date_of_birth))
        return dict(rows.all())


def _due(app: FastAPI, today: date) -> set[str]:
    return {
        index_id
        for index_id, born in _dates_of_birth(app).items()
        if is_due_for_destruction(born, today, POLICY)
    }


def _pull_everything(api: TestClient, headers: dict[str, str], since: str | None) -> ChangesPage:
    """Pull until no more pages; return the last page with every change collected."""
    changes: list[Change] = []
    while True:
        params = {"since": since} if since else {}
        response = api.get("/api/v1/sync/changes", headers=headers, params=params)
        assert response.status_code == 200, response.text
        page = ChangesPage.model_validate(response.json())
        changes.extend(page.changes)
        since = page.cursor
        if not page.has_more:
            return page.model_copy(update={"changes": tuple(changes)})


def test_noah_survives_day_nine_and_is_destroyed_on_day_ten(
    server_app: FastAPI, api: TestClient, clock: Clock
) -> None:
    report = _seed(server_app, clock)
    noah = report.showcase["noah"]
    with transaction(server_app.state.session_factory) as session:
        holders = caseload.holders(session, noah)
    assert len(holders) == 2  # demo-essential and his personal adviser
    essential = sign_in(api, "demo-essential", password="Everychild-demo-1")
    before = _pull_everything(api, essential, None)
    assert noah in {c.index_id for c in before.changes if c.op == "upsert"}

    day_nine = clock.now + timedelta(days=9)
    due_on_day_nine = _due(server_app, day_nine.date())
    with transaction(server_app.state.session_factory) as session:
        assert destroy_due_records(session, now=day_nine, policy=POLICY) == len(due_on_day_nine)
    assert noah not in due_on_day_nine
    assert noah in _dates_of_birth(server_app)

    day_ten = clock.now + timedelta(days=10)
    due = _due(server_app, day_ten.date())
    assert noah in due
    with transaction(server_app.state.session_factory) as session:
        destroyed = destroy_due_records(session, now=day_ten, policy=POLICY)

    assert destroyed == len(due)
    remaining = _dates_of_birth(server_app)
    assert not due & remaining.keys()
    assert report.showcase["amelia"] in remaining
    with transaction(server_app.state.session_factory) as session:
        assert not session.scalars(
            select(InvolvementRow.id).where(InvolvementRow.child_id == noah)
        ).all()
        removals = {
            (row.user_id, row.reason)
            for row in session.scalars(
                select(ChangeRow).where(ChangeRow.child_id == noah, ChangeRow.op == "remove")
            )
        }
    assert removals == {(user_id, "retention") for user_id in holders}

    entries = builders.audit_rows(server_app, AuditAction.RETENTION_DESTROY.value, child_id=noah)
    assert len(entries) == 1
    entry = entries[0]
    written = json.dumps([entry.details, entry.reason_text, entry.on_behalf_of], ensure_ascii=False)
    for personal in ("Noah", "Field", "Shingle", "BN9", "Kelly"):
        assert personal not in written
    assert entry.actor_id is None

    after = _pull_everything(api, essential, before.cursor)
    assert [(c.op, c.reason) for c in after.changes if c.index_id == noah] == [
        ("remove", "retention")
    ]
    opened = api.post(
        f"/api/v1/children/{noah}/access",
        headers=essential,
        json={"reason_code": "service_provision"},
    )
    assert opened.status_code == 404
    assert opened.json()["error"] == "not_found"


def test_a_child_not_yet_nineteen_is_kept(server_app: FastAPI, clock: Clock) -> None:
    report = _seed(server_app, clock)

    with transaction(server_app.state.session_factory) as session:
        destroyed = destroy_due_records(session, now=clock.now, policy=POLICY)

    assert destroyed == 0
    assert set(report.showcase.values()) <= _dates_of_birth(server_app).keys()
    assert builders.audit_rows(server_app, AuditAction.RETENTION_DESTROY.value) == []


def test_the_retention_age_comes_from_the_policy(server_app: FastAPI, clock: Clock) -> None:
    report = _seed(server_app, clock)
    younger_policy = RetentionPolicy(destroy_at_age=16)

    with transaction(server_app.state.session_factory) as session:
        destroyed = destroy_due_records(session, now=clock.now, policy=younger_policy)

    remaining = _dates_of_birth(server_app)
    assert destroyed > 0
    assert report.showcase["noah"] not in remaining
    assert report.showcase["amelia"] in remaining  # 11 years old
    assert report.showcase["ruby"] not in remaining  # 16 on 2026-11-20


def test_the_job_also_prunes_old_change_log_entries(
    server_app: FastAPI, clock: Clock, database_url: str
) -> None:
    _seed(server_app, clock)
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction(server_app.state.session_factory) as session:
        for row in session.scalars(select(ChangeRow)):
            row.at = long_ago
        total = len(session.scalars(select(ChangeRow.seq)).all())
    settings = Settings(database_url=database_url, change_log_days=30)

    with transaction(server_app.state.session_factory) as session:
        run = run_retention(session, settings=settings, now=clock.now)

    assert run.destroyed == 0
    assert run.change_log_pruned == total - 1  # the newest entry is always kept
    with transaction(server_app.state.session_factory) as session:
        assert len(session.scalars(select(ChangeRow.seq)).all()) == 1
