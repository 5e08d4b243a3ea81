"""The ``records`` and ``pins`` tables: the cached caseload, row by row.

Every function takes the open connection and runs inside the caller's transaction; none
commits. A record is stored as the index sent it (``server_json``) together with the
columns lists and search read (names, date of birth, postcode, the search terms), and,
while local changes are pending, the record with those changes applied (``local_json``).
The caseload list's own columns — postcode district, lead professional, indicator count
— follow what the user sees: the record with pending local changes applied.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from app.domain.errors import DomainError
from app.domain.names import normalise_name
from app.domain.records import ChildRecord
from app.domain.retention import is_due_for_destruction
from app.domain.validators import postcode_district
from app.store.database import Connection
from app.store.models import CaseloadRow
from app.store.search import index_terms

_UPSERT = """
INSERT INTO records (
    index_id, version, server_json, local_json, given_names, family_name, date_of_birth,
    gender, town, postcode, nhs_number, shielded, sort_family, sort_given, stored_at,
    names_norm, phonetic, dob_token, postcode_token, district_token,
    postcode_district, lead_professional, indicator_count
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (index_id) DO UPDATE SET
    version = excluded.version,
    server_json = excluded.server_json,
    local_json = excluded.local_json,
    given_names = excluded.given_names,
    family_name = excluded.family_name,
    date_of_birth = excluded.date_of_birth,
    gender = excluded.gender,
    town = excluded.town,
    postcode = excluded.postcode,
    nhs_number = excluded.nhs_number,
    shielded = excluded.shielded,
    sort_family = excluded.sort_family,
    sort_given = excluded.sort_given,
    stored_at = excluded.stored_at,
    names_norm = excluded.names_norm,
    phonetic = excluded.phonetic,
    dob_token = excluded.dob_token,
    postcode_token = excluded.postcode_token,
    district_token = excluded.district_token,
    postcode_district = excluded.postcode_district,
    lead_professional = excluded.lead_professional,
    indicator_count = excluded.indicator_count
"""


def timestamp(moment: datetime) -> str:
    """How the cache stores a moment: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


def list_columns(record: ChildRecord) -> tuple[str | None, str | None, int]:
    """The caseload list's postcode district, lead professional and indicator count.

    Only active involvements count: an indicator on an involvement that has ended no
    longer asks anyone to get in touch, and an ended lead is no longer the lead.
    """
    district = None
    if record.address is not None:
        try:
            district = postcode_district(record.address.postcode)
        except DomainError:
            # Not a postcode the validator knows: the list shows no district rather than
            # a wrong one.
            district = None
    active = [i for i in record.involvements if i.active]
    lead = next((i.practitioner_name for i in active if i.is_lead), None)
    return district, lead, sum(len(i.indicators) for i in active)


def _row(record: ChildRecord, local: ChildRecord | None, stored_at: str) -> tuple[object, ...]:
    terms = index_terms(record)
    address = record.address
    return (
        record.index_id,
        record.version,
        record.model_dump_json(),
        None if local is None else local.model_dump_json(),
        record.given_names,
        record.family_name,
        record.date_of_birth.isoformat(),
        record.gender,
        address.town if address else None,
        address.postcode if address else None,
        record.nhs_number,
        int(record.shielded),
        normalise_name(record.family_name),
        normalise_name(record.given_names),
        stored_at,
        terms.names_norm,
        terms.phonetic,
        terms.dob_token,
        terms.postcode_token,
        terms.district_token,
        *list_columns(local or record),
    )


def upsert(connection: Connection, records: Iterable[ChildRecord], *, now: datetime) -> list[str]:
    """Store records as the index sent them (no local changes applied); return their ids."""
    stored_at = timestamp(now)
    rows = [_row(record, None, stored_at) for record in records]
    connection.executemany(_UPSERT, rows)
    return [str(row[0]) for row in rows]


def remove(connection: Connection, index_ids: Sequence[str]) -> list[str]:
    """Delete these records (and their pins); return the ids that were cached."""
    removed = []
    for index_id in index_ids:
        cursor = connection.execute("DELETE FROM records WHERE index_id = ?", (index_id,))
        if cursor.rowcount:
            removed.append(index_id)
    return removed


def is_cached(connection: Connection, index_id: str) -> bool:
    """True if the record is in the cache."""
    row = connection.execute("SELECT 1 FROM records WHERE index_id = ?", (index_id,)).fetchone()
    return row is not None


def cached_ids(connection: Connection) -> set[str]:
    """Every cached index id."""
    return {row[0] for row in connection.execute("SELECT index_id FROM records")}


def server_copy(connection: Connection, index_id: str) -> ChildRecord | None:
    """The record exactly as the index last sent it."""
    row = connection.execute(
        "SELECT server_json FROM records WHERE index_id = ?", (index_id,)
    ).fetchone()
    return None if row is None else ChildRecord.model_validate(json.loads(row[0]))


def current_view(connection: Connection, index_id: str) -> ChildRecord | None:
    """The record as the user sees it: with pending local changes applied."""
    row = connection.execute(
        "SELECT coalesce(local_json, server_json) FROM records WHERE index_id = ?", (index_id,)
    ).fetchone()
    return None if row is None else ChildRecord.model_validate(json.loads(row[0]))


def set_local_view(connection: Connection, index_id: str, view: ChildRecord | None) -> None:
    """Store the record with local changes applied, or ``None`` when there are none."""
    shown = view if view is not None else server_copy(connection, index_id)
    district, lead, indicators = list_columns(shown) if shown is not None else (None, None, 0)
    connection.execute(
        "UPDATE records SET local_json = ?, postcode_district = ?, lead_professional = ?, "
        "indicator_count = ? WHERE index_id = ?",
        (None if view is None else view.model_dump_json(), district, lead, indicators, index_id),
    )


_ROWS = """
SELECT r.index_id, r.given_names, r.family_name, r.date_of_birth, r.shielded,
       p.index_id IS NOT NULL, count(o.seq), r.version,
       r.postcode_district, r.lead_professional, r.indicator_count
FROM records r
LEFT JOIN pins p ON p.index_id = r.index_id
LEFT JOIN outbox o
    ON o.child_id = r.index_id AND o.kind = 'mutation' AND o.status = 'pending'
"""


def rows(connection: Connection, index_id: str | None = None) -> list[CaseloadRow]:
    """The caseload list (or one child's row), by family name, given names and date of birth."""
    where, parameters = ("WHERE r.index_id = ?", (index_id,)) if index_id else ("", ())
    result = connection.execute(
        f"{_ROWS} {where} GROUP BY r.rid "
        "ORDER BY r.sort_family, r.sort_given, r.date_of_birth, r.index_id",
        parameters,
    )
    return [
        CaseloadRow(
            index_id=child_id,
            given_names=given,
            family_name=family,
            date_of_birth=date.fromisoformat(dob),
            shielded=bool(shielded),
            pinned=bool(pinned),
            pending_changes=pending,
            version=version,
            postcode_district=district,
            lead_professional=lead,
            indicator_count=indicators,
        )
        for (
            child_id,
            given,
            family,
            dob,
            shielded,
            pinned,
            pending,
            version,
            district,
            lead,
            indicators,
        ) in result
    ]


def versions(connection: Connection) -> list[tuple[str, int]]:
    """``(index id, version)`` of every cached record, for the caseload digest."""
    return [
        (str(i), int(v)) for i, v in connection.execute("SELECT index_id, version FROM records")
    ]


def due_for_destruction(connection: Connection, today: date) -> list[str]:
    """Ids of cached children who have reached the retention age (PRODUCT.md §2)."""
    # Anyone who could be 19 has a birth year at least 18 before this one; the domain
    # rule then decides each candidate exactly.
    latest = date(today.year - 18, 12, 31).isoformat()
    candidates = connection.execute(
        "SELECT index_id, date_of_birth FROM records WHERE date_of_birth <= ?", (latest,)
    ).fetchall()
    return [
        index_id
        for index_id, dob in candidates
        if is_due_for_destruction(date.fromisoformat(dob), today)
    ]


def pin(connection: Connection, index_id: str, *, now: datetime) -> None:
    """Note that the user pinned this record on this device."""
    connection.execute(
        "INSERT INTO pins (index_id, pinned_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (index_id, timestamp(now)),
    )


def unpin(connection: Connection, index_id: str) -> None:
    """Forget the pin; the record stays until the index takes it out of the caseload."""
    connection.execute("DELETE FROM pins WHERE index_id = ?", (index_id,))
