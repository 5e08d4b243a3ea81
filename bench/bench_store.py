"""Store benchmark: search as you type and opening a record, in a 50,000-child cache.

The desktop client's offline cache (``app.store``) is measured twice in the same run:

* the **encrypted** cache: a real profile opened with ``Cache.open`` (SQLCipher with a
  raw 256-bit key; cheap Argon2, because unlocking is not what is measured), and
* the **baseline**: the same ``Cache`` class over an **unencrypted** file made by
  ``database.connect_unencrypted_for_benchmark`` — the same schema steps, indexes, FTS5
  table, pragmas, queries and Python code, differing only in having no key.

Both are filled with the same 50,000 synthetic children (``server.demo``'s generator:
families, realistic given and family names, Sussex postcodes, every age to 18) by one
``Cache.replace_all`` each; the build times are reported. Then, after an untimed warm-up
pass over every query:

* **search as you type**: ``Cache.search`` with the first 3, 4 and 6 characters of
  family names, first given names, postcodes and dates of birth (typed ``14/03/2015``)
  of children in the cache — ``QUERIES_PER_GROUP`` distinct prefixes per group, each
  timed ``REPEATS`` times on each cache, alternately — plus whole dates of birth and a
  family-name prefix with a whole date of birth. p50/p95 per group and overall, and the
  encrypted ÷ unencrypted p95 ratio.
* **opening a record**: ``Cache.open_record`` with a valid reason (the record read and
  parsed, the audit entry sealed, stored and queued, one ``synchronous = FULL``
  transaction), on random children, alternately on both caches.
* **what changed the search numbers** (same caches, same run): the SQL of the 3-, 4-
  and 6-character name and postcode searches alone, as the store runs it (hits read from
  the ``records_search_card`` index, schema v5) and as it ran before v5 (hits read from
  the ``records`` rows), and before v5 with a page cache big enough for the whole file.

Goals (the issue's): search p95 under 5 ms and under 1.3 times the unencrypted p95;
opening p95 under 5 ms. They are reported, never asserted. Sizes can be changed with
``EVERYCHILD_BENCH_STORE_CHILDREN``, ``EVERYCHILD_BENCH_STORE_QUERIES`` (distinct
queries per group) and ``EVERYCHILD_BENCH_STORE_OPENS``.
"""

from __future__ import annotations

import functools
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from app.domain.reasons import AccessReason, validate_access_reason
from app.domain.records import ChildRecord
from app.domain.session import DevicePolicy
from app.store import search
from app.store.cache import Cache
from app.store.database import CACHE_SIZE_KIB, Connection, connect_unencrypted_for_benchmark
from app.store.device_secret import EphemeralSecretStore
from app.store.keys import Argon2Params
from app.store.profiles import Profile, create_profile
from app.store.schema import migrate
from server.demo.staff import Cast, Practitioner, invented_staff
from server.demo.synthetic import synthetic_children

CHILDREN = int(os.environ.get("EVERYCHILD_BENCH_STORE_CHILDREN", "50000"))
QUERIES_PER_GROUP = int(os.environ.get("EVERYCHILD_BENCH_STORE_QUERIES", "40"))
OPENS = int(os.environ.get("EVERYCHILD_BENCH_STORE_OPENS", "300"))
#: Each query is timed this many times on each cache.
REPEATS = 5
WARM_UP_OPENS = 20
SEED = 2006
PASSWORD = "Bench-password-2026"  # noqa: S105 - a synthetic benchmark profile
CHEAP = Argon2Params(time_cost=1, memory_cost=1024, parallelism=1)
POLICY = DevicePolicy(idle_lock_minutes=15, offline_lease_hours=72, wipe_after_days=14)
PREFIX_LENGTHS = (3, 4, 6)
SEARCH_GOAL_MS = 5.0
RATIO_GOAL = 1.3
OPEN_GOAL_MS = 5.0
LABELS = ("encrypted", "unencrypted")
#: The query of search.py before schema v5: the same SQL, hits read from the records rows.
_CARD_HINT = " INDEXED BY records_search_card"
#: Page cache for the "whole file cached" variant: more than the 50,000-child file.
_BIG_CACHE_KIB = 256 * 1024


def _now() -> datetime:
    return datetime.now(UTC)


# -- data ------------------------------------------------------------------------------------


def _practitioner(code: str, name: str) -> Practitioner:
    return Practitioner(
        id=f"bench-{code}",
        name=name,
        role="Practitioner",
        organisation="Seafield Health Trust",
        service_code=code,
        phone="01632 960001",
    )


def synthetic_caseload(count: int, today: date) -> list[ChildRecord]:
    """``count`` synthetic children from the demo generator, the same for every run."""
    cast = Cast(
        practitioner=_practitioner("health_visiting", "Bench Visitor"),
        sensitive=_practitioner("camhs", "Bench Therapist"),
        essential=_practitioner("childrens_social_care", "Bench Social Worker"),
        index_manager_id="bench-index-manager",
        staff=invented_staff(SEED),
    )
    return list(synthetic_children(count=count, seed=SEED, today=today, cast=cast, taken_nhs=set()))


def _prefixes(values: Sequence[str], length: int, rng: random.Random) -> list[str]:
    """Up to ``QUERIES_PER_GROUP`` distinct prefixes, from the values at least that long."""
    distinct = sorted({v[:length] for v in values if len(v) >= length})
    rng.shuffle(distinct)
    return distinct[:QUERIES_PER_GROUP]


def query_groups(records: Sequence[ChildRecord], rng: random.Random) -> dict[str, list[str]]:
    """What is typed, by group: ``family_3`` is the first three letters of family names."""
    family = [r.family_name for r in records]
    given = [r.given_names.split(" ")[0] for r in records]
    postcodes = [r.address.postcode for r in records if r.address]
    dobs = [r.date_of_birth.strftime("%d/%m/%Y") for r in records]
    groups: dict[str, list[str]] = {}
    for length in PREFIX_LENGTHS:
        groups[f"family_{length}"] = _prefixes(family, length, rng)
        groups[f"given_{length}"] = _prefixes(given, length, rng)
        groups[f"postcode_{length}"] = _prefixes(postcodes, length, rng)
        groups[f"dob_{length}"] = _prefixes(dobs, length, rng)
    sample = rng.sample(list(records), QUERIES_PER_GROUP)
    groups["dob_whole"] = [r.date_of_birth.strftime("%d/%m/%Y") for r in sample]
    groups["family_4_and_dob"] = [
        f"{r.family_name[:4]} {r.date_of_birth.strftime('%d/%m/%Y')}" for r in sample
    ]
    return groups


# -- the two caches --------------------------------------------------------------------------


@dataclass
class Subject:
    """One cache under test."""

    label: str
    cache: Cache

    @property
    def connection(self) -> Connection:
        """The cache's own connection, for the SQL-only comparison beneath the API."""
        return self.cache._db()


def _profile(root: Path, secrets: EphemeralSecretStore, name: str) -> Profile:
    return create_profile(
        username=f"bench-{name}",
        server_url="https://index.example.test",
        password=PASSWORD,
        secret_store=secrets,
        now=_now(),
        user_id="bench-user",
        params=CHEAP,
        root=root,
    )


@contextmanager
def caches(root: Path) -> Iterator[tuple[Subject, Subject]]:
    """An encrypted cache opened as the app opens it, and its unencrypted twin."""
    secrets = EphemeralSecretStore()
    encrypted = Cache.open(_profile(root, secrets, "encrypted"), PASSWORD, secrets, now=_now())
    try:
        connection = connect_unencrypted_for_benchmark(root / "unencrypted-benchmark.db")
        migrate(connection)
        plain = Cache(_profile(root, secrets, "unencrypted"), connection, secrets, _now)
    except BaseException:
        encrypted.destroy()
        raise
    try:
        for cache in (encrypted, plain):
            cache.record_contact(_now(), POLICY)
        yield Subject(LABELS[0], encrypted), Subject(LABELS[1], plain)
    finally:
        encrypted.destroy()
        plain.destroy()


# -- timing ----------------------------------------------------------------------------------


def _timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    action()
    return (time.perf_counter_ns() - started) / 1e6


def _p95(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


@dataclass
class Timings:
    """Per-call times in milliseconds, for each of the two caches."""

    samples: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in LABELS})

    def add(self, other: Timings) -> None:
        """Pool ``other``'s samples into these."""
        for label in LABELS:
            self.samples[label] += other.samples[label]

    def count(self) -> int:
        """Calls timed on each cache."""
        return len(self.samples[LABELS[0]])

    def p50(self, label: str) -> float:
        """The median, in ms."""
        return statistics.median(self.samples[label])

    def p95(self, label: str) -> float:
        """The 95th percentile, in ms."""
        return _p95(self.samples[label])

    def ratio(self) -> float:
        """Encrypted p95 ÷ unencrypted p95."""
        return self.p95(LABELS[0]) / self.p95(LABELS[1])


def _alternately(
    subjects: Sequence[Subject], action: Callable[[Subject], object], rounds: int, start: int = 0
) -> Timings:
    timings = Timings()
    for n in range(start, start + rounds):
        # Alternate who goes first, so neither always follows the other.
        for subject in subjects if n % 2 == 0 else subjects[::-1]:
            timings.samples[subject.label].append(_timed_ms(functools.partial(action, subject)))
    return timings


def _search(text: str, subject: Subject) -> object:
    return subject.cache.search(text)


def measure_search(subjects: Sequence[Subject], groups: dict[str, list[str]]) -> dict[str, Timings]:
    """Every query of every group, ``REPEATS`` times on each cache, alternately."""
    for texts in groups.values():  # warm-up: each query once on each cache, untimed
        for text in texts:
            _alternately(subjects, functools.partial(_search, text), 1)
    results: dict[str, Timings] = {}
    for name, texts in groups.items():
        results[name] = Timings()
        for n, text in enumerate(texts):
            results[name].add(_alternately(subjects, functools.partial(_search, text), REPEATS, n))
    return results


def _open(index_id: str, reason: AccessReason, subject: Subject) -> object:
    cache = subject.cache
    return cache.open_record(
        index_id, reason, actor_id="bench-user", device_id=cache.profile.device_id, now=_now()
    )


def measure_open(subjects: Sequence[Subject], records: Sequence[ChildRecord]) -> Timings:
    """``Cache.open_record`` on random children, with a valid reason, alternately."""
    reason = validate_access_reason("service_provision")
    chosen = [r.index_id for r in random.Random(SEED).sample(list(records), OPENS + WARM_UP_OPENS)]
    timings = Timings()
    for n, index_id in enumerate(chosen):
        once = _alternately(subjects, functools.partial(_open, index_id, reason), 1, n)
        if n >= WARM_UP_OPENS:
            timings.add(once)
    return timings


def _run_sql(statement: tuple[str, tuple[object, ...]], subject: Subject) -> object:
    return subject.connection.execute(*statement).fetchall()


def _sql_variant(
    subjects: Sequence[Subject], statements: Sequence[tuple[str, tuple[object, ...]]]
) -> Timings:
    for statement in statements:  # warm-up, untimed
        _alternately(subjects, functools.partial(_run_sql, statement), 1)
    timings = Timings()
    for n, statement in enumerate(statements):
        timings.add(_alternately(subjects, functools.partial(_run_sql, statement), REPEATS, n))
    return timings


def _set_cache_size(subjects: Sequence[Subject], kib: int) -> None:
    for subject in subjects:
        subject.connection.execute(f"PRAGMA cache_size = -{kib}")


def compare_hit_sources(
    subjects: Sequence[Subject], groups: dict[str, list[str]]
) -> dict[str, Timings]:
    """The search SQL alone: hits from the card index (now), from the rows (before v5)."""
    texts = [
        text
        for length in PREFIX_LENGTHS
        for kind in ("family", "given", "postcode")
        for text in groups[f"{kind}_{length}"]
    ]
    now = [s for s in (search._match_statement(search.parse_query(t), 50) for t in texts) if s]
    before = [(sql.replace(_CARD_HINT, ""), parameters) for sql, parameters in now]
    assert all(_CARD_HINT in sql for sql, _ in now)
    results = {
        "card_index": _sql_variant(subjects, now),
        "record_rows": _sql_variant(subjects, before),
    }
    _set_cache_size(subjects, _BIG_CACHE_KIB)
    try:
        results["record_rows_256mib_cache"] = _sql_variant(subjects, before)
    finally:
        _set_cache_size(subjects, CACHE_SIZE_KIB)
    return results


# -- the report ------------------------------------------------------------------------------


def _ms(value: float) -> float:
    return round(value, 3)


def _timings_report(prefix: str, timings: Timings) -> dict[str, Any]:
    return {
        f"{prefix}_count": timings.count(),
        f"{prefix}_p50_ms": _ms(timings.p50("encrypted")),
        f"{prefix}_p95_ms": _ms(timings.p95("encrypted")),
        f"{prefix}_unencrypted_p50_ms": _ms(timings.p50("unencrypted")),
        f"{prefix}_unencrypted_p95_ms": _ms(timings.p95("unencrypted")),
        f"{prefix}_p95_ratio": round(timings.ratio(), 2),
    }


def _search_report(results: dict[str, Timings]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    every = Timings()
    for name, timings in results.items():
        report.update(_timings_report(f"search_{name}", timings))
        every.add(timings)
    worst_p95 = max(t.p95("encrypted") for t in results.values())
    worst_ratio = max(t.ratio() for t in results.values())
    report.update(_timings_report("search_all", every))
    report.update(
        {
            "search_worst_group_p95_ms": _ms(worst_p95),
            "search_worst_group_p95_ratio": round(worst_ratio, 2),
            "goal_search_p95_under_5ms": worst_p95 < SEARCH_GOAL_MS,
            "goal_search_ratio_under_1_3": worst_ratio < RATIO_GOAL,
        }
    )
    return report


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _megabytes(subject: Subject) -> float:
    connection = subject.connection
    (pages,) = connection.execute("PRAGMA page_count").fetchone()
    (size,) = connection.execute("PRAGMA page_size").fetchone()
    return round(int(pages) * int(size) / 1e6, 1)


def run() -> dict[str, Any]:
    """Run the store benchmark; return the measured numbers."""
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "date": _now().date().isoformat(),
        "load_at_start": _load(),
        "children": CHILDREN,
    }
    started = time.perf_counter()
    records = synthetic_caseload(CHILDREN, _now().date())
    report["generate_seconds"] = round(time.perf_counter() - started, 2)
    groups = query_groups(records, random.Random(SEED))
    with (
        tempfile.TemporaryDirectory(prefix="everychild-bench-store-") as folder,
        caches(Path(folder)) as subjects,
    ):
        print(f"building two caches of {CHILDREN:,} children …", flush=True)
        for subject in subjects:
            started = time.perf_counter()
            stored = subject.cache.replace_all(records, "bench-cursor", now=_now())
            report[f"build_{subject.label}_seconds"] = round(time.perf_counter() - started, 2)
            report[f"file_{subject.label}_megabytes"] = _megabytes(subject)
            assert len(stored.upserted) == len(records)
        print("searching …", flush=True)
        report.update(_search_report(measure_search(subjects, groups)))
        print("opening records …", flush=True)
        opened = measure_open(subjects, records)
        report.update(_timings_report("open_record", opened))
        report["goal_open_p95_under_5ms"] = opened.p95("encrypted") < OPEN_GOAL_MS
        print("comparing where search hits are read from …", flush=True)
        for name, timings in compare_hit_sources(subjects, groups).items():
            report.update(_timings_report(f"search_sql_{name}", timings))
    report["load_at_end"] = _load()
    return report


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
