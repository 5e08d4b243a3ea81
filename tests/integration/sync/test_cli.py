"""The support command line: ``python -m app sync|status|verify-audit`` against the real index."""

from __future__ import annotations

import getpass
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import PASSWORD_ENV, CliContext, main
from app.domain.audit import AuditAction
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.profiles import Profile, list_profiles
from tests.integration.sync.world import CHEAP, PASSWORD, Staff, World, raw_cache, utcnow
from tests.support.live_server import ROOT, LiveServer

#: Every name World gives children and their carers: none may ever be printed.
CHILD_NAMES = ("Synthwood", "Testmoor", "Fakehill", "Mockford", "Parentsynth", "Example Road")


@pytest.fixture
def store() -> EphemeralSecretStore:
    return EphemeralSecretStore()


@pytest.fixture
def context(store: EphemeralSecretStore) -> CliContext:
    return CliContext(secret_store=lambda: store, argon2_params=CHEAP, password=lambda: PASSWORD)


class Cli:
    """Runs commands in this process and keeps what they printed."""

    def __init__(self, capsys: pytest.CaptureFixture[str], root: Path) -> None:
        self.capsys = capsys
        self.root = root
        self.printed = ""

    def __call__(self, context: CliContext, *argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--data-dir", str(self.root)], context=context)
        out, err = self.capsys.readouterr()
        self.printed += out + err
        return code, out, err

    def signed_up(self, context: CliContext, staff: Staff, server_url: str) -> Profile:
        code, _, err = self(context, "sync", "--profile", staff.username, "--server", server_url)
        assert code == 0, err
        (profile,) = [p for p in list_profiles(self.root) if p.user_id == staff.id]
        return profile


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    return Cli(capsys, tmp_path / "profiles")


def test_sync_creates_the_profile_then_syncs_and_prints_ids_and_counts_only(
    world: World, live_index: LiveServer, context: CliContext, cli: Cli
) -> None:
    pat = world.staff()
    world.children(pat, 4)

    code, out, err = cli(context, "sync", "--profile", pat.username, "--server", live_index.url)

    assert code == 0, err
    (profile,) = list_profiles(cli.root)
    assert profile.user_id == pat.id
    assert f"created profile {profile.profile_id}" in out
    assert f"synced profile {profile.profile_id}" in out
    assert "pulled 4 records" in out

    code, again, err = cli(context, "sync", "--profile", pat.username)
    assert code == 0, err
    assert "pulled 0 records" in again

    code, listed, _ = cli(context, "status")
    assert code == 0
    assert listed.splitlines() == [
        f"profile {profile.profile_id}  user {pat.id}  device {profile.device_id}  "
        f"server {live_index.url}",
        "1 profile",
    ]

    code, shown, _ = cli(context, "status", "--profile", profile.profile_id)
    assert code == 0
    assert "records 4" in shown.splitlines()
    assert "pending 0  rejected 0  conflicts 0" in shown.splitlines()
    assert "offline lease: ok" in shown

    code, verified, _ = cli(context, "verify-audit", "--profile", pat.username)
    assert code == 0
    assert verified.strip() == f"audit chain device:{profile.device_id}: intact"

    for name in (*CHILD_NAMES, pat.username, "Test Practitioner"):
        assert name not in cli.printed


def test_verify_audit_names_the_first_broken_link(
    world: World,
    live_index: LiveServer,
    context: CliContext,
    store: EphemeralSecretStore,
    cli: Cli,
) -> None:
    pat = world.staff()
    profile = cli.signed_up(context, pat, live_index.url)
    cache = Cache.open(profile, PASSWORD, store, now=utcnow())
    for action in (AuditAction.UNLOCK, AuditAction.LOCK, AuditAction.UNLOCK):
        cache.audit_event(action, actor_id=pat.id, now=utcnow())
    cache.close()
    with raw_cache(profile, store) as connection:
        entry_id, entry_json = connection.execute(
            "SELECT entry_id, entry_json FROM audit_chain WHERE position = 2"
        ).fetchone()
        tampered = json.loads(entry_json) | {"action": "unlock"}
        connection.execute(
            "UPDATE audit_chain SET entry_json = ? WHERE position = 2", (json.dumps(tampered),)
        )

    code, out, _ = cli(context, "verify-audit", "--profile", pat.username)

    assert code == 1
    assert out.startswith(
        f"audit chain device:{profile.device_id}: broken at position 2 (entry {entry_id}):"
    )


def test_the_password_comes_from_the_environment_or_a_prompt(
    world: World,
    live_index: LiveServer,
    store: EphemeralSecretStore,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pat = world.staff()
    context = CliContext(secret_store=lambda: store, argon2_params=CHEAP)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    cli.signed_up(context, pat, live_index.url)

    monkeypatch.delenv(PASSWORD_ENV)
    prompts: list[str] = []

    def typed(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSWORD

    monkeypatch.setattr(getpass, "getpass", typed)
    code, _, err = cli(context, "sync", "--profile", pat.username)

    assert code == 0, err
    assert prompts == ["Everychild password: "]


def test_expected_trouble_is_one_line_and_a_failure_status(
    world: World, live_index: LiveServer, context: CliContext, cli: Cli
) -> None:
    pat = world.staff()

    code, _, err = cli(context, "sync", "--profile", pat.username)
    assert code == 1
    assert err.startswith("everychild: There is no such profile on this computer.")

    wrong = CliContext(
        secret_store=context.secret_store, argon2_params=CHEAP, password=lambda: "Not-it-at-all-1"
    )
    code, _, err = cli(wrong, "sync", "--profile", pat.username, "--server", live_index.url)
    assert code == 1
    assert err.strip().endswith("[invalid_credentials]")
    assert list_profiles(cli.root) == []  # a wrong password creates nothing

    profile = cli.signed_up(context, pat, live_index.url)
    code, _, err = cli(wrong, "status", "--profile", pat.username)
    assert code == 1
    assert err.strip().endswith("[wrong_password]")

    world.revoke_device(pat, profile.device_id)
    code, _, err = cli(context, "sync", "--profile", pat.username)
    assert code == 1
    assert err.strip().endswith("[device_revoked]")
    assert list_profiles(cli.root) == []
    assert len(err.strip().splitlines()) == 1


def test_python_dash_m_app_dispatches_to_the_support_commands(tmp_path: Path) -> None:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    listed = run("status", "--data-dir", str(tmp_path))
    assert (listed.returncode, listed.stdout) == (0, "0 profiles\n")

    missing = run("verify-audit", "--profile", "nobody", "--data-dir", str(tmp_path))
    assert missing.returncode == 1
    assert "no such profile" in missing.stderr

    usage = run("sync")
    assert usage.returncode == 2
    assert "--profile" in usage.stderr

    demo = run("demo", "--help")
    assert demo.returncode == 0
    assert "--children" in demo.stdout
