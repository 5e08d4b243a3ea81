"""The unencrypted twin the store benchmark compares against, and its fences.

``database.connect_unencrypted_for_benchmark`` exists only so ``bench/bench_store.py`` can
run the very same schema and queries without encryption. These tests pin down that it
really is the same database minus the key, and that the app can never reach it.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pytest

from app.store import schema
from app.store.cache import Cache
from app.store.database import Connection, connect, connect_unencrypted_for_benchmark
from app.store.profiles import Profile

ROOT = Path(__file__).resolve().parents[3]
SQLITE_HEADER = b"SQLite format 3\x00"


def _schema_of(connection: Connection) -> list[tuple[str, str, str]]:
    return sorted(
        connection.execute("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL")
    )


def test_same_schema_and_settings_as_the_cache_but_no_encryption(tmp_path: Path) -> None:
    encrypted = connect(tmp_path / "encrypted.db", secrets.token_bytes(32))
    plain = connect_unencrypted_for_benchmark(tmp_path / "plain.db")
    for connection in (encrypted, plain):
        schema.migrate(connection)

    assert _schema_of(plain) == _schema_of(encrypted)
    for pragma in ("journal_mode", "synchronous", "secure_delete", "cache_size", "temp_store"):
        sql = f"PRAGMA {pragma}"
        assert plain.execute(sql).fetchone() == encrypted.execute(sql).fetchone(), pragma
    encrypted.close()
    plain.close()
    assert (tmp_path / "plain.db").read_bytes().startswith(SQLITE_HEADER)
    assert not (tmp_path / "encrypted.db").read_bytes().startswith(SQLITE_HEADER)


def test_an_existing_file_such_as_a_real_cache_is_refused_untouched(
    profile: Profile, cache: Cache
) -> None:
    cache.close()
    before = hashlib.sha256(profile.database_path.read_bytes()).hexdigest()

    with pytest.raises(FileExistsError):
        connect_unencrypted_for_benchmark(profile.database_path)

    assert hashlib.sha256(profile.database_path.read_bytes()).hexdigest() == before


def test_nothing_in_the_app_uses_it() -> None:
    users = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "app").rglob("*.py")
        if "connect_unencrypted_for_benchmark" in path.read_text(encoding="utf-8")
    ]
    assert users == ["app/store/database.py"]
