"""Pushing an outbox: ``POST /api/v1/sync/push`` (PRODUCT.md §6–§7).

Mutations are applied exactly once, with per-item results in request order; audit
entries written on a device must extend that device's chain, and nothing of an
oversized batch is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.audit import GENESIS_HASH, AuditAction, AuditEntry, seal, verify_chain
from app.domain.changes import MAX_AUDIT_ENTRIES_PER_PUSH, MAX_MUTATIONS_PER_PUSH
from app.domain.roles import Role
from server.audit.models import AuditRow
from server.audit.trail import row_to_entry
from server.children.models import InvolvementRow, PinRow
from server.db import transaction
from tests.integration.server import builders
from tests.integration.server.conftest import START, Users, sign_in

PUSH = "/api/v1/sync/push"


def mutation(child_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": builders.new_id(),
        "child_id": child_id,
        "created_at": "2026-11-21T09:30:00Z",
        "payload": payload,
    }


def add_involvement(child_id: str) -> dict[str, Any]:
    return mutation(
        child_id,
        {
            "kind": "add_involvement",
            "involvement_id": builders.new_id(),
            "start_date": "2026-11-20",
            "practitioner_role": "Health visitor",
        },
    )


def pin(child_id: str) -> dict[str, Any]:
    return mutation(child_id, {"kind": "pin", "reason_code": "service_provision"})


def device_chain(
    user_id: str, device_id: str, count: int, *, child_id: str | None = None
) -> list[AuditEntry]:
    """``count`` entries a device wrote offline: records opened with a reason."""
    entries: list[AuditEntry] = []
    previous = GENESIS_HASH
    for n in range(count):
        entry = seal(
            entry_id=builders.new_id(),
            chain=f"device:{device_id}",
            prev_hash=previous,
            at=START - timedelta(hours=count - n),
            action=AuditAction.OPEN,
            actor_id=user_id,
            device_id=device_id,
            child_id=child_id,
            reason_code="service_provision",
            details={"offline": True},
        )
        entries.append(entry)
        previous = entry.hash
    return entries


def body(
    mutations: Sequence[dict[str, Any]] = (), audit: Sequence[AuditEntry] = ()
) -> dict[str, Any]:
    return {
        "mutations": list(mutations),
        "audit": [entry.model_dump(mode="json") for entry in audit],
    }


def signed_in(api: TestClient, username: str) -> tuple[dict[str, str], str]:
    device_id = f"laptop-{uuid.uuid4().hex[:10]}"
    return sign_in(api, username, device_id=device_id), device_id


def statuses(results: list[dict[str, Any]]) -> list[str]:
    return [result["status"] for result in results]


def stored_chain(app: FastAPI, device_id: str) -> list[AuditEntry]:
    with transaction(app.state.session_factory) as session:
        rows = session.scalars(
            select(AuditRow)
            .where(AuditRow.chain == f"device:{device_id}")
            .order_by(AuditRow.chain_pos)
        )
        return [row_to_entry(row) for row in rows]


# --- mutations ------------------------------------------------------------------------------


def test_the_same_batch_pushed_twice_is_applied_once(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-twice", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)
    headers, device_id = signed_in(api, "hv-twice")
    batch = body(
        [add_involvement(record.index_id)],
        device_chain(me, device_id, 2, child_id=record.index_id),
    )

    first = api.post(PUSH, headers=headers, json=batch)
    second = api.post(PUSH, headers=headers, json=batch)

    assert first.status_code == 200, first.text
    assert statuses(first.json()["mutations"]) == ["applied"]
    assert statuses(first.json()["audit"]) == ["applied", "applied"]
    assert second.status_code == 200, second.text
    assert statuses(second.json()["mutations"]) == ["duplicate"]
    assert statuses(second.json()["audit"]) == ["duplicate", "duplicate"]
    assert [r["id"] for r in second.json()["audit"]] == [e["id"] for e in batch["audit"]]
    involvements = builders.stored(server_app, record.index_id).involvements
    assert [i.practitioner_id for i in involvements] == [me]
    assert builders.applied_mutations(server_app) == 1
    assert len(stored_chain(server_app, device_id)) == 2
    assert len(builders.audit_rows(server_app, "add_involvement")) == 1
    pushes = [row.details for row in builders.audit_rows(server_app, "sync_push")]
    assert pushes == [
        {
            "mutations": {"applied": 1, "duplicate": 0, "conflict": 0, "rejected": 0},
            "audit": {"applied": 2, "duplicate": 0, "conflict": 0, "rejected": 0},
        },
        {
            "mutations": {"applied": 0, "duplicate": 1, "conflict": 0, "rejected": 0},
            "audit": {"applied": 0, "duplicate": 2, "conflict": 0, "rejected": 0},
        },
    ]


def test_a_stale_base_version_is_a_conflict_that_changes_nothing(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-stale", Role.PRACTITIONER)
    mine = builders.involvement(me).model_copy(update={"version": 2})
    record = builders.child(involvements=(mine,))
    builders.store(server_app, record)
    headers, _ = signed_in(api, "hv-stale")
    end = mutation(
        record.index_id,
        {
            "kind": "end_involvement",
            "involvement_id": mine.id,
            "end_date": "2026-11-21",
            "base_version": 1,
        },
    )

    response = api.post(PUSH, headers=headers, json=body([end]))

    assert response.status_code == 200, response.text
    (result,) = response.json()["mutations"]
    assert result["status"] == "conflict"
    assert result["error"] == "conflict"
    assert result["current"]["index_id"] == record.index_id
    assert result["current"]["involvements"][0]["end_date"] is None
    now = builders.stored(server_app, record.index_id)
    assert now.version == record.version
    assert now.involvements[0].active
    assert builders.applied_mutations(server_app) == 0


def test_a_forbidden_item_is_rejected_while_the_rest_of_the_batch_applies(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    viewer = users.create("gp-reception", Role.VIEWER)
    first, second = builders.child(), builders.child()
    builders.store(server_app, first, second)
    headers, _ = signed_in(api, "gp-reception")
    refused = add_involvement(first.index_id)
    pins = [pin(first.index_id), pin(second.index_id)]

    response = api.post(PUSH, headers=headers, json=body([pins[0], refused, pins[1]]))

    assert response.status_code == 200, response.text
    results = response.json()["mutations"]
    assert [r["id"] for r in results] == [pins[0]["id"], refused["id"], pins[1]["id"]]
    assert statuses(results) == ["applied", "rejected", "applied"]
    assert results[1]["error"] == "forbidden"
    assert results[1]["message"]
    assert builders.stored(server_app, first.index_id).involvements == ()
    with transaction(server_app.state.session_factory) as session:
        pinned = set(session.scalars(select(PinRow.child_id).where(PinRow.user_id == viewer)))
        involvements = session.scalars(select(InvolvementRow.id)).all()
    assert pinned == {first.index_id, second.index_id}
    assert involvements == []


# --- device audit entries -------------------------------------------------------------------


def test_a_valid_device_chain_is_stored_intact(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-chain", Role.PRACTITIONER)
    headers, device_id = signed_in(api, "hv-chain")
    entries = device_chain(me, device_id, 5)

    first = api.post(PUSH, headers=headers, json=body(audit=entries[:3]))
    rest = api.post(PUSH, headers=headers, json=body(audit=entries[3:]))

    assert statuses(first.json()["audit"]) == ["applied"] * 3
    assert statuses(rest.json()["audit"]) == ["applied"] * 2
    chain = stored_chain(server_app, device_id)
    assert chain == entries
    assert verify_chain(chain) is None


def test_a_tampered_entry_breaks_the_chain_from_there_and_can_be_resent(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-tamper", Role.PRACTITIONER)
    headers, device_id = signed_in(api, "hv-tamper")
    entries = device_chain(me, device_id, 3)
    tampered = entries[1].model_copy(update={"reason_code": "other"})

    response = api.post(PUSH, headers=headers, json=body(audit=[entries[0], tampered, entries[2]]))

    results = response.json()["audit"]
    assert statuses(results) == ["applied", "rejected", "rejected"]
    assert [r["error"] for r in results[1:]] == ["audit_chain_broken"] * 2
    assert stored_chain(server_app, device_id) == entries[:1]

    again = api.post(PUSH, headers=headers, json=body(audit=entries[1:]))
    assert statuses(again.json()["audit"]) == ["applied", "applied"]
    assert stored_chain(server_app, device_id) == entries


def test_a_gap_in_the_chain_is_refused(api: TestClient, users: Users, server_app: FastAPI) -> None:
    me = users.create("hv-gap", Role.PRACTITIONER)
    headers, device_id = signed_in(api, "hv-gap")
    entries = device_chain(me, device_id, 3)

    response = api.post(PUSH, headers=headers, json=body(audit=[entries[0], entries[2]]))

    results = response.json()["audit"]
    assert statuses(results) == ["applied", "rejected"]
    assert results[1]["error"] == "audit_chain_broken"
    assert stored_chain(server_app, device_id) == entries[:1]


def test_a_replayed_entry_is_a_duplicate_and_a_reused_id_is_refused(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-replay", Role.PRACTITIONER)
    headers, device_id = signed_in(api, "hv-replay")
    entries = device_chain(me, device_id, 2)
    api.post(PUSH, headers=headers, json=body(audit=entries))
    reused = seal(
        entry_id=entries[0].id,
        chain=f"device:{device_id}",
        prev_hash=entries[1].hash,
        at=START,
        action=AuditAction.SEARCH,
        actor_id=me,
        device_id=device_id,
    )

    response = api.post(PUSH, headers=headers, json=body(audit=[entries[0], reused]))

    results = response.json()["audit"]
    assert statuses(results) == ["duplicate", "rejected"]
    assert results[1]["error"] == "audit_id_reused"
    assert stored_chain(server_app, device_id) == entries


def test_entries_from_another_device_or_user_are_not_yours(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-mine", Role.PRACTITIONER)
    colleague = users.create("hv-theirs", Role.PRACTITIONER)
    headers, device_id = signed_in(api, "hv-mine")
    (other_device,) = device_chain(me, "laptop-elsewhere", 1)
    (other_user,) = device_chain(colleague, device_id, 1)
    no_device = seal(
        entry_id=builders.new_id(),
        chain=f"device:{device_id}",
        prev_hash=GENESIS_HASH,
        at=START,
        action=AuditAction.OPEN,
        actor_id=me,
    )
    (own,) = device_chain(me, device_id, 1)

    response = api.post(
        PUSH, headers=headers, json=body(audit=[other_device, other_user, no_device, own])
    )

    results = response.json()["audit"]
    assert statuses(results) == ["rejected", "rejected", "rejected", "applied"]
    assert [r["error"] for r in results[:3]] == ["audit_not_yours"] * 3
    assert stored_chain(server_app, device_id) == [own]
    assert stored_chain(server_app, "laptop-elsewhere") == []


# --- oversized batches ----------------------------------------------------------------------


def test_an_oversized_batch_is_refused_whole(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-bulk", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)
    headers, device_id = signed_in(api, "hv-bulk")
    audit_before = len(builders.audit_rows(server_app))
    too_many_changes = body([pin(record.index_id)] * (MAX_MUTATIONS_PER_PUSH + 1))
    (entry,) = device_chain(me, device_id, 1)
    too_many_entries = body([pin(record.index_id)], [entry] * (MAX_AUDIT_ENTRIES_PER_PUSH + 1))

    for batch in (too_many_changes, too_many_entries):
        response = api.post(PUSH, headers=headers, json=batch)
        assert response.status_code == 413, response.text
        assert response.json()["error"] == "batch_too_large"
        assert "smaller batches" in response.json()["message"]

    assert builders.applied_mutations(server_app) == 0
    assert builders.count_rows(server_app, PinRow) == 0
    assert stored_chain(server_app, device_id) == []
    assert len(builders.audit_rows(server_app)) == audit_before


def test_a_malformed_item_refuses_the_batch_with_a_field(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("hv-typo", Role.PRACTITIONER)
    headers, _ = signed_in(api, "hv-typo")
    broken = {"mutations": [{"id": "short", "child_id": "X", "payload": {"kind": "pin"}}]}

    response = api.post(PUSH, headers=headers, json=broken)

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert response.json()["field"].startswith("mutations.0")
    assert builders.audit_rows(server_app, "sync_push") == []


def test_every_push_writes_one_index_audit_entry(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    me = users.create("hv-empty", Role.PRACTITIONER)
    headers, device_id = signed_in(api, "hv-empty")

    response = api.post(PUSH, headers=headers, json={})

    assert response.status_code == 200
    assert response.json() == {"mutations": [], "audit": []}
    (row,) = builders.audit_rows(server_app, "sync_push")
    assert (row.chain, row.actor_id, row.device_id) == ("index", me, device_id)
