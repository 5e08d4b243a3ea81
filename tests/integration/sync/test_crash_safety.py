"""Crash safety: the client killed with SIGKILL at random points of a sync, again and again.

PRODUCT.md §6 and §9: "a crash or a dropped connection at any point loses nothing and
duplicates nothing". Each round the practitioner works offline (audit entries, changes to
records), the index changes meanwhile, and ``python -m app sync`` runs in a child process
that is killed after a random delay — before, during or after its pushes and pulls. At
the end one sync runs to completion, and the index's own database must hold every change
and every audit entry exactly once, with the device's chain intact, and the cache must
match the index's caseload digest.

The seed is random per run and shown on failure; set ``EVERYCHILD_CRASH_SEED`` to replay.
"""

from __future__ import annotations

import json
import os
import random
import select
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import IO

import pytest

from app.domain.audit import AuditAction
from app.domain.changes import Mutation, SetIndicator
from app.domain.reasons import validate_access_reason
from app.domain.records import IndicatorKind
from app.store.cache import Cache
from app.store.profiles import Profile
from tests.integration.sync.world import (
    PASSWORD,
    Staff,
    World,
    local_audit_ids,
    make_device,
    utcnow,
)
from tests.support.live_server import ROOT, LiveServer

KILLS = 15
#: Seconds to wait for a client process to start syncing, or to finish.
PROCESS_DEADLINE = 30.0


def _work_offline(
    cache: Cache, profile: Profile, staff: Staff, rng: random.Random
) -> list[Mutation]:
    """A practitioner's offline session: unlocks and locks, records opened and changed."""
    for n in range(24):
        action = AuditAction.UNLOCK if n % 2 == 0 else AuditAction.LOCK
        cache.audit_event(action, actor_id=staff.id, now=utcnow())
    made = []
    for row in rng.sample(cache.caseload(), 3):
        record = cache.open_record(
            row.index_id,
            validate_access_reason("service_provision"),
            actor_id=staff.id,
            device_id=profile.device_id,
            now=utcnow(),
        )
        own = next(i for i in record.involvements if i.practitioner_id == staff.id)
        mutation = Mutation(
            id=uuid.uuid4().hex,
            child_id=row.index_id,
            created_at=utcnow(),
            payload=SetIndicator(
                indicator_id=uuid.uuid4().hex,
                involvement_id=own.id,
                indicator=rng.choice(list(IndicatorKind)),
            ),
        )
        cache.apply_local_change(mutation, actor=staff.as_user(), now=utcnow())
        made.append(mutation)
    return made


def _client_command(secrets: Path, profile: Profile) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.integration.sync.driver",
        "--secrets",
        str(secrets),
        "sync",
        "--profile",
        profile.profile_id,
        "--data-dir",
        str(profile.folder.parent.parent),
        # Small batches and pages: many steps for a kill to land between, or in.
        "--batch-size",
        "4",
        "--page-size",
        "3",
        "--retries",
        "2",
        "--progress",
    ]


def _environment() -> dict[str, str]:
    return {**os.environ, "EVERYCHILD_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}


def _first_line(stream: IO[str], deadline: float) -> str:
    ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
    return stream.readline() if ready else ""


def _sync_and_kill(command: list[str], delay: float, log: IO[str]) -> str:
    """Start a sync, kill it ``delay`` seconds after it starts; where it was when killed."""
    with subprocess.Popen(
        command, cwd=ROOT, env=_environment(), stdout=subprocess.PIPE, stderr=log, text=True
    ) as client:
        assert client.stdout is not None
        started = _first_line(client.stdout, time.monotonic() + PROCESS_DEADLINE)
        if not started.startswith("syncing profile"):
            client.kill()
            pytest.fail(f"the client did not start syncing: {started!r}")
        time.sleep(delay)
        client.kill()
        client.wait()
        rest = client.stdout.read()
    return "finished" if "synced profile" in rest else "killed"


def _last_phase(log_path: Path) -> str:
    lines = log_path.read_text(encoding="utf-8").splitlines()
    steps = [line.split()[0] for line in lines if line.startswith(("push ", "pull ", "resync "))]
    return steps[-1] if steps else "before any answer"


@pytest.mark.slow
def test_killing_the_client_mid_sync_loses_nothing_and_applies_nothing_twice(
    world: World, live_index: LiveServer, tmp_path: Path
) -> None:
    seed = int(os.environ.get("EVERYCHILD_CRASH_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    pat = world.staff()
    caseload = world.children(pat, 24)
    laptop = make_device(pat, live_index.url, tmp_path / "computer", page_size=8)
    laptop.engine.sync_now()
    profile, store = laptop.profile, laptop.secret_store
    laptop.close()
    secret = store.get(profile.profile_id)
    assert secret is not None
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({profile.profile_id: secret.hex()}), encoding="utf-8")
    command = _client_command(secrets, profile)
    made: list[Mutation] = []
    outcomes: Counter[str] = Counter()

    for round_ in range(KILLS):
        cache = Cache.open(profile, PASSWORD, store, now=utcnow())
        try:
            made += _work_offline(cache, profile, pat, rng)
        finally:
            cache.close()
        world.touch(rng.sample(caseload, 8))
        caseload += world.children(pat, 2)
        log_path = tmp_path / f"client-{round_}.log"
        with log_path.open("w", encoding="utf-8") as log:
            outcome = _sync_and_kill(command, rng.uniform(0.0, 0.6), log)
        outcomes[outcome if outcome == "finished" else _last_phase(log_path)] += 1

    final = subprocess.run(
        command,
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=PROCESS_DEADLINE,
        check=False,
    )

    context = f"seed {seed}; kills landed: {dict(outcomes)}; client said: {final.stderr[-500:]}"
    assert final.returncode == 0, context
    assert "synced profile" in final.stdout, context
    assert outcomes["finished"] < KILLS, context  # the kills did land mid-sync
    cache = Cache.open(profile, PASSWORD, store, now=utcnow())
    try:
        assert cache.pending_count() == 0, context
        assert cache.rejected() == [], context
        assert cache.conflicts() == [], context
        assert cache.digest() == world.caseload_digest(pat.id), context
    finally:
        cache.close()
    assert sorted(world.applied_mutations(pat.id)) == sorted(m.id for m in made), context
    indicators = [m.payload.indicator_id for m in made if isinstance(m.payload, SetIndicator)]
    assert sorted(world.indicators_set_by(pat.id)) == sorted(indicators), context
    local = local_audit_ids(profile, store)
    assert len(local) == KILLS * (24 + 3 + 3), context
    assert world.device_audit(profile.device_id) == local, context
    assert world.device_chain_intact(profile.device_id), context
