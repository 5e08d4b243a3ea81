"""A real PostgreSQL server for the test suite, started on demand.

``EVERYCHILD_TEST_POSTGRES_URL`` wins if set. Otherwise, where Debian's cluster tools are
installed and we may use them (root), a dedicated cluster ``everychild_test`` is created
once (trust authentication on loopback only) and started. Each test gets its own database
cloned from a migrated template, so tests are isolated and fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg

CLUSTER = "everychild_test"
PORT = int(os.environ.get("EVERYCHILD_TEST_POSTGRES_PORT", "54329"))
#: Databases made by a test run carry its process id, so concurrent runs never collide
#: and a killed run's leftovers can be recognised and dropped by the next run.
PREFIX = "ectest"
TEMPLATE = f"{PREFIX}_{os.getpid()}_template"


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server can be used here, and why."""


def _pg_version() -> str:
    versions = sorted(p.name for p in Path("/usr/lib/postgresql").glob("*") if p.name.isdigit())
    if not versions:
        raise PostgresUnavailableError("PostgreSQL is not installed (apt-get install postgresql)")
    return versions[-1]


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def ensure_server() -> str:
    """Return an admin URL (``postgresql+psycopg://…/postgres``) of a running server."""
    url = os.environ.get("EVERYCHILD_TEST_POSTGRES_URL")
    if url:
        return url
    if shutil.which("pg_createcluster") is None:
        raise PostgresUnavailableError("Debian's PostgreSQL cluster tools are not installed")
    if os.geteuid() != 0:
        raise PostgresUnavailableError(
            "set EVERYCHILD_TEST_POSTGRES_URL, or run as root so the suite can start a cluster"
        )
    version = _pg_version()
    clusters = _run("pg_lsclusters", "--no-header")
    mine = [line.split() for line in clusters.splitlines() if line.split()[1:2] == [CLUSTER]]
    if not mine:
        _run(
            "pg_createcluster",
            version,
            CLUSTER,
            "--port",
            str(PORT),
            "--",
            "--auth-local=trust",
            "--auth-host=trust",
            "--encoding=UTF8",
        )
        conf = Path(f"/etc/postgresql/{version}/{CLUSTER}/conf.d/everychild-test.conf")
        conf.write_text(
            "listen_addresses = '127.0.0.1'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "max_connections = 200\n"
        )
        mine = [[version, CLUSTER, str(PORT), "down"]]
    version, _, port, status = mine[0][:4]
    if status != "online":
        _run("pg_ctlcluster", version, CLUSTER, "start")
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def create_database(admin_url: str, *, template: str | None = None) -> str:
    """Create a fresh database (from ``template`` if given) and return its URL."""
    name = f"{PREFIX}_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        suffix = f" TEMPLATE {template}" if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')  # name is generated above
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``create_database`` (connections are terminated)."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_stale_databases(admin_url: str) -> None:
    """Drop databases left behind by test runs that no longer exist."""
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{PREFIX}_%",)
            )
        ]
        for name in names:
            pid = name.split("_")[1]
            if pid.isdigit() and not _alive(int(pid)):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_template(admin_url: str, migrate: object) -> str:
    """Create this run's migrated template database; ``migrate(url)`` migrates it."""
    drop_stale_databases(admin_url)
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{TEMPLATE}"
    assert callable(migrate)
    migrate(url)
    return TEMPLATE


def drop_template(admin_url: str) -> None:
    """Drop this run's template database."""
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')


def reset_database(url: str) -> None:
    """Empty every table of a migrated database, as if it were freshly migrated.

    Connections a previous test left open are ended first, so a leak cannot block the
    reset. The audit table refuses TRUNCATE by trigger; as the superuser, the reset sets
    ``session_replication_role = replica`` for its own transaction to bypass it.
    """
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
