"""``mutations.apply`` as the sync push uses it: many mutations in one transaction.

Each item is applied or refused on its own (a SAVEPOINT per item): a refused or
conflicting item leaves no trace while the items around it are kept, and a mutation id
is applied exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from fastapi import FastAPI

from app.domain.changes import (
    AddInvolvement,
    EndInvolvement,
    Mutation,
    MutationPayload,
    Pin,
    PushResult,
    SetIndicator,
)
from app.domain.identifiers import new_index_id
from app.domain.records import IndicatorKind
from app.domain.roles import Role
from server.auth.models import UserRow
from server.children import mutations
from server.config import Settings
from server.db import transaction
from server.deps import Caller, to_domain_user
from tests.integration.server import builders
from tests.integration.server.conftest import Users

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def _mutation(child_id: str, payload: MutationPayload, mutation_id: str | None = None) -> Mutation:
    return Mutation(
        id=mutation_id or builders.new_id(), child_id=child_id, created_at=NOW, payload=payload
    )


def _push(
    app: FastAPI, settings: Settings, user_id: str, batch: Sequence[Mutation]
) -> list[PushResult]:
    """Apply a batch in one transaction, as the sync push does."""
    with transaction(app.state.session_factory) as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        caller = Caller(
            user=to_domain_user(row), row=row, device_id="laptop-0001", token_family="family"
        )
        return [
            mutations.apply(session, caller=caller, mutation=m, now=NOW, settings=settings)
            for m in batch
        ]


def test_a_refused_item_leaves_no_trace_and_the_batch_goes_on(
    server_app: FastAPI, users: Users, settings: Settings
) -> None:
    user_id = users.create("mut-hv", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)
    involvement_id = builders.new_id()
    add = AddInvolvement(
        involvement_id=involvement_id, start_date=date(2026, 11, 1), practitioner_role="HV"
    )
    batch = [
        _mutation(record.index_id, add),
        # Refused: already involved (by the item before it).
        _mutation(record.index_id, add.model_copy(update={"involvement_id": builders.new_id()})),
        # Conflict: the involvement is at version 1, not 3.
        _mutation(
            record.index_id,
            EndInvolvement(involvement_id=involvement_id, end_date=NOW.date(), base_version=3),
        ),
        _mutation(new_index_id(), Pin(reason_code="service_provision")),
        _mutation(
            record.index_id,
            SetIndicator(
                indicator_id=builders.new_id(),
                involvement_id=involvement_id,
                indicator=IndicatorKind.ACTION_UNDER_WAY,
            ),
        ),
    ]

    results = _push(server_app, settings, user_id, batch)

    assert [(r.status.value, r.error) for r in results] == [
        ("applied", None),
        ("rejected", "already_involved"),
        ("conflict", "conflict"),
        ("rejected", "not_found"),
        ("applied", None),
    ]
    assert results[2].current is not None
    assert results[2].current.involvements[0].version == 1
    assert results[4].current is not None
    assert len(results[4].current.involvements[0].indicators) == 1
    stored = builders.stored(server_app, record.index_id)
    assert [i.id for i in stored.involvements] == [involvement_id]
    assert stored.involvements[0].end_date is None
    assert stored.version == record.version + 2
    assert [e.action for e in builders.audit_rows(server_app)] == [
        "add_involvement",
        "set_indicator",
    ]
    assert builders.applied_mutations(server_app) == 2


def test_a_mutation_id_is_applied_once_and_belongs_to_one_user(
    server_app: FastAPI, users: Users, settings: Settings
) -> None:
    user_id = users.create("mut-hv", Role.PRACTITIONER)
    other_id = users.create("mut-other", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)
    add = _mutation(
        # Clients may send the index id as typed; it names the same child.
        record.index_id.replace("-", "").lower(),
        AddInvolvement(
            involvement_id=builders.new_id(), start_date=date(2026, 11, 1), practitioner_role="HV"
        ),
    )

    first = _push(server_app, settings, user_id, [add, add])
    again = _push(server_app, settings, user_id, [add])
    stolen = _push(server_app, settings, other_id, [add])

    assert [r.status.value for r in first + again] == ["applied", "duplicate", "duplicate"]
    assert again[0].current is not None
    assert again[0].current.version == record.version + 1
    assert (stolen[0].status.value, stolen[0].error) == ("rejected", "mutation_id_reused")
    assert len(builders.stored(server_app, record.index_id).involvements) == 1
    assert len(builders.audit_rows(server_app, "add_involvement")) == 1
