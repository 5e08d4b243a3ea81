"""The audit chain end to end: real actions are chained, and tampering is found and named.

Tampering goes straight at the database, as an intruder with database access would. On
PostgreSQL that needs a superuser who switches triggers off
(``session_replication_role = replica``), because the append-only trigger refuses it
otherwise (``test_audit_protection.py`` proves that part).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Executable, delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.audit import AuditAction, seal
from app.domain.roles import Role
from server.audit import trail
from server.audit.models import AuditRow
from server.db import make_engine, transaction
from tests.integration.server.conftest import PASSWORD, Clock, Users, sign_in

VERIFY = "/api/v1/audit/verify"


def tamper(database_url: str, *statements: Executable) -> None:
    """Run statements as someone editing the table directly, past any trigger."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for statement in statements:
                connection.execute(statement)
    finally:
        engine.dispose()


def index_rows(factory: sessionmaker[Session]) -> list[AuditRow]:
    """The index chain as stored, in chain order."""
    with transaction(factory) as session:
        return list(
            session.scalars(
                select(AuditRow)
                .where(AuditRow.chain == trail.INDEX_CHAIN)
                .order_by(AuditRow.chain_pos)
            )
        )


def verify_index(api: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = api.get(VERIFY, params={"chain": "index"}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert len(body["chains"]) == 1
    return body


@pytest.fixture
def chain_of_seven(
    api: TestClient, factory: sessionmaker[Session], auditor: dict[str, str], clock: Clock
) -> list[AuditRow]:
    """The auditor's login plus six more entries on the index chain."""
    with transaction(factory) as session:
        for number in range(6):
            trail.record(
                session,
                AuditAction.OPEN,
                now=clock.now,
                actor_id=f"user-{number}",
                child_id=f"CHILD{number}",
                reason_code="safeguarding",
                reason_text="Concern raised by the school",
                details={"n": number},
            )
    rows = index_rows(factory)
    assert [r.chain_pos for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    return rows


def test_sign_ins_and_failed_sign_ins_are_chained_and_the_chain_verifies(
    api: TestClient, factory: sessionmaker[Session], users: Users
) -> None:
    manager = users.create("index-team", Role.INDEX_MANAGER)
    refused = api.post(
        "/api/v1/auth/login",
        json={"username": "index-team", "password": "Wrong-horse-99", "device_id": "dev-00000001"},
    )
    assert refused.status_code == 401
    headers = sign_in(api, "index-team", device_id="dev-00000002")

    body = verify_index(api, headers)

    assert body == {
        "ok": True,
        "chains": [{"chain": "index", "entries": 2, "ok": True, "first_break": None}],
    }
    rows = index_rows(factory)
    assert [(r.chain_pos, r.action, r.actor_id) for r in rows[:2]] == [
        (1, "login_failed", manager),
        (2, "login", manager),
    ]
    assert rows[1].prev_hash == rows[0].hash
    # The verification was itself audited, after what it verified.
    assert (rows[2].action, rows[2].actor_id, rows[2].details["view"]) == (
        "audit_read",
        manager,
        "verify",
    )
    assert verify_index(api, headers)["chains"][0]["entries"] == 3


def test_all_chains_are_verified_when_none_is_named(
    api: TestClient, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    with transaction(factory) as session:
        chain = trail.device_chain("laptop-0001")
        for _ in range(3):
            head = trail.lock_head(session, chain)
            entry = seal(
                entry_id=uuid.uuid4().hex,
                chain=chain,
                prev_hash=head.last_hash,
                at=datetime.now(UTC),
                action=AuditAction.UNLOCK,
                actor_id="someone",
                device_id="laptop-0001",
            )
            trail.store(session, entry, head)

    response = api.get(VERIFY, headers=auditor)

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "chains": [
            {"chain": "index", "entries": 1, "ok": True, "first_break": None},
            {"chain": "device:laptop-0001", "entries": 3, "ok": True, "first_break": None},
        ],
    }
    listed = api.get("/api/v1/audit/chains", headers=auditor).json()["chains"]
    assert [(c["chain"], c["entries"], c["last_position"]) for c in listed] == [
        ("index", 2, 2),  # the login and the verification just made
        ("device:laptop-0001", 3, 3),
    ]


def test_an_unknown_chain_is_not_found(api: TestClient, auditor: dict[str, str]) -> None:
    response = api.get(VERIFY, params={"chain": "device:nowhere"}, headers=auditor)

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "edit",
    [{"reason_text": "Routine check"}, {"details": {"n": 99}}, {"actor_id": "user-x"}],
)
def test_an_edited_entry_is_named_as_altered(
    api: TestClient,
    database_url: str,
    auditor: dict[str, str],
    chain_of_seven: list[AuditRow],
    edit: dict[str, object],
) -> None:
    victim = chain_of_seven[3]
    tamper(database_url, update(AuditRow).where(AuditRow.id == victim.id).values(edit))

    body = verify_index(api, auditor)

    assert body["ok"] is False
    assert body["chains"][0]["ok"] is False
    assert body["chains"][0]["entries"] == 7
    first_break = body["chains"][0]["first_break"]
    assert first_break["position"] == 4
    assert first_break["entry_id"] == victim.id
    assert "altered" in first_break["problem"]


def test_an_edited_and_rehashed_entry_breaks_the_next_link(
    api: TestClient, database_url: str, auditor: dict[str, str], chain_of_seven: list[AuditRow]
) -> None:
    victim = chain_of_seven[2]
    forged = seal(
        entry_id=victim.id,
        chain=victim.chain,
        prev_hash=victim.prev_hash,
        at=victim.at,
        action=AuditAction.OPEN,
        actor_id=victim.actor_id,
        child_id="SOMEONEELSE",
        reason_code=victim.reason_code,
        reason_text=victim.reason_text,
        details=victim.details,
    )
    tamper(
        database_url,
        update(AuditRow)
        .where(AuditRow.id == victim.id)
        .values(child_id=forged.child_id, hash=forged.hash),
    )

    first_break = verify_index(api, auditor)["chains"][0]["first_break"]

    assert first_break["position"] == 4
    assert first_break["entry_id"] == chain_of_seven[3].id
    assert "position 3 is not the one this entry was chained to" in first_break["problem"]


def test_a_deleted_middle_entry_is_named_by_the_position_after_the_gap(
    api: TestClient, database_url: str, auditor: dict[str, str], chain_of_seven: list[AuditRow]
) -> None:
    tamper(database_url, delete(AuditRow).where(AuditRow.id == chain_of_seven[3].id))

    body = verify_index(api, auditor)

    assert body["chains"][0]["entries"] == 6
    assert body["chains"][0]["first_break"] == {
        "position": 5,
        "entry_id": chain_of_seven[4].id,
        "problem": "the entry at position 4 is missing before this one: deleted",
    }


def test_deleted_entries_at_the_end_are_found_from_the_chain_head(
    api: TestClient, database_url: str, auditor: dict[str, str], chain_of_seven: list[AuditRow]
) -> None:
    tamper(
        database_url,
        delete(AuditRow).where(AuditRow.id.in_([chain_of_seven[5].id, chain_of_seven[6].id])),
    )

    body = verify_index(api, auditor)

    assert body["ok"] is False
    first_break = body["chains"][0]["first_break"]
    assert first_break["position"] == 6
    assert first_break["entry_id"] is None
    assert first_break["problem"].startswith("the entries at positions 6–7 are missing")
    assert "newest were deleted" in first_break["problem"]


def test_swapped_positions_are_named_as_reordered(
    api: TestClient, database_url: str, auditor: dict[str, str], chain_of_seven: list[AuditRow]
) -> None:
    third, fourth = chain_of_seven[2], chain_of_seven[3]
    tamper(
        database_url,
        update(AuditRow).where(AuditRow.id == third.id).values(chain_pos=-1),
        update(AuditRow).where(AuditRow.id == fourth.id).values(chain_pos=3),
        update(AuditRow).where(AuditRow.id == third.id).values(chain_pos=4),
    )

    first_break = verify_index(api, auditor)["chains"][0]["first_break"]

    assert first_break["position"] == 3
    assert first_break["entry_id"] == fourth.id
    assert "written after the entry at position 4" in first_break["problem"]
    assert "reordered" in first_break["problem"]


def test_swapped_storage_order_is_named_as_reordered(
    api: TestClient, database_url: str, auditor: dict[str, str], chain_of_seven: list[AuditRow]
) -> None:
    third, fourth = chain_of_seven[2], chain_of_seven[3]
    tamper(
        database_url,
        update(AuditRow).where(AuditRow.seq == third.seq).values(seq=-1),
        update(AuditRow).where(AuditRow.seq == fourth.seq).values(seq=third.seq),
        update(AuditRow).where(AuditRow.seq == -1).values(seq=fourth.seq),
    )

    first_break = verify_index(api, auditor)["chains"][0]["first_break"]

    assert first_break["position"] == 4
    assert first_break["entry_id"] == fourth.id
    assert "reordered" in first_break["problem"]


def test_a_break_in_one_chain_fails_the_whole_report_but_names_only_that_chain(
    api: TestClient,
    factory: sessionmaker[Session],
    database_url: str,
    auditor: dict[str, str],
    chain_of_seven: list[AuditRow],
) -> None:
    with transaction(factory) as session:
        chain = trail.device_chain("laptop-0002")
        head = trail.lock_head(session, chain)
        trail.store(
            session,
            seal(
                entry_id=uuid.uuid4().hex,
                chain=chain,
                prev_hash=head.last_hash,
                at=datetime.now(UTC) - timedelta(hours=1),
                action=AuditAction.LOCK,
                actor_id="someone",
            ),
            head,
        )
    tamper(database_url, update(AuditRow).where(AuditRow.chain == chain).values(action="unlock"))

    body = api.get(VERIFY, headers=auditor).json()

    assert body["ok"] is False
    assert [(c["chain"], c["ok"]) for c in body["chains"]] == [
        ("index", True),
        ("device:laptop-0002", False),
    ]
    assert body["chains"][1]["first_break"]["position"] == 1


def test_a_failed_sign_in_with_an_unknown_name_is_chained_without_an_actor(
    api: TestClient, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    response = api.post(
        "/api/v1/auth/login",
        json={"username": "nobody-here", "password": PASSWORD, "device_id": "dev-00000003"},
    )
    assert response.status_code == 401

    assert verify_index(api, auditor)["ok"] is True
    failed = index_rows(factory)[1]
    assert (failed.action, failed.actor_id, failed.details["username"]) == (
        "login_failed",
        None,
        "nobody-here",
    )


def forged_successor(row: AuditRow, **changes: Any) -> dict[str, Any]:
    """Column values of a correctly sealed entry that follows ``row``'s predecessor or it."""
    entry = seal(
        entry_id=uuid.uuid4().hex,
        chain=row.chain,
        prev_hash=changes.pop("prev_hash"),
        at=row.at,
        action=AuditAction.OPEN,
        actor_id="intruder",
        child_id="CHILD9",
        reason_code="safeguarding",
    )
    return {
        "id": entry.id,
        "chain": entry.chain,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "action": entry.action.value,
        "child_id": entry.child_id,
        "reason_code": entry.reason_code,
        "details": {},
        "received_at": entry.at,
        **changes,
    }


def test_an_entry_added_beyond_the_chain_head_is_named(
    api: TestClient, database_url: str, auditor: dict[str, str], chain_of_seven: list[AuditRow]
) -> None:
    last = chain_of_seven[-1]
    # Correctly chained and hashed, but inserted behind the index's back.
    tamper(
        database_url,
        insert(AuditRow).values(forged_successor(last, prev_hash=last.hash, chain_pos=8)),
    )

    response = api.get(VERIFY, params={"chain": "index"}, headers=auditor)

    # The planted entry takes the position the next audit entry needs, so the read cannot
    # be audited and is refused; the refusal says where the chain is blocked.
    assert response.status_code == 503
    assert response.json()["error"] == "audit_unavailable"
    assert (
        "Verification found, at position 8: this entry lies beyond the chain head "
        "(position 7)" in response.json()["message"]
    )
    everything = api.get(VERIFY, headers=auditor)
    assert everything.status_code == 503
    assert "at position 8" in everything.json()["message"]


def test_a_replaced_newest_entry_is_named(
    api: TestClient, database_url: str, auditor: dict[str, str], chain_of_seven: list[AuditRow]
) -> None:
    last = chain_of_seven[-1]
    forged = forged_successor(last, prev_hash=last.prev_hash, chain_pos=7)
    tamper(
        database_url,
        delete(AuditRow).where(AuditRow.id == last.id),
        insert(AuditRow).values(forged),
    )

    first_break = verify_index(api, auditor)["chains"][0]["first_break"]

    assert first_break == {
        "position": 7,
        "entry_id": forged["id"],
        "problem": "this is the newest entry, but the chain head recorded a different hash "
        "for it: it was replaced",
    }
