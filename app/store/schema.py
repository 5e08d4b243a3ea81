"""The cache's tables, built and upgraded by ordered steps; the version is ``user_version``.

``UPGRADES[n]`` takes a database from version ``n`` to ``n + 1``; a new database runs them
all. Each step runs in its own transaction together with the ``PRAGMA user_version`` that
records it, so a crash mid-upgrade leaves the previous version intact. A step, once
released, is never edited: a change to the schema is a new step at the end, and the tests
upgrade a populated database from every older version.

Tables (every one inside the encrypted file):

``records``       the caseload: each child's record exactly as the index sent it
                  (``server_json``), the same with pending local changes applied
                  (``local_json``, NULL when there are none), and the columns that
                  lists, sorting and search read without parsing JSON.
``record_search`` FTS5 index over ``records``' search columns (``search.py``); the
                  ``records_search_card`` index holds the narrow columns a hit shows.
``pins``          records this user pinned on this device.
``sync_state``    one row: pull cursor, last successful contact, last successful sync,
                  the index's last digest, and the anchor of the local audit chain once
                  its oldest pushed entries have been pruned.
``device_policy`` one row: idle lock, offline lease, wipe limit, reception-desk flag.
``outbox``        mutations and audit entries waiting to be pushed, in order.
``conflicts``     changes the index refused as conflicts, until the user resolves them.
``audit_chain``   the local hash chain ``device:<device id>`` (``app.domain.audit``).
``signed_in_user`` one row: who the index last signed in on this profile, and when, so an
                  offline session knows the user's roles and service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence

import sqlcipher3

from app.domain.records import ChildRecord
from app.store import caseload
from app.store.database import Connection, transaction
from app.store.errors import StoreError
from app.store.search import index_terms

log = logging.getLogger(__name__)


def _run_script(connection: Connection, script: str) -> None:
    # Not executescript(): that commits first, and each step must be one transaction.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlcipher3.complete_statement(statement):
            connection.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError("incomplete SQL statement in a schema step")


def _v1_caseload(connection: Connection) -> None:
    _run_script(
        connection,
        """
        -- FTS5 addresses rows by integer rowid; an INTEGER PRIMARY KEY keeps that stable
        -- across VACUUM, and index_id stays the key everything else uses.
        CREATE TABLE records (
            rid INTEGER PRIMARY KEY,
            index_id TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL,
            server_json TEXT NOT NULL,
            local_json TEXT,
            given_names TEXT NOT NULL,
            family_name TEXT NOT NULL,
            date_of_birth TEXT NOT NULL,
            gender TEXT,
            town TEXT,
            postcode TEXT,
            nhs_number TEXT,
            shielded INTEGER NOT NULL,
            sort_family TEXT NOT NULL,
            sort_given TEXT NOT NULL,
            stored_at TEXT NOT NULL
        );
        CREATE INDEX records_by_name ON records (sort_family, sort_given, date_of_birth);
        CREATE INDEX records_by_nhs_number ON records (nhs_number)
            WHERE nhs_number IS NOT NULL;
        CREATE INDEX records_by_date_of_birth ON records (date_of_birth);

        CREATE TABLE pins (
            index_id TEXT PRIMARY KEY
                REFERENCES records (index_id) ON DELETE CASCADE,
            pinned_at TEXT NOT NULL
        );

        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            cursor TEXT,
            last_contact_at TEXT,
            last_digest_count INTEGER,
            last_digest_hash TEXT
        );
        INSERT INTO sync_state (id) VALUES (1);
        """,
    )


def _v2_outbox_and_audit(connection: Connection) -> None:
    _run_script(
        connection,
        """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('mutation', 'audit')),
            child_id TEXT,
            payload_json TEXT NOT NULL,
            actor_json TEXT,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'rejected')),
            rejected_code TEXT,
            rejected_message TEXT
        );
        CREATE INDEX outbox_pending ON outbox (status, seq);
        CREATE INDEX outbox_by_child ON outbox (child_id, status) WHERE child_id IS NOT NULL;

        CREATE TABLE conflicts (
            mutation_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            mutation_json TEXT NOT NULL,
            actor_json TEXT NOT NULL,
            current_json TEXT,
            created_at TEXT NOT NULL,
            resolved_at TEXT,
            resolution TEXT CHECK (resolution IN ('mine', 'theirs'))
        );

        CREATE TABLE audit_chain (
            position INTEGER PRIMARY KEY,
            entry_id TEXT NOT NULL UNIQUE,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            at TEXT NOT NULL,
            entry_json TEXT NOT NULL,
            pushed_at TEXT
        );

        -- Where the chain starts once its oldest pushed entries are pruned.
        ALTER TABLE sync_state ADD COLUMN audit_anchor_position INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_state ADD COLUMN audit_anchor_hash TEXT NOT NULL
            DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';

        CREATE TABLE device_policy (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            idle_lock_minutes INTEGER NOT NULL,
            offline_lease_hours INTEGER NOT NULL,
            wipe_after_days INTEGER NOT NULL,
            reception_desk INTEGER NOT NULL DEFAULT 0
        );
        """,
    )


_SEARCH_COLUMNS = ("names_norm", "phonetic", "dob_token", "postcode_token", "district_token")


def _v3_search(connection: Connection) -> None:
    for column in _SEARCH_COLUMNS:
        connection.execute(f"ALTER TABLE records ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    rows = connection.execute("SELECT rid, server_json FROM records").fetchall()
    for rid, server_json in rows:
        terms = index_terms(ChildRecord.model_validate(json.loads(server_json)))
        connection.execute(
            "UPDATE records SET names_norm = ?, phonetic = ?, dob_token = ?, "
            "postcode_token = ?, district_token = ? WHERE rid = ?",
            (
                terms.names_norm,
                terms.phonetic,
                terms.dob_token,
                terms.postcode_token,
                terms.district_token,
                rid,
            ),
        )
    columns = ", ".join(_SEARCH_COLUMNS)
    new_values = ", ".join(f"new.{c}" for c in _SEARCH_COLUMNS)
    old_values = ", ".join(f"old.{c}" for c in _SEARCH_COLUMNS)
    # External content: the index keeps no second copy of the terms, and triggers keep
    # it in step with every insert, upsert and delete of a record.
    _run_script(
        connection,
        f"""
        CREATE VIRTUAL TABLE record_search USING fts5 (
            {columns},
            content = 'records', content_rowid = 'rid',
            tokenize = 'unicode61', prefix = '3 4 6', detail = 'column'
        );
        CREATE TRIGGER records_search_insert AFTER INSERT ON records BEGIN
            INSERT INTO record_search (rowid, {columns}) VALUES (new.rid, {new_values});
        END;
        CREATE TRIGGER records_search_delete AFTER DELETE ON records BEGIN
            INSERT INTO record_search (record_search, rowid, {columns})
                VALUES ('delete', old.rid, {old_values});
        END;
        CREATE TRIGGER records_search_update AFTER UPDATE OF {columns} ON records BEGIN
            INSERT INTO record_search (record_search, rowid, {columns})
                VALUES ('delete', old.rid, {old_values});
            INSERT INTO record_search (rowid, {columns}) VALUES (new.rid, {new_values});
        END;
        INSERT INTO record_search (record_search) VALUES ('rebuild');
        """,  # noqa: S608 - only the constant column names are interpolated
    )


def _v4_last_sync(connection: Connection) -> None:
    # Left NULL ("not known") in a cache from before: a contact is not a whole sync, and
    # showing the last contact instead would make the offline copy look fresher than it is.
    connection.execute("ALTER TABLE sync_state ADD COLUMN last_sync_at TEXT")


def _v5_search_card(connection: Connection) -> None:
    # A narrow copy of what search reads, kept by SQLite itself. Each records row carries
    # the whole record as JSON (about 1.2 kB), so a search matching thousands of children
    # read as many scattered pages of a table far bigger than the page cache, and every
    # page missed had to be decrypted again: up to three times the unencrypted p95 at 50,000
    # children. Keyed by rid, this index is a covering lookup for the FTS5 rowids, and at
    # about 5 MB for 50,000 children (the table: about 90 MB) it stays in the page cache.
    # Measured before and after in docs/performance.md, "Desktop client cache".
    # Spelt out rather than built from a shared constant: a released step never changes.
    _run_script(
        connection,
        """
        CREATE INDEX records_search_card ON records (
            rid, index_id, given_names, family_name, date_of_birth, gender, town, postcode,
            shielded, sort_family, sort_given, names_norm
        );
        """,
    )


def _v6_list_columns_and_user(connection: Connection) -> None:
    # The caseload list shows each child's postcode district, lead professional and
    # number of indicators; reading them from every row's JSON would cost milliseconds
    # per thousand children on each refresh, so they are columns, filled in here from
    # what the user sees (pending local changes applied).
    _run_script(
        connection,
        """
        ALTER TABLE records ADD COLUMN postcode_district TEXT;
        ALTER TABLE records ADD COLUMN lead_professional TEXT;
        ALTER TABLE records ADD COLUMN indicator_count INTEGER NOT NULL DEFAULT 0;

        -- Actions offered offline are judged by the rules against the user's roles and
        -- service, which only the index can tell: its last answer is kept here.
        CREATE TABLE signed_in_user (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            user_json TEXT NOT NULL,
            confirmed_at TEXT NOT NULL
        );
        """,
    )
    rows = connection.execute("SELECT rid, coalesce(local_json, server_json) FROM records")
    for rid, shown in rows.fetchall():
        district, lead, indicators = caseload.list_columns(
            ChildRecord.model_validate(json.loads(shown))
        )
        connection.execute(
            "UPDATE records SET postcode_district = ?, lead_professional = ?, "
            "indicator_count = ? WHERE rid = ?",
            (district, lead, indicators, rid),
        )


UPGRADES: Sequence[Callable[[Connection], None]] = (
    _v1_caseload,
    _v2_outbox_and_audit,
    _v3_search,
    _v4_last_sync,
    _v5_search_card,
    _v6_list_columns_and_user,
)
LATEST_VERSION = len(UPGRADES)


def version(connection: Connection) -> int:
    """The schema version the database is at."""
    (current,) = connection.execute("PRAGMA user_version").fetchone()
    return int(current)


def migrate(connection: Connection, *, target: int = LATEST_VERSION) -> None:
    """Bring the database up to ``target``, one recorded step at a time."""
    current = version(connection)
    if current > LATEST_VERSION:
        raise StoreError("cache_too_new")
    for step in range(current, target):
        with transaction(connection):
            UPGRADES[step](connection)
            connection.execute(f"PRAGMA user_version = {step + 1}")
        log.info("cache schema upgraded to version %d", step + 1)
