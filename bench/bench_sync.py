"""Sync benchmark: the desktop client's initial sync and a large push, against the real index.

Seeds an SQLite index (the embedded default) with the demo users and a caseload of
5,000 synthetic children (``server.demo``'s generator) for one practitioner, starts the
index on a loopback port (``tests.support.live_server``), and measures with a real
encrypted cache (SQLCipher, cheap Argon2 — unlocking is not what is measured):

* **initial sync**: ``SyncEngine.sync_now()`` from an empty cache — every page pulled,
  stored with its cursor in one transaction, and the digest checked — in records per
  second; against the **baseline** of simply downloading the same pages with a plain
  ``requests`` session and bulk-inserting every record into an empty cache of the same
  kind in one transaction (``Cache.replace_all``). Each is run twice, alternately, after
  one warm-up pull; the best of each counts. PRODUCT.md §9 wants the ratio close to 1
  (goal: under 1.5).
* **push**: 10,000 audit entries queued offline (one device chain), pushed by
  ``SyncEngine.push_now()`` in its default batches, end to end in seconds.

Sizes can be changed with ``EVERYCHILD_BENCH_SYNC_CHILDREN`` and
``EVERYCHILD_BENCH_SYNC_AUDIT``.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from app.domain.audit import AuditAction
from app.domain.changes import ChangesPage
from app.domain.records import ChildRecord, Involvement
from app.domain.roles import Role
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.keys import Argon2Params
from app.store.profiles import Profile, create_profile
from app.sync.client import IndexClient
from app.sync.engine import SyncEngine
from server.auth.models import UserRow
from server.auth.service import create_user
from server.children.models import ChildRow
from server.children.repository import insert_child
from server.db import make_engine, make_session_factory, transaction
from server.demo.staff import Cast
from server.demo.synthetic import synthetic_children
from server.demo.users import DEMO_USERS
from tests.support.live_server import LiveServer, prepare_database

CHILDREN = int(os.environ.get("EVERYCHILD_BENCH_SYNC_CHILDREN", "5000"))
AUDIT_ENTRIES = int(os.environ.get("EVERYCHILD_BENCH_SYNC_AUDIT", "10000"))
SEED = 2006
PASSWORD = "Bench-password-2026"  # noqa: S105 - a synthetic benchmark user
CHEAP = Argon2Params(time_cost=1, memory_cost=1024, parallelism=1)
INSERT_BATCH = 500
RUNS = 2


def _now() -> datetime:
    return datetime.now(UTC)


def _seed(url: str, today: date) -> str:
    """Create the benchmark practitioner and their caseload; return their user id."""
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            user = create_user(
                session,
                username="bench-practitioner",
                password=PASSWORD,
                display_name="Bench Practitioner",
                roles=frozenset({Role.PRACTITIONER}),
                organisation="Seafield Health Trust",
                local_authority="Brighton and Hove",
                service_code="health_visiting",
                training_completed_on=today - timedelta(days=30),
                vetted_on=today - timedelta(days=30),
            )
            user_id = user.id
            users = {
                row.username: row
                for row in session.scalars(
                    select(UserRow).where(UserRow.username.in_([u.username for u in DEMO_USERS]))
                )
            }
            taken = {n for n in session.scalars(select(ChildRow.nhs_number)) if n}
        cast = Cast.from_users(users, seed=SEED)
        records = synthetic_children(
            count=CHILDREN, seed=SEED, today=today, cast=cast, taken_nhs=taken
        )
        batch: list[ChildRecord] = []
        for record in records:
            batch.append(_with_involvement(record, user_id, today))
            if len(batch) == INSERT_BATCH:
                _insert(factory, batch)
        _insert(factory, batch)
    finally:
        engine.dispose()
    return user_id


def _with_involvement(record: ChildRecord, user_id: str, today: date) -> ChildRecord:
    mine = Involvement(
        id=uuid.uuid4().hex,
        practitioner_id=user_id,
        practitioner_name="Bench Practitioner",
        practitioner_role="Health visitor",
        organisation="Seafield Health Trust",
        service_code="health_visiting",
        start_date=today - timedelta(days=90),
    )
    return record.model_copy(update={"involvements": (*record.involvements, mine)})


def _insert(factory: Any, batch: list[ChildRecord]) -> None:
    now = _now()
    with transaction(factory) as session:
        for record in batch:
            insert_child(session, record, now=now)
    batch.clear()


class Computer:
    """Fresh profiles, one per measured run, on one simulated computer."""

    def __init__(self, root: Path, server_url: str) -> None:
        self.root = root
        self.server_url = server_url
        self.secrets = EphemeralSecretStore()

    @contextmanager
    def cache(self) -> Iterator[Cache]:
        profile: Profile = create_profile(
            username="bench-practitioner",
            server_url=self.server_url,
            password=PASSWORD,
            secret_store=self.secrets,
            now=_now(),
            params=CHEAP,
            # A folder per run: each run starts from an empty cache of its own.
            root=self.root / uuid.uuid4().hex,
        )
        cache = Cache.open(profile, PASSWORD, self.secrets, now=_now())
        try:
            yield cache
        finally:
            cache.destroy()


def _timed(action: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = action()
    return time.perf_counter() - started, count


def _engine_sync(computer: Computer) -> tuple[float, int]:
    with computer.cache() as cache:
        client = IndexClient(computer.server_url)
        try:
            engine = SyncEngine(cache, client)
            engine.sign_in(PASSWORD)
            elapsed, stored = _timed(lambda: engine.sync_now().upserted)
            assert cache.digest().count == stored
        finally:
            client.close()
    return elapsed, stored


def _baseline(computer: Computer) -> tuple[float, int]:
    with computer.cache() as cache, requests.Session() as http:
        signed = http.post(
            f"{computer.server_url}/api/v1/auth/login",
            json={
                "username": "bench-practitioner",
                "password": PASSWORD,
                "device_id": uuid.uuid4().hex,
            },
            timeout=60,
        ).json()
        headers = {"Authorization": f"Bearer {signed['access_token']}"}

        def download_and_insert() -> int:
            records: list[ChildRecord] = []
            since: str | None = None
            while True:
                response = http.get(
                    f"{computer.server_url}/api/v1/sync/changes",
                    params={"since": since} if since else {},
                    headers=headers,
                    timeout=60,
                )
                page = ChangesPage.model_validate_json(response.content)
                records += [c.record for c in page.changes if c.record is not None]
                since = page.cursor
                if not page.has_more:
                    break
            return len(cache.replace_all(records, since, now=_now()).upserted)

        return _timed(download_and_insert)


def _push(computer: Computer) -> tuple[float, int]:
    with computer.cache() as cache:
        client = IndexClient(computer.server_url)
        try:
            engine = SyncEngine(cache, client)
            engine.sign_in(PASSWORD)
            user = client.signed_in
            assert user is not None
            for n in range(AUDIT_ENTRIES):
                action = AuditAction.UNLOCK if n % 2 == 0 else AuditAction.LOCK
                cache.audit_event(action, actor_id=user.user.id, now=_now())
            elapsed, pushed = _timed(lambda: engine.push_now().applied)
            assert cache.pending_count() == 0
        finally:
            client.close()
    return elapsed, pushed


def run() -> dict[str, Any]:
    """Run the sync benchmark; return the measured numbers."""
    today = _now().date()
    with tempfile.TemporaryDirectory(prefix="everychild-bench-sync-") as folder:
        base = Path(folder)
        print(f"seeding {CHILDREN:,} children into one caseload …", flush=True)
        started = time.perf_counter()
        url = prepare_database(base / "index.db", children=0, seed=SEED, today=today)
        _seed(url, today)
        seed_seconds = time.perf_counter() - started
        with LiveServer(url, base / "server.log") as server:
            computer = Computer(base / "client", server.url)
            _baseline(computer)  # warm-up: the index's and the OS's caches
            engine_runs, baseline_runs = [], []
            for _ in range(RUNS):
                engine_runs.append(_engine_sync(computer))
                baseline_runs.append(_baseline(computer))
            print(f"pushing {AUDIT_ENTRIES:,} audit entries …", flush=True)
            push_seconds, pushed = _push(computer)
    engine_seconds, records = min(engine_runs)
    baseline_seconds, baseline_records = min(baseline_runs)
    assert records == baseline_records
    return {
        "database": "sqlite",
        "seed_seconds": seed_seconds,
        "caseload_records": records,
        "initial_sync_seconds": engine_seconds,
        "initial_sync_records_per_second": records / engine_seconds,
        "baseline_download_and_insert_seconds": baseline_seconds,
        "baseline_records_per_second": records / baseline_seconds,
        "initial_sync_vs_baseline_ratio": engine_seconds / baseline_seconds,
        "push_audit_entries": pushed,
        "push_seconds": push_seconds,
        "push_entries_per_second": pushed / push_seconds,
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
