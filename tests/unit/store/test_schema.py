"""Schema versions: a populated cache from every older version upgrades without loss."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from app.domain.records import Indicator, IndicatorKind
from app.store import caseload, schema, search
from app.store.cache import Cache
from app.store.database import Connection, connect
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import StoreError
from app.store.profiles import Profile
from tests.unit.store.conftest import (
    AMELIA,
    JOHN,
    NOW,
    PASSWORD,
    make_involvement,
    second_connection,
)


def _schema_of(connection: Connection) -> list[tuple[str, str, str]]:
    return sorted(
        connection.execute("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL")
    )


def _seed_version_1(connection: Connection) -> None:
    connection.execute(
        "INSERT INTO records (index_id, version, server_json, given_names, family_name, "
        "date_of_birth, shielded, sort_family, sort_given, stored_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        (
            AMELIA.index_id,
            AMELIA.version,
            AMELIA.model_dump_json(),
            AMELIA.given_names,
            AMELIA.family_name,
            AMELIA.date_of_birth.isoformat(),
            "featherstonehaugh",
            "ottoline amelia",
            NOW.isoformat(),
        ),
    )
    connection.execute(
        "INSERT INTO pins (index_id, pinned_at) VALUES (?, ?)", (AMELIA.index_id, NOW.isoformat())
    )
    connection.execute("UPDATE sync_state SET cursor = 'cursor-from-v1'")


def _seed_version_2(connection: Connection) -> None:
    connection.execute(
        "INSERT INTO outbox (item_id, kind, payload_json, created_at) "
        "VALUES ('audit-from-v2', 'audit', '{}', ?)",
        (NOW.isoformat(),),
    )


def _seed_version_3(connection: Connection) -> None:
    terms = search.index_terms(JOHN)
    connection.execute(
        "INSERT INTO records (index_id, version, server_json, given_names, family_name, "
        "date_of_birth, postcode, shielded, sort_family, sort_given, stored_at, names_norm, "
        "phonetic, dob_token, postcode_token, district_token) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            JOHN.index_id,
            JOHN.version,
            JOHN.model_dump_json(),
            JOHN.given_names,
            JOHN.family_name,
            JOHN.date_of_birth.isoformat(),
            "BN2 3CD",
            "smith",
            "johnathan",
            NOW.isoformat(),
            terms.names_norm,
            terms.phonetic,
            terms.dob_token,
            terms.postcode_token,
            terms.district_token,
        ),
    )
    connection.execute("UPDATE sync_state SET last_contact_at = ?", (NOW.isoformat(),))


def _seed_version_4(connection: Connection) -> None:
    connection.execute("UPDATE sync_state SET last_sync_at = ?", (SYNCED.isoformat(),))


#: Amelia as the user sees her with a change not yet pushed: a lead, and an indicator set.
AMELIA_LOCAL = AMELIA.model_copy(
    update={
        "involvements": (
            *AMELIA.involvements,
            make_involvement("inv-amelia-lead", practitioner_id="user-lead").model_copy(
                update={
                    "practitioner_name": "Lena Leadbetter",
                    "is_lead": True,
                    "indicators": (
                        Indicator(
                            id="ind-amelia-1",
                            kind=IndicatorKind.ACTION_UNDER_WAY,
                            set_by="user-lead",
                            set_by_name="Lena Leadbetter",
                            set_at=NOW,
                        ),
                    ),
                }
            ),
        )
    }
)


def _seed_version_5(connection: Connection) -> None:
    connection.execute(
        "UPDATE records SET local_json = ? WHERE index_id = ?",
        (AMELIA_LOCAL.model_dump_json(), AMELIA.index_id),
    )


SYNCED = NOW - timedelta(hours=2)
SEEDERS: dict[int, Callable[[Connection], None]] = {
    1: _seed_version_1,
    2: _seed_version_2,
    3: _seed_version_3,
    4: _seed_version_4,
    5: _seed_version_5,
}


def _fresh(path: Path) -> Connection:
    return connect(path, secrets.token_bytes(32))


def test_there_is_a_seeder_for_every_older_version() -> None:
    assert set(SEEDERS) == set(range(1, schema.LATEST_VERSION))


@pytest.mark.parametrize("start", range(schema.LATEST_VERSION))
def test_upgrading_from_every_older_version_keeps_the_data(tmp_path: Path, start: int) -> None:
    reference = _fresh(tmp_path / "reference.db")
    schema.migrate(reference)
    connection = _fresh(tmp_path / "old.db")
    for version in range(1, start + 1):
        schema.migrate(connection, target=version)
        SEEDERS[version](connection)

    schema.migrate(connection)

    assert schema.version(connection) == schema.LATEST_VERSION
    assert _schema_of(connection) == _schema_of(reference)
    if start >= 1:
        hits = search.search(connection, "feathers 14/03/2015")
        assert [h.index_id for h in hits] == [AMELIA.index_id]
        assert connection.execute("SELECT index_id FROM pins").fetchall() == [(AMELIA.index_id,)]
        assert connection.execute("SELECT cursor FROM sync_state").fetchone() == ("cursor-from-v1",)
    if start >= 2:
        assert connection.execute("SELECT item_id FROM outbox").fetchall() == [("audit-from-v2",)]
    if start >= 3:
        assert [h.index_id for h in search.search(connection, "smi")] == [JOHN.index_id]
        assert search.search(connection, "BN2 3C")[0].postcode_district == "BN2"
    (last_sync,) = connection.execute("SELECT last_sync_at FROM sync_state").fetchone()
    # Not known before version 4: never filled in from the last contact.
    assert last_sync == (SYNCED.isoformat() if start >= 4 else None)
    # Version 6's list columns are filled in from what the user sees (local changes too).
    listed = {row.index_id: row for row in caseload.rows(connection)}
    if start >= 1:
        amelia = listed[AMELIA.index_id]
        assert amelia.postcode_district == "BN1"
        assert (amelia.lead_professional, amelia.indicator_count) == (
            ("Lena Leadbetter", 1) if start >= 5 else (None, 0)
        )
    if start >= 3:
        assert listed[JOHN.index_id].postcode_district == "BN2"
    assert connection.execute("SELECT count(*) FROM signed_in_user").fetchone() == (0,)
    connection.close()
    reference.close()


def test_a_failing_step_leaves_the_previous_version_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = _fresh(tmp_path / "old.db")
    schema.migrate(connection, target=1)

    def broken(connection: Connection) -> None:
        connection.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("power cut")

    monkeypatch.setattr(schema, "UPGRADES", (schema.UPGRADES[0], broken))
    with pytest.raises(RuntimeError):
        schema.migrate(connection, target=2)

    assert schema.version(connection) == 1
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_schema")}
    assert "half_done" not in names
    connection.close()


def test_a_cache_from_a_newer_version_is_refused_and_kept(
    profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    Cache.open(profile, PASSWORD, secret_store, now=NOW).close()
    with second_connection(profile, secret_store) as connection:
        connection.execute(f"PRAGMA user_version = {schema.LATEST_VERSION + 1}")

    with pytest.raises(StoreError) as refused:
        Cache.open(profile, PASSWORD, secret_store, now=NOW)

    assert refused.value.code == "cache_too_new"
    with second_connection(profile, secret_store) as connection:
        assert schema.version(connection) == schema.LATEST_VERSION + 1


def test_search_reads_hits_from_the_narrow_card_index_not_the_record_rows(
    tmp_path: Path,
) -> None:
    connection = _fresh(tmp_path / "cache.db")
    schema.migrate(connection)
    statement = search._match_statement(search.parse_query("smi BN1"), 50)
    assert statement is not None

    plan = connection.execute(f"EXPLAIN QUERY PLAN {statement[0]}", statement[1]).fetchall()

    details = [row[-1] for row in plan]
    assert "SEARCH r USING COVERING INDEX records_search_card (rid=?)" in details
    connection.close()
