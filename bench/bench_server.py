"""Central-index benchmark: search latency and sync-push throughput over 100,000 children.

Seeds a fresh PostgreSQL database (an SQLite file, with a note saying so, when no
PostgreSQL server can be had) with the demo users, the showcase children and 100,000
synthetic children from ``server.demo``, bulk-inserted with SQLAlchemy Core. Then it
starts the real service (``python -m server serve``) on a loopback port and measures,
over HTTP with a keep-alive ``requests`` session:

* **search**: p50/p95 latency of 300 realistic searches by ``demo-viewer`` — family name
  and date of birth, name and postcode, sound-alike spellings with date of birth, exact
  index id, exact NHS number — each checked to find the child it was made from;
* **baselines** measured in the same run: ``GET /healthz`` through the same HTTP stack,
  and a plain primary-key lookup of a child's row straight on the database;
* **sync push**: 10,000 device audit entries (one hash chain) in batches of 500 via
  ``POST /api/v1/sync/push``, against the baseline of inserting the same number of audit
  rows with Core in batches of the same size.

Sizes can be reduced for a quick look with ``EVERYCHILD_BENCH_CHILDREN``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy import Engine, insert, select, text

from app.domain.audit import GENESIS_HASH, AuditAction, AuditEntry, seal
from app.domain.records import ChildRecord
from app.embedded_index import free_loopback_port
from server.audit.models import AuditRow
from server.auth.models import UserRow
from server.children.models import ChildRow, IndicatorRow, InvolvementRow
from server.children.repository import search_columns
from server.db import make_engine, make_session_factory, utcnow
from server.demo import people
from server.demo.seed import seed_demo
from server.demo.staff import Cast
from server.demo.synthetic import synthetic_children
from server.demo.users import DEMO_PASSWORD, DEMO_USERS
from server.migrate import upgrade
from tests.support import postgres

CHILDREN = int(os.environ.get("EVERYCHILD_BENCH_CHILDREN", "100000"))
SEED = 2004
INSERT_BATCH = 5000
WARM_UP = 20
SEARCHES = {
    "family_name+date_of_birth": 90,
    "name+postcode": 60,
    "sound_alike+date_of_birth": 60,
    "index_id": 60,
    "nhs_number": 30,
}
AUDIT_ENTRIES = 10_000
PUSH_BATCH = 500
_REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Target:
    """What a search needs to know about a seeded child."""

    index_id: str
    nhs_number: str | None
    given_names: str
    family_name: str
    date_of_birth: date
    postcode: str | None


# --- database ---------------------------------------------------------------------------


@contextmanager
def _database() -> Iterator[tuple[str, str]]:
    """A fresh, empty database URL and a description of it; dropped afterwards."""
    admin: str | None = None
    try:
        admin = postgres.ensure_server()
        url = postgres.create_database(admin)
    except (postgres.PostgresUnavailableError, OSError, psycopg.Error) as exc:
        print(f"NOTE: PostgreSQL unavailable ({exc}); measuring on SQLite instead.")
        admin = None
    if admin is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db", "SQLite (PostgreSQL was unavailable)"
        return
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        yield url, f"PostgreSQL {row[0] if row else '?'}"
    finally:
        postgres.drop_database(admin, url)


def _dump(model: Any) -> Any:
    return None if model is None else model.model_dump(mode="json")


def _rows(
    record: ChildRecord, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Table rows for one record, as ``server.children.repository.insert_child`` writes them."""
    child = {
        "index_id": record.index_id,
        "nhs_number": record.nhs_number,
        "given_names": record.given_names,
        "family_name": record.family_name,
        "other_names": list(record.other_names),
        **search_columns(record.given_names, record.family_name),
        "date_of_birth": record.date_of_birth,
        "gender": record.gender,
        "address": _dump(record.address),
        "postcode": record.address.postcode if record.address else None,
        "parents_carers": [p.model_dump(mode="json") for p in record.parents_carers],
        "setting": _dump(record.setting),
        "gp_practice": _dump(record.gp_practice),
        "health_visitor": _dump(record.health_visitor),
        "shielded": record.shielded,
        "shield_reason": record.shield.reason if record.shield else None,
        "shield_review_date": record.shield.review_date if record.shield else None,
        "shielded_by": record.shield.shielded_by if record.shield else None,
        "shielded_at": record.shield.shielded_at if record.shield else None,
        "version": record.version,
        "created_at": now,
        "updated_at": now,
    }
    involvements: list[dict[str, Any]] = []
    indicators: list[dict[str, Any]] = []
    for inv in record.involvements:
        involvements.append(
            {
                "id": inv.id,
                "child_id": record.index_id,
                "practitioner_id": inv.practitioner_id,
                "practitioner_name": inv.practitioner_name,
                "practitioner_role": inv.practitioner_role,
                "organisation": inv.organisation,
                "service_code": inv.service_code,
                "sensitive": inv.sensitive,
                "contact": _dump(inv.contact),
                "start_date": inv.start_date,
                "end_date": inv.end_date,
                "is_lead": inv.is_lead,
                "consent": _dump(inv.consent),
                "version": inv.version,
            }
        )
        indicators.extend(
            {
                "id": ind.id,
                "involvement_id": inv.id,
                "kind": ind.kind.value,
                "set_by": ind.set_by,
                "set_by_name": ind.set_by_name,
                "set_at": ind.set_at,
                "cleared_at": None,
                "version": ind.version,
            }
            for ind in inv.indicators
        )
    return child, involvements, indicators


def _target(record: ChildRecord) -> Target:
    return Target(
        index_id=record.index_id,
        nhs_number=record.nhs_number,
        given_names=record.given_names,
        family_name=record.family_name,
        date_of_birth=record.date_of_birth,
        postcode=record.address.postcode if record.address else None,
    )


def _bulk_insert(engine: Engine, records: Iterable[ChildRecord]) -> list[Target]:
    """Insert the records with Core in large batches; return what searches need."""
    now = utcnow()
    targets: list[Target] = []
    children: list[dict[str, Any]] = []
    involvements: list[dict[str, Any]] = []
    indicators: list[dict[str, Any]] = []

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(ChildRow), children)
            if involvements:
                conn.execute(insert(InvolvementRow), involvements)
            if indicators:
                conn.execute(insert(IndicatorRow), indicators)
        children.clear()
        involvements.clear()
        indicators.clear()

    for record in records:
        child, invs, inds = _rows(record, now)
        children.append(child)
        involvements.extend(invs)
        indicators.extend(inds)
        targets.append(_target(record))
        if len(children) == INSERT_BATCH:
            flush()
    if children:
        flush()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return targets


def _seed(url: str, today: date) -> tuple[list[Target], dict[str, float]]:
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        started = time.perf_counter()
        seed_demo(factory, children=0, seed=SEED, today=today)
        with factory() as session:
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
        targets = _bulk_insert(engine, records)
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    return targets, {"seed_seconds": elapsed, "seed_children_per_second": CHILDREN / elapsed}


# --- the service --------------------------------------------------------------------------


@contextmanager
def _service(url: str) -> Iterator[str]:
    """The real service in its own process, on a loopback port; stopped afterwards."""
    port = free_loopback_port()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--database-url", url, "--port", str(port)],
            cwd=_REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the service did not start:\n{log.read()[-2000:]}")
                try:
                    if requests.get(f"{base}/healthz", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _sign_in(http: requests.Session, base: str, username: str, device_id: str) -> dict[str, Any]:
    response = http.post(
        f"{base}/api/v1/auth/login",
        json={
            "username": username,
            "password": DEMO_PASSWORD,
            "device_id": device_id,
            "device_name": "Benchmark",
        },
        timeout=30,
    )
    response.raise_for_status()
    signed_in: dict[str, Any] = response.json()
    http.headers["Authorization"] = f"Bearer {signed_in['access_token']}"
    return signed_in


# --- measurements -------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of ``values``."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


_SPELLINGS = {
    "Smith": "Smyth", "Smyth": "Smith", "Thompson": "Thomson", "Thomson": "Thompson",
    "Catherine": "Katherine", "Katherine": "Catherine", "Stephen": "Steven",
    "Steven": "Stephen", "Mohammed": "Muhammad", "Muhammad": "Mohammed",
    "Mohamed": "Mohammed",
}  # fmt: skip


def sound_alike(name: str) -> str:
    """How someone might type ``name`` from hearing it: another spelling, or no accents."""
    words = [_SPELLINGS.get(word, word) for word in name.split()]
    plain = unicodedata.normalize("NFKD", " ".join(words))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).replace("'", "")
    return plain.replace("-", " ").lower()


def _params(kind: str, target: Target) -> dict[str, str]:
    """The query parameters a practitioner would type for this kind of search."""
    dob = target.date_of_birth.isoformat()
    if kind == "family_name+date_of_birth":
        return {"family_name": target.family_name, "date_of_birth": dob}
    if kind == "name+postcode":
        return {
            "given_names": target.given_names.split()[0],
            "family_name": target.family_name,
            "postcode": target.postcode or "",
        }
    if kind == "sound_alike+date_of_birth":
        return {"family_name": sound_alike(target.family_name), "date_of_birth": dob}
    if kind == "index_id":
        return {"index_id": target.index_id.replace("-", "").lower()}
    return {"nhs_number": target.nhs_number or ""}


def _queries(targets: list[Target]) -> list[tuple[str, Target, dict[str, str]]]:
    rng = people.generator(SEED, "bench-queries")
    pools = {
        "sound_alike+date_of_birth": [
            t for t in targets if sound_alike(t.family_name) != t.family_name.lower()
        ],
        "nhs_number": [t for t in targets if t.nhs_number],
    }
    queries = [
        (kind, target, _params(kind, target))
        for kind, count in SEARCHES.items()
        for target in rng.sample(pools.get(kind, targets), count)
    ]
    rng.shuffle(queries)
    return queries


def _measure_search(http: requests.Session, base: str, targets: list[Target]) -> dict[str, Any]:
    queries = _queries(targets)
    for _, _, params in queries[:WARM_UP]:
        http.get(f"{base}/api/v1/children", params=params, timeout=30)
    by_kind: dict[str, list[float]] = {kind: [] for kind in SEARCHES}
    found = too_many = 0
    missed: Counter[str] = Counter()
    for kind, target, params in queries:
        started = time.perf_counter()
        response = http.get(f"{base}/api/v1/children", params=params, timeout=30)
        by_kind[kind].append(time.perf_counter() - started)
        if response.status_code == 422 and response.json().get("error") == "too_many_results":
            too_many += 1
            continue
        response.raise_for_status()
        ids = {result["index_id"] for result in response.json()["results"]}
        if target.index_id in ids:
            found += 1
        else:
            missed[kind] += 1
    every = [t for times in by_kind.values() for t in times]
    result: dict[str, Any] = {
        "searches": len(every),
        "searches_finding_their_child": found,
        "searches_too_many_results": too_many,
        "searches_missing_their_child_by_kind": dict(missed) or "none",
        "search_p50_ms": percentile(every, 50) * 1000,
        "search_p95_ms": percentile(every, 95) * 1000,
    }
    for kind, times in by_kind.items():
        result[f"search_{kind}_p50_ms"] = percentile(times, 50) * 1000
        result[f"search_{kind}_p95_ms"] = percentile(times, 95) * 1000
    healthz = []
    for _ in range(len(every)):
        started = time.perf_counter()
        http.get(f"{base}/healthz", timeout=30).raise_for_status()
        healthz.append(time.perf_counter() - started)
    result["healthz_p50_ms"] = percentile(healthz, 50) * 1000
    result["healthz_p95_ms"] = percentile(healthz, 95) * 1000
    return result


def _measure_primary_key(url: str, targets: list[Target]) -> dict[str, float]:
    engine = make_engine(url)
    try:
        ids = [t.index_id for t in people.generator(SEED, "bench-pk").sample(targets, 300)]
        times = []
        for index_id in ids:
            started = time.perf_counter()
            with engine.connect() as conn:
                conn.execute(select(ChildRow.__table__).where(ChildRow.index_id == index_id)).one()
            times.append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return {
        "pk_lookup_p50_ms": percentile(times, 50) * 1000,
        "pk_lookup_p95_ms": percentile(times, 95) * 1000,
    }


def _audit_entries(user_id: str, device_id: str, targets: list[Target]) -> list[AuditEntry]:
    rng = people.generator(SEED, "bench-audit")
    chain = f"device:{device_id}"
    start = utcnow() - timedelta(hours=2)
    previous = GENESIS_HASH
    entries = []
    actions = (AuditAction.OPEN, AuditAction.SEARCH, AuditAction.UNLOCK, AuditAction.LOCK)
    for position in range(AUDIT_ENTRIES):
        action = rng.choice(actions)
        opened = action is AuditAction.OPEN
        entry = seal(
            entry_id=uuid.UUID(int=rng.getrandbits(128)).hex,
            chain=chain,
            prev_hash=previous,
            at=start + timedelta(milliseconds=position * 250),
            action=action,
            actor_id=user_id,
            device_id=device_id,
            child_id=rng.choice(targets).index_id if opened else None,
            reason_code="service_provision" if opened else None,
            details={"offline": True},
        )
        entries.append(entry)
        previous = entry.hash
    return entries


def _measure_push(
    http: requests.Session, base: str, url: str, targets: list[Target]
) -> dict[str, Any]:
    device_id = f"bench-{uuid.uuid4().hex[:12]}"
    user = _sign_in(http, base, "demo-practitioner", device_id)["user"]
    entries = _audit_entries(user["id"], device_id, targets)
    bodies = [
        json.dumps(
            {
                "mutations": [],
                "audit": [e.model_dump(mode="json") for e in entries[i : i + PUSH_BATCH]],
            }
        ).encode()
        for i in range(0, len(entries), PUSH_BATCH)
    ]
    probe = http.post(f"{base}/api/v1/sync/push", json={}, timeout=30)
    if probe.status_code in (404, 405):
        return {"sync_push": "not implemented by the index yet"}
    applied = 0
    started = time.perf_counter()
    for body in bodies:
        response = http.post(
            f"{base}/api/v1/sync/push",
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=120,
        )
        response.raise_for_status()
        applied += sum(r["status"] == "applied" for r in response.json()["audit"])
    push_seconds = time.perf_counter() - started
    if applied != len(entries):
        raise RuntimeError(f"only {applied} of {len(entries)} pushed audit entries were applied")

    # Baseline: the same number of audit rows written with Core, in batches of the same size.
    engine = make_engine(url)
    now = utcnow()
    try:
        rows = [
            {
                "id": f"baseline-{e.id}",
                "chain": "bench:baseline",
                "chain_pos": position + 1,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
                "at": e.at,
                "actor_id": e.actor_id,
                "on_behalf_of": None,
                "device_id": e.device_id,
                "action": e.action.value,
                "child_id": e.child_id,
                "reason_code": e.reason_code,
                "reason_text": None,
                "details": e.details,
                "received_at": now,
            }
            for position, e in enumerate(entries)
        ]
        started = time.perf_counter()
        for i in range(0, len(rows), PUSH_BATCH):
            with engine.begin() as conn:
                conn.execute(insert(AuditRow), rows[i : i + PUSH_BATCH])
        baseline_seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    push_rate = len(entries) / push_seconds
    baseline_rate = len(entries) / baseline_seconds
    return {
        "push_audit_entries": len(entries),
        "push_batch_size": PUSH_BATCH,
        "push_entries_per_second": push_rate,
        "baseline_core_insert_entries_per_second": baseline_rate,
        "push_rate_vs_core_insert": push_rate / baseline_rate,
    }


def _machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def run() -> dict[str, Any]:
    """Seed, start the service, measure; return the numbers."""
    today = datetime.now(UTC).date()
    result: dict[str, Any] = {
        "machine": _machine(),
        "python": platform.python_version(),
        "children": CHILDREN,
        # Other work on the machine slows every number; recorded so results can be judged.
        "load_average_1min_at_start": os.getloadavg()[0],
    }
    with _database() as (url, description):
        result["database"] = description
        upgrade(url)
        print(f"seeding {CHILDREN:,} children on {description} …", flush=True)
        targets, seeding = _seed(url, today)
        result.update(seeding)
        print("measuring search …", flush=True)
        with _service(url) as base, requests.Session() as http:
            _sign_in(http, base, "demo-viewer", f"bench-{uuid.uuid4().hex[:12]}")
            result.update(_measure_search(http, base, targets))
            result.update(_measure_primary_key(url, targets))
            print("measuring sync push …", flush=True)
            result.update(_measure_push(http, base, url, targets))
    result["load_average_1min_at_end"] = os.getloadavg()[0]
    result["search_p95_vs_pk_lookup_p95"] = result["search_p95_ms"] / result["pk_lookup_p95_ms"]
    result["search_p50_vs_healthz_p50"] = result["search_p50_ms"] / result["healthz_p50_ms"]
    return result
