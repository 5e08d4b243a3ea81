"""Pulling a caseload: ``GET /api/v1/sync/changes`` (PRODUCT.md §6–§7).

A small client lives here (``Cache``): it applies pages exactly as the desktop client
will — upserts stored, removals deleted — and checks the digest of the last page against
what it holds. Changes between pulls are made through the real push endpoint or, for
what only the index itself does (retention, role changes), straight in the database.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.changes import ChangesPage, RemovalReason, caseload_digest
from app.domain.identifiers import new_index_id
from app.domain.roles import Role
from server.auth.models import UserRow
from server.children import repository
from server.children.models import ChildRow, PinRow
from server.config import Settings
from server.db import transaction
from server.sync import caseload, feed
from server.sync.models import ChangeRow
from server.sync.prune import prune_change_log
from tests.integration.server import builders
from tests.integration.server.conftest import Clock, Users, sign_in

CHANGES = "/api/v1/sync/changes"
PUSH = "/api/v1/sync/push"
PAGE_SIZE = 10


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A small page size, so the bound on ``limit`` is cheap to reach."""
    return Settings(database_url=database_url, sync_page_size=PAGE_SIZE)


def pull(
    api: TestClient, headers: dict[str, str], since: str | None = None, limit: int | None = None
) -> ChangesPage:
    params: dict[str, Any] = {}
    if since is not None:
        params["since"] = since
    if limit is not None:
        params["limit"] = limit
    response = api.get(CHANGES, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return ChangesPage.model_validate(response.json())


@dataclass
class Cache:
    """What a desktop client keeps: records by index id, and its cursor."""

    api: TestClient
    headers: dict[str, str]
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    cursor: str | None = None
    pages: list[ChangesPage] = field(default_factory=list)

    def sync(self, limit: int | None = None) -> list[ChangesPage]:
        """Pull pages until none remain; check each page and the final digest."""
        pages = []
        while True:
            page = pull(self.api, self.headers, self.cursor, limit)
            ids = [change.index_id for change in page.changes]
            assert len(ids) == len(set(ids)), "a child appears twice on one page"
            assert ids == sorted(ids)
            assert len(ids) <= (limit or PAGE_SIZE)
            for change in page.changes:
                if change.op == "upsert":
                    assert change.record is not None
                    self.records[change.index_id] = change.record.model_dump(mode="json")
                else:
                    assert change.reason is not None
                    self.records.pop(change.index_id, None)
            self.cursor = page.cursor
            pages.append(page)
            if not page.has_more:
                assert page.digest == caseload_digest(
                    (index_id, record["version"]) for index_id, record in self.records.items()
                )
                break
            assert page.digest is None
        self.pages.extend(pages)
        return pages

    def resync(self, limit: int | None = None) -> list[ChangesPage]:
        """A full resync: start again without a cursor; the snapshot replaces the cache."""
        self.records.clear()
        self.cursor = None
        return self.sync(limit)


def device_headers(api: TestClient, username: str) -> dict[str, str]:
    return sign_in(api, username, device_id=f"laptop-{uuid.uuid4().hex[:10]}")


def push(api: TestClient, headers: dict[str, str], *mutations: dict[str, Any]) -> list[str]:
    response = api.post(PUSH, headers=headers, json={"mutations": list(mutations), "audit": []})
    assert response.status_code == 200, response.text
    return [result["status"] for result in response.json()["mutations"]]


def mutation(child_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": builders.new_id(),
        "child_id": child_id,
        "created_at": "2026-11-21T10:00:00Z",
        "payload": payload,
    }


def add_involvement(child_id: str) -> dict[str, Any]:
    return mutation(
        child_id,
        {
            "kind": "add_involvement",
            "involvement_id": builders.new_id(),
            "start_date": "2026-11-20",
            "practitioner_role": "Health visitor",
        },
    )


def pin_in_db(app: FastAPI, user_id: str, child_id: str) -> None:
    with transaction(app.state.session_factory) as session:
        session.add(PinRow(user_id=user_id, child_id=child_id))
        feed.caseload_joined(session, user_id=user_id, child_id=child_id, now=builders.BUILT_AT)


def sorted_ids(count: int) -> list[str]:
    return sorted(new_index_id() for _ in range(count))


def pull_audit(app: FastAPI) -> list[dict[str, Any]]:
    return [row.details for row in builders.audit_rows(app, "sync_pull")]


# --- snapshot and paging ------------------------------------------------------------------


def test_a_first_pull_is_a_snapshot_of_the_involved_and_pinned_children_only(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-snap", Role.PRACTITIONER)
    other = users.create("hv-other", Role.PRACTITIONER)
    involved = builders.child(involvements=(builders.involvement(me),))
    pinned = builders.child(family_name="Pinnock")
    shielded_pin = builders.child(family_name="Shieldon", shielded=True)
    someone_elses = builders.child(involvements=(builders.involvement(other),))
    ended = builders.child(involvements=(builders.involvement(me, end_date=date(2026, 6, 1)),))
    builders.store(server_app, involved, pinned, shielded_pin, someone_elses, ended)
    pin_in_db(server_app, me, pinned.index_id)
    pin_in_db(server_app, me, shielded_pin.index_id)

    cache = Cache(api, device_headers(api, "hv-snap"))
    pages = cache.sync()

    assert len(pages) == 1
    assert [(c.op, c.index_id) for c in pages[0].changes] == sorted(
        ("upsert", r.index_id) for r in (involved, pinned, shielded_pin)
    )
    # A shielded record reaches a practitioner only as the shielded view.
    shown = cache.records[shielded_pin.index_id]
    assert shown["shielded"] is True
    assert shown["address"] is None
    assert shown["setting"] is None
    assert pull_audit(server_app) == [{"changes": 3, "snapshot": True, "has_more": False}]


def test_a_snapshot_pages_by_limit_and_chains_cursors_without_repeats(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-pager", Role.PRACTITIONER)
    records = [builders.child(involvements=(builders.involvement(me),)) for _ in range(7)]
    builders.store(server_app, *records)

    cache = Cache(api, device_headers(api, "hv-pager"))
    pages = cache.sync(limit=3)

    assert [len(p.changes) for p in pages] == [3, 3, 1]
    assert [p.has_more for p in pages] == [True, True, False]
    sent = [c.index_id for p in pages for c in p.changes]
    assert sent == sorted(r.index_id for r in records)
    # Caught up: the next pull is empty and still confirms the caseload.
    after = cache.sync(limit=3)
    assert after[0].changes == ()
    assert after[0].digest is not None
    assert after[0].digest.count == 7


def test_a_limit_above_the_page_size_is_held_to_the_page_size(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-big", Role.PRACTITIONER)
    records = [builders.child(involvements=(builders.involvement(me),)) for _ in range(12)]
    builders.store(server_app, *records)
    headers = device_headers(api, "hv-big")

    first = pull(api, headers, limit=10_000)

    assert len(first.changes) == PAGE_SIZE
    assert first.has_more is True
    assert api.get(CHANGES, headers=headers, params={"limit": 0}).json()["error"] == (
        "invalid_request"
    )


def test_changes_made_between_pages_of_a_snapshot_are_not_missed(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-slow", Role.PRACTITIONER)
    colleague = users.create("hv-colleague", Role.PRACTITIONER)
    ids = sorted_ids(6)
    # ids[0] sorts before every page, so only the change log can deliver it.
    joined_late = builders.child(index_id=ids[0])
    mine = [
        builders.child(index_id=index_id, involvements=(builders.involvement(me),))
        for index_id in ids[1:]
    ]
    builders.store(server_app, joined_late, *mine)
    headers = device_headers(api, "hv-slow")
    cache = Cache(api, headers)

    first = pull(api, headers, limit=2)
    assert [c.index_id for c in first.changes] == ids[1:3]
    for change in first.changes:
        assert change.record is not None
        cache.records[change.index_id] = change.record.model_dump(mode="json")
    cache.cursor = first.cursor

    # Between pages: a colleague joins a child already sent, I join one that sorts
    # before the snapshot's position, and I leave one not yet sent.
    assert push(api, device_headers(api, "hv-colleague"), add_involvement(ids[1])) == ["applied"]
    assert push(api, headers, add_involvement(ids[0])) == ["applied"]
    leaving = builders.stored(server_app, ids[4]).involvements[0]
    end = mutation(
        ids[4],
        {
            "kind": "end_involvement",
            "involvement_id": leaving.id,
            "end_date": "2026-11-21",
            "base_version": leaving.version,
        },
    )
    assert push(api, headers, end) == ["applied"]

    cache.sync(limit=2)

    assert sorted(cache.records) == [ids[0], ids[1], ids[2], ids[3], ids[5]]
    practitioners = {i["practitioner_id"] for i in cache.records[ids[1]]["involvements"]}
    assert practitioners == {me, colleague}
    assert cache.records[ids[1]]["version"] == builders.stored(server_app, ids[1]).version


# --- incremental pulls and removals -------------------------------------------------------


def test_an_incremental_pull_brings_another_users_change_to_a_shared_child_only(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-me", Role.PRACTITIONER)
    colleague = users.create("hv-them", Role.PRACTITIONER)
    theirs = builders.involvement(colleague)
    shared = builders.child(involvements=(builders.involvement(me), theirs))
    not_mine = builders.child(involvements=(builders.involvement(colleague),))
    builders.store(server_app, shared, not_mine)
    cache = Cache(api, device_headers(api, "hv-me"))
    cache.sync()

    set_indicator = {
        "kind": "set_indicator",
        "indicator_id": builders.new_id(),
        "involvement_id": theirs.id,
        "indicator": "information_to_share",
    }
    colleague_headers = device_headers(api, "hv-them")
    assert push(api, colleague_headers, mutation(shared.index_id, set_indicator)) == ["applied"]
    assert push(api, colleague_headers, add_involvement(builders.child().index_id)) == ["rejected"]
    pages = cache.sync()

    assert [(c.op, c.index_id) for c in pages[0].changes] == [("upsert", shared.index_id)]
    involvement = next(
        i for i in cache.records[shared.index_id]["involvements"] if i["id"] == theirs.id
    )
    assert [i["kind"] for i in involvement["indicators"]] == ["information_to_share"]
    assert pull_audit(server_app)[-1] == {"changes": 1, "snapshot": False, "has_more": False}


def test_ending_my_involvement_removes_the_child_as_left_caseload(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-leaver", Role.PRACTITIONER)
    mine = builders.involvement(me)
    record = builders.child(involvements=(mine,))
    builders.store(server_app, record)
    headers = device_headers(api, "hv-leaver")
    cache = Cache(api, headers)
    cache.sync()
    assert record.index_id in cache.records

    end = {
        "kind": "end_involvement",
        "involvement_id": mine.id,
        "end_date": "2026-11-21",
        "base_version": 1,
    }
    assert push(api, headers, mutation(record.index_id, end)) == ["applied"]
    pages = cache.sync()

    assert [c.model_dump(exclude_none=True) for c in pages[0].changes] == [
        {"op": "remove", "index_id": record.index_id, "reason": "left_caseload"}
    ]
    assert cache.records == {}


def test_a_destroyed_child_is_removed_for_retention(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-keeper", Role.PRACTITIONER)
    record = builders.child(involvements=(builders.involvement(me),))
    kept = builders.child(involvements=(builders.involvement(me),))
    builders.store(server_app, record, kept)
    cache = Cache(api, device_headers(api, "hv-keeper"))
    cache.sync()

    with transaction(server_app.state.session_factory) as session:
        holders = caseload.holders(session, record.index_id)
        row = session.get(ChildRow, record.index_id)
        assert row is not None
        session.delete(row)
        feed.record_removed(
            session,
            child_id=record.index_id,
            user_ids=holders,
            reason=RemovalReason.RETENTION,
            now=builders.BUILT_AT,
        )
    pages = cache.sync()

    assert [c.model_dump(exclude_none=True) for c in pages[0].changes] == [
        {"op": "remove", "index_id": record.index_id, "reason": "retention"}
    ]
    assert sorted(cache.records) == [kept.index_id]


def test_a_child_past_the_retention_age_is_removed_and_left_out_of_the_digest(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock
) -> None:
    me = users.create("hv-old", Role.PRACTITIONER)
    turning = builders.child(
        date_of_birth=date(2007, 11, 22), involvements=(builders.involvement(me),)
    )
    builders.store(server_app, turning)
    cache = Cache(api, device_headers(api, "hv-old"))
    cache.sync()
    assert turning.index_id in cache.records

    clock.advance(days=1)
    cache.headers = device_headers(api, "hv-old")  # the old access token has expired
    with transaction(server_app.state.session_factory) as session:
        feed.record_changed(session, turning.index_id, now=clock.now)
    pages = cache.sync()

    assert [(c.op, c.reason) for c in pages[0].changes] == [("remove", "retention")]
    assert pages[-1].digest is not None
    assert pages[-1].digest.count == 0


def test_a_role_change_expires_the_cursor_and_the_resync_drops_sensitive_details(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("sw-demoted", Role.ESSENTIAL)
    camhs = users.create("camhs-one", Role.PRACTITIONER, service_code="camhs")
    sensitive = builders.involvement(camhs, service_code="camhs", sensitive=True)
    record = builders.child(involvements=(builders.involvement(me), sensitive))
    builders.store(server_app, record)
    headers = device_headers(api, "sw-demoted")
    cache = Cache(api, headers)
    cache.sync()
    assert sensitive.id in {i["id"] for i in cache.records[record.index_id]["involvements"]}

    with transaction(server_app.state.session_factory) as session:
        row = session.get(UserRow, me)
        assert row is not None
        row.roles = Role.PRACTITIONER.value
        row.access_epoch += 1

    refused = api.get(CHANGES, headers=headers, params={"since": cache.cursor})
    assert refused.status_code == 410
    assert refused.json()["error"] == "cursor_expired"
    assert "full resync" in refused.json()["message"]

    cache.resync()
    shown = cache.records[record.index_id]
    assert [i["id"] for i in shown["involvements"]] == [record.involvements[0].id]
    assert shown["restricted_information_exists"] is True


# --- what each user may see ---------------------------------------------------------------


def test_a_practitioners_pull_never_carries_a_sensitive_involvement(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    practitioner = users.create("hv-plain", Role.PRACTITIONER)
    essential = users.create("sw-essential", Role.ESSENTIAL)
    camhs = users.create("camhs-two", Role.PRACTITIONER, service_code="camhs")
    sensitive = builders.involvement(
        camhs, service_code="camhs", sensitive=True, practitioner_name="Quintessa Vale"
    )
    record = builders.child(
        involvements=(
            builders.involvement(practitioner),
            builders.involvement(essential),
            sensitive,
        )
    )
    builders.store(server_app, record)

    plain = api.get(CHANGES, headers=device_headers(api, "hv-plain"))
    full = pull(api, device_headers(api, "sw-essential"))
    own = pull(api, device_headers(api, "camhs-two"))

    assert plain.status_code == 200
    for leak in (sensitive.id, "camhs", "Quintessa Vale", camhs):
        assert leak not in plain.text
    (plain_change,) = ChangesPage.model_validate(plain.json()).changes
    assert plain_change.record is not None
    assert plain_change.record.restricted_information_exists is True
    assert all(not i.sensitive for i in plain_change.record.involvements)
    for page in (full, own):
        (change,) = page.changes
        assert change.record is not None
        assert sensitive.id in {i.id for i in change.record.involvements}


def test_a_role_that_cannot_open_records_cannot_pull(api: TestClient, users: Users) -> None:
    users.create("admin-one", Role.USER_ADMIN)
    response = api.get(CHANGES, headers=device_headers(api, "admin-one"))
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


# --- expired cursors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b'{"v": 1, "u": "x"}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "",
    ],
)
def test_a_malformed_cursor_is_expired(api: TestClient, users: Users, cursor: str) -> None:
    users.create("hv-garbage", Role.PRACTITIONER)
    headers = device_headers(api, "hv-garbage")
    response = api.get(CHANGES, headers=headers, params={"since": cursor})
    if cursor == "":
        # An empty cursor means "from the start", like no cursor at all.
        assert response.status_code == 200
        return
    assert response.status_code == 410
    assert response.json()["error"] == "cursor_expired"
    assert "full resync" in response.json()["message"]


def test_another_users_cursor_is_expired(api: TestClient, users: Users) -> None:
    users.create("hv-first", Role.PRACTITIONER)
    users.create("hv-second", Role.PRACTITIONER)
    theirs = pull(api, device_headers(api, "hv-first")).cursor

    response = api.get(CHANGES, headers=device_headers(api, "hv-second"), params={"since": theirs})

    assert response.status_code == 410
    assert response.json()["error"] == "cursor_expired"


def test_a_cursor_older_than_the_pruned_log_is_expired_and_a_fresh_one_is_not(
    api: TestClient, users: Users, server_app: FastAPI, clock: Clock
) -> None:
    me = users.create("hv-away", Role.PRACTITIONER)
    records = [builders.child(involvements=(builders.involvement(me),)) for _ in range(3)]
    builders.store(server_app, *records)
    headers = device_headers(api, "hv-away")
    away = Cache(api, headers)
    away.sync()
    for record in records[:2]:
        with transaction(server_app.state.session_factory) as session:
            feed.record_changed(session, record.index_id, now=clock.now)

    with transaction(server_app.state.session_factory) as session:
        newest = session.scalar(select(ChangeRow.seq).order_by(ChangeRow.seq.desc()).limit(1))
        pruned = prune_change_log(session, older_than=clock.now.replace(year=2100))
        kept = list(session.scalars(select(ChangeRow.seq)))
    assert pruned > 0
    assert kept == [newest], "pruning keeps only the newest row"

    response = api.get(CHANGES, headers=headers, params={"since": away.cursor})
    assert response.status_code == 410
    assert response.json()["error"] == "cursor_expired"

    away.resync()
    assert sorted(away.records) == sorted(r.index_id for r in records)
    with transaction(server_app.state.session_factory) as session:
        assert prune_change_log(session, older_than=clock.now.replace(year=2100)) == 0
    assert away.sync()[0].changes == ()


def test_a_cursor_from_a_restored_database_is_expired(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-restore", Role.PRACTITIONER)
    headers = device_headers(api, "hv-restore")
    cursor = pull(api, headers).cursor
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert raw["u"] == me
    raw["p"] += 1000
    ahead = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()

    response = api.get(CHANGES, headers=headers, params={"since": ahead})

    assert response.status_code == 410
    assert response.json()["error"] == "cursor_expired"


# --- concurrency ---------------------------------------------------------------------------


def test_a_change_still_being_committed_when_a_pull_starts_is_not_skipped(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    """Sequence numbers can become visible out of order on PostgreSQL (§9: nothing lost)."""
    if server_app.state.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers, so numbers always commit in order")
    me = users.create("hv-race", Role.PRACTITIONER)
    slow, fast = (builders.child(involvements=(builders.involvement(me),)) for _ in range(2))
    builders.store(server_app, slow, fast)
    cache = Cache(api, device_headers(api, "hv-race"))
    cache.sync()
    factory = server_app.state.session_factory

    with factory() as writer:
        writer.begin()
        row = writer.get(ChildRow, slow.index_id)
        assert row is not None
        repository.touch(row, now=builders.BUILT_AT)
        feed.record_changed(writer, slow.index_id, now=builders.BUILT_AT)
        writer.flush()  # holds the lower sequence number, not yet committed
        with transaction(factory) as quick:
            quick_row = quick.get(ChildRow, fast.index_id)
            assert quick_row is not None
            repository.touch(quick_row, now=builders.BUILT_AT)
            feed.record_changed(quick, fast.index_id, now=builders.BUILT_AT)

        pulled: list[list[ChangesPage] | BaseException] = []

        def pull_in_background() -> None:
            try:
                pulled.append(cache.sync())
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                pulled.append(exc)

        puller = threading.Thread(target=pull_in_background)
        puller.start()
        puller.join(timeout=0.5)
        writer.commit()
    puller.join(timeout=10)

    assert pulled, "the pull did not finish"
    pages = pulled[0]
    assert isinstance(pages, list), pages
    sent = {c.index_id for page in pages for c in page.changes}
    assert sent == {slow.index_id, fast.index_id}
    assert cache.records[slow.index_id]["version"] == 2
