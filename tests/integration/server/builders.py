"""Builders for children's records in central-index tests (synthetic people only).

Records are built as domain ``ChildRecord`` objects and stored with
``repository.insert_child``, exactly as demo seeding and supplier imports store them;
tests then drive the real API and read back what the database holds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.domain.identifiers import new_index_id
from app.domain.records import (
    Address,
    ChildRecord,
    ConsentBasis,
    ConsentGiver,
    ContactDetails,
    HealthContact,
    Indicator,
    IndicatorKind,
    Involvement,
    InvolvementConsent,
    ParentCarer,
    Setting,
    Shield,
)
from server.audit.models import AuditRow
from server.children import repository
from server.db import transaction
from server.sync.models import AppliedMutationRow, ChangeRow

BUILT_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def new_id() -> str:
    """A client-style id (what a desktop client would generate)."""
    return uuid.uuid4().hex


def involvement(
    practitioner_id: str,
    *,
    involvement_id: str | None = None,
    service_code: str = "health_visiting",
    sensitive: bool = False,
    end_date: date | None = None,
    indicators: tuple[Indicator, ...] = (),
    practitioner_name: str = "Pat Testington",
) -> Involvement:
    """An involvement of ``practitioner_id`` (sensitive ones carry explicit consent)."""
    consent = None
    if sensitive:
        consent = InvolvementConsent(
            basis=ConsentBasis.EXPLICIT_CONSENT,
            given_by=ConsentGiver.CHILD,
            competence_judgement="Judged Gillick competent: understood who would see it.",
            recorded_on=date(2026, 10, 1),
        )
    return Involvement(
        id=involvement_id or new_id(),
        practitioner_id=practitioner_id,
        practitioner_name=practitioner_name,
        practitioner_role="Clinician" if sensitive else "Health visitor",
        organisation="Synthetic Health Trust",
        service_code=service_code,
        sensitive=sensitive,
        contact=ContactDetails(phone="01632 960111"),
        start_date=date(2026, 1, 5),
        end_date=end_date,
        consent=consent,
        indicators=indicators,
    )


def indicator(set_by: str, *, indicator_id: str | None = None) -> Indicator:
    """An "information to share" indicator set by ``set_by``."""
    return Indicator(
        id=indicator_id or new_id(),
        kind=IndicatorKind.INFORMATION_TO_SHARE,
        set_by=set_by,
        set_by_name="Pat Testington",
        set_at=BUILT_AT,
    )


def child(
    *,
    given_names: str = "Amelie",
    family_name: str = "Quennell",
    date_of_birth: date = date(2015, 3, 14),
    postcode: str = "BN1 1AA",
    town: str = "Brighton",
    nhs_number: str | None = None,
    involvements: tuple[Involvement, ...] = (),
    shielded: bool = False,
    shield_review_date: date = date(2027, 6, 1),
    index_id: str | None = None,
) -> ChildRecord:
    """A full synthetic record, optionally shielded."""
    return ChildRecord(
        index_id=index_id or new_index_id(),
        nhs_number=nhs_number,
        given_names=given_names,
        family_name=family_name,
        date_of_birth=date_of_birth,
        gender="female",
        address=Address(line1="12 Lantern Street", town=town, postcode=postcode),
        parents_carers=(
            ParentCarer(
                id=new_id(),
                name="Clara Quennell",
                relationship="mother",
                parental_responsibility=True,
                contact=ContactDetails(phone="01632 960222"),
            ),
        ),
        setting=Setting(name="Seafield Primary"),
        gp_practice=HealthContact(name="Harbour Surgery"),
        involvements=involvements,
        shielded=shielded,
        shield=(
            Shield(
                reason="Whereabouts must be protected",
                review_date=shield_review_date,
                shielded_by="index-team",
                shielded_at=BUILT_AT,
            )
            if shielded
            else None
        ),
    )


def store(app: FastAPI, *records: ChildRecord) -> None:
    """Insert records into the index in one transaction."""
    with transaction(app.state.session_factory) as session:
        for record in records:
            repository.insert_child(session, record, now=BUILT_AT)


def stored(app: FastAPI, index_id: str) -> ChildRecord:
    """The full record as the index now holds it."""
    with transaction(app.state.session_factory) as session:
        row = repository.load_child(session, index_id)
        assert row is not None
        return repository.to_record(row)


def audit_rows(
    app: FastAPI, action: str | None = None, *, child_id: str | None = None
) -> list[AuditRow]:
    """Audit entries written by the index, oldest first, optionally filtered."""
    with transaction(app.state.session_factory) as session:
        query = select(AuditRow).order_by(AuditRow.seq)
        if action is not None:
            query = query.where(AuditRow.action == action)
        if child_id is not None:
            query = query.where(AuditRow.child_id == child_id)
        return list(session.scalars(query))


def count_rows(app: FastAPI, model: type[Any]) -> int:
    """How many rows a table holds."""
    with transaction(app.state.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def change_log(app: FastAPI, child_id: str) -> list[tuple[str | None, str, str | None]]:
    """``(user_id, op, reason)`` of every change-log entry for a child, oldest first."""
    with transaction(app.state.session_factory) as session:
        rows = session.scalars(
            select(ChangeRow).where(ChangeRow.child_id == child_id).order_by(ChangeRow.seq)
        )
        return [(r.user_id, r.op, r.reason) for r in rows]


def applied_mutations(app: FastAPI) -> int:
    """How many mutations the index has recorded as applied."""
    return count_rows(app, AppliedMutationRow)


def open_record(
    api: TestClient,
    headers: dict[str, str],
    index_id: str,
    reason_code: str = "service_provision",
    **extra: Any,
) -> Any:
    """``POST /children/{id}/access`` with a valid reason; the response."""
    return api.post(
        f"/api/v1/children/{index_id}/access",
        headers=headers,
        json={"reason_code": reason_code, **extra},
    )
