"""Opening the SQLCipher cache file, and running transactions on it.

One long-lived connection per open profile. It belongs to the thread that opened it: the
desktop client opens and uses the cache from its single cache worker (STYLE.md, "all cache
access goes through one worker"), and sqlite's ``check_same_thread`` turns any other use
into an error instead of a race.

Settings, and why:

* ``PRAGMA key = "x'…'"`` — a raw 256-bit key, so SQLCipher skips its own slow KDF; the
  key is stretched once, by Argon2id, when it is unwrapped (``keys.py``).
* ``cipher_memory_security = OFF`` (SQLCipher's default since 4.5, set explicitly because
  it is process-wide). ON makes SQLCipher wipe and lock every allocation; measured here it
  made writes about eight times and searches about twice as slow, which would break the
  search-as-you-type budget. It guards against someone who can already read this
  process's memory; the threats the cache answers — a stolen or shared computer, a copied
  profile folder — are met by encryption at rest, and SQLCipher wipes its key material
  when the connection closes either way.
* ``temp_store = MEMORY`` — sorts and temporary tables never spill to plaintext files.
* ``journal_mode = WAL`` — the WAL is encrypted like the main file; readers do not block.
* ``synchronous = FULL`` — a change the user saw saved survives a power cut, not only a
  crash of the program (the outbox must lose nothing).
* ``secure_delete = ON`` — freed pages are zeroed, so deleted records do not linger even
  in encrypted form.
* ``foreign_keys = ON``, and a page cache big enough for a large caseload's search index.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlcipher3

from app.store.errors import StoreError

log = logging.getLogger(__name__)

#: sqlcipher3 mirrors the sqlite3 module's API; its connection is typed as sqlite3's.
Connection = sqlite3.Connection

#: 32 MiB of page cache (negative = KiB): a 50,000-child caseload's search index fits.
CACHE_SIZE_KIB = 32 * 1024


def _key_pragma(key: bytes | bytearray) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(path: Path, key: bytes | bytearray) -> Connection:
    """Open (or create) the cache at ``path`` with ``key``; ``cache_unreadable`` if it won't.

    Nothing is written unless the key opens the file: a wrong key or a damaged file is
    refused before any setting that could touch the disk is applied.
    """
    if not path.exists():
        # Created empty and owner-only; SQLCipher treats an empty file as a new database
        # and SQLite gives the -wal and -shm files the same permissions.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    connection: Connection = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        # SQLCipher's own log goes to stderr and would only add noise next to our error.
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute("PRAGMA cipher_memory_security = OFF")
        connection.execute(_key_pragma(key))
        connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlcipher3.DatabaseError as exc:
        connection.close()
        log.warning("cache file %s could not be opened: %s", path.name, exc)
        raise StoreError("cache_unreadable") from None
    try:
        _configure(connection)
    except sqlcipher3.DatabaseError as exc:
        connection.close()
        log.warning("cache file %s could not be configured: %s", path.name, exc)
        raise StoreError("cache_unreadable") from None
    return connection


def connect_unencrypted_for_benchmark(path: Path) -> Connection:
    """BENCHMARKS ONLY: a new **unencrypted** database, otherwise configured like the cache.

    ``bench/bench_store.py`` measures what encryption costs by running the same schema,
    indexes, FTS5 tables, queries and ``Cache`` methods on a plaintext file, differing
    only in having no key. Never use it for real data: nothing in ``app`` calls it (a
    test checks that), ``Cache.open`` and the profiles never reach it, and it refuses a
    file that already exists, so it can neither open a profile's cache nor write beside
    one that is in use.
    """
    # O_EXCL: a file that exists (a real cache, say) is refused rather than reused.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    connection: Connection = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        connection.execute("PRAGMA cipher_memory_security = OFF")
        _configure(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _configure(connection: Connection) -> None:
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("PRAGMA secure_delete = ON")
    connection.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
    (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
    if str(mode).lower() != "wal":
        raise sqlcipher3.DatabaseError(f"journal mode is {mode}")
    connection.execute("PRAGMA synchronous = FULL")


@contextmanager
def transaction(connection: Connection) -> Iterator[Connection]:
    """Run the block as one write transaction: all of it is saved, or none of it.

    ``BEGIN IMMEDIATE`` takes the write lock up front, so a transaction cannot fail
    half-way for want of it. Disk-full and damaged-file errors become ``StoreError``s.
    """
    with map_errors():
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


@contextmanager
def map_errors() -> Iterator[None]:
    """Turn SQLite's expected failures (disk full, damaged file) into ``StoreError``s."""
    try:
        yield
    except sqlcipher3.OperationalError as exc:
        if "full" in str(exc):
            raise StoreError("disk_full") from exc
        raise
    except sqlcipher3.DatabaseError as exc:
        if isinstance(exc, sqlcipher3.IntegrityError | sqlcipher3.ProgrammingError):
            raise
        log.warning("cache file error: %s", exc)
        raise StoreError("cache_unreadable") from exc
