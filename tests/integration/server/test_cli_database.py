"""``python -m server`` migrate and seed-demo, run in-process on SQLite and PostgreSQL.

What an operator sees: the exit status, one line of output or of error, and what the
database then holds. Seeding twice with the same seed must leave the same data.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from server.auth.models import UserRow
from server.children.models import ChildRow, IndicatorRow, InvolvementRow
from server.cli import main
from server.db import make_engine
from server.sync.models import ChangeRow
from tests.support import postgres

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    admin: str = request.getfixturevalue("postgres_admin_url")
    url = postgres.create_database(admin)
    yield url
    postgres.drop_database(admin, url)


def _table_counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return {
                model.__tablename__: int(
                    conn.execute(select(func.count()).select_from(model)).scalar_one()
                )
                for model in (UserRow, ChildRow, InvolvementRow, IndicatorRow, ChangeRow)
            }
    finally:
        engine.dispose()


def test_migrate_creates_the_schema_and_can_run_again(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--database-url", empty_database_url]) == 0
    assert main(["migrate", "--database-url", empty_database_url]) == 0

    out = capsys.readouterr().out
    assert "database is at the newest schema" in out
    engine = make_engine(empty_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"children", "involvements", "users", "audit_entries", "change_log"} <= tables


def test_seed_demo_twice_leaves_the_same_data(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["seed-demo", "--database-url", database_url, "--children", "50", "--seed", "7"]

    assert main(args) == 0
    first = capsys.readouterr().out
    after_first = _table_counts(database_url)
    assert main(args) == 0
    second = capsys.readouterr().out

    assert "Demo users: 7 created, 0 already there." in first
    assert "Children: 54 created, 0 already there (seed 7)." in first  # 4 showcase + 50
    assert "Demo users: 0 created, 7 already there." in second
    assert "Children: 0 created, 54 already there (seed 7)." in second
    assert after_first["users"] == 7
    assert after_first["children"] == 54
    assert _table_counts(database_url) == after_first


def test_seed_demo_on_an_empty_database_migrates_it_first(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed-demo", "--database-url", empty_database_url, "--children", "5"]) == 0

    assert "Children: 9 created" in capsys.readouterr().out
    assert _table_counts(empty_database_url)["children"] == 9


def test_another_seed_adds_children_but_never_a_second_showcase_child(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["seed-demo", "--database-url", database_url, "--children", "10"]
    assert main([*base, "--seed", "1"]) == 0
    assert main([*base, "--seed", "2"]) == 0

    assert "Children: 10 created, 4 already there (seed 2)." in capsys.readouterr().out
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            amelias = conn.execute(
                select(func.count()).where(
                    ChildRow.family_name == "Hart", ChildRow.given_names == "Amelia"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert amelias == 1


@pytest.mark.parametrize(
    ("url", "expected_status", "message"),
    [
        ("nonsense://somewhere/db", 2, "unsupported database 'nonsense'"),
        ("not a url at all", 2, "the database URL is not valid"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/everychild", 1, "could not use the database"),
        ("sqlite:////no/such/folder/index.db", 1, "the folder for the SQLite database"),
    ],
)
def test_an_unusable_database_url_is_one_clear_line(
    url: str, expected_status: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--database-url", url]) == expected_status

    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]
    assert "Traceback" not in captured.err


def test_a_password_in_the_url_is_never_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://someone:Secret-pass-99@127.0.0.1:1/everychild"

    assert main(["migrate", "--database-url", url]) == 1

    captured = capsys.readouterr()
    assert "Secret-pass-99" not in captured.err + captured.out


def test_commands_on_a_database_that_was_never_migrated_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"

    assert main(["retention", "--database-url", url]) == 1

    assert "run the 'migrate' command first" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_python_dash_m_server_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0
    for command in ("serve", "migrate", "seed-demo", "create-user", "retention"):
        assert command in result.stdout
    assert result.stderr == ""
