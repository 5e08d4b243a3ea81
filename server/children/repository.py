"""Mapping between the ``children`` tables and the domain's ``ChildRecord``.

``to_record`` gives the full record as the index holds it (only active indicators);
access filtering happens afterwards, in ``app.domain.policy``. ``insert_child`` stores a
complete record — used by demo seeding, supplier imports and tests — computing the
search columns from ``app.domain.names``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.names import normalise_name, phonetic_key
from app.domain.records import (
    Address,
    ChildRecord,
    ContactDetails,
    Decision,
    HealthContact,
    Indicator,
    IndicatorKind,
    Involvement,
    InvolvementConsent,
    ParentCarer,
    Setting,
    Shield,
)
from server.children.models import ChildRow, DecisionRow, IndicatorRow, InvolvementRow
from server.sync import feed


def _dump(model: Any) -> dict[str, Any] | None:
    return None if model is None else dict(model.model_dump(mode="json"))


def search_columns(given_names: str, family_name: str) -> dict[str, str]:
    """The normalised and phonetic forms stored beside the names."""
    return {
        "given_norm": normalise_name(given_names),
        "family_norm": normalise_name(family_name),
        "given_phonetic": phonetic_key(given_names),
        "family_phonetic": phonetic_key(family_name),
    }


def load_child(session: Session, index_id: str, *, for_update: bool = False) -> ChildRow | None:
    """The child's row with involvements, indicators and decisions loaded."""
    query = (
        select(ChildRow)
        .where(ChildRow.index_id == index_id)
        .options(
            selectinload(ChildRow.involvements).selectinload(InvolvementRow.indicators),
            selectinload(ChildRow.decisions),
        )
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def involvement_to_model(row: InvolvementRow) -> Involvement:
    """An involvement row as the domain shape (active indicators only)."""
    return Involvement(
        id=row.id,
        practitioner_id=row.practitioner_id,
        practitioner_name=row.practitioner_name,
        practitioner_role=row.practitioner_role,
        organisation=row.organisation,
        service_code=row.service_code,
        sensitive=row.sensitive,
        contact=ContactDetails.model_validate(row.contact) if row.contact else None,
        start_date=row.start_date,
        end_date=row.end_date,
        is_lead=row.is_lead,
        consent=InvolvementConsent.model_validate(row.consent) if row.consent else None,
        indicators=tuple(
            Indicator(
                id=i.id,
                kind=IndicatorKind(i.kind),
                set_by=i.set_by,
                set_by_name=i.set_by_name,
                set_at=i.set_at,
                version=i.version,
            )
            for i in row.indicators
            if i.cleared_at is None
        ),
        version=row.version,
    )


def to_record(row: ChildRow) -> ChildRecord:
    """The full record as the index holds it (not yet filtered for any user)."""
    shield = None
    if row.shielded and row.shield_review_date and row.shielded_at:
        shield = Shield(
            reason=row.shield_reason or "",
            review_date=row.shield_review_date,
            shielded_by=row.shielded_by or "",
            shielded_at=row.shielded_at,
        )
    return ChildRecord(
        index_id=row.index_id,
        nhs_number=row.nhs_number,
        given_names=row.given_names,
        family_name=row.family_name,
        other_names=tuple(row.other_names or ()),
        date_of_birth=row.date_of_birth,
        gender=row.gender,
        address=Address.model_validate(row.address) if row.address else None,
        parents_carers=tuple(ParentCarer.model_validate(p) for p in row.parents_carers or ()),
        setting=Setting.model_validate(row.setting) if row.setting else None,
        gp_practice=HealthContact.model_validate(row.gp_practice) if row.gp_practice else None,
        health_visitor=(
            HealthContact.model_validate(row.health_visitor) if row.health_visitor else None
        ),
        involvements=tuple(involvement_to_model(i) for i in row.involvements),
        decisions=tuple(Decision.model_validate(d.data) for d in row.decisions),
        shielded=row.shielded,
        shield=shield,
        version=row.version,
    )


def involvement_row(child_id: str, involvement: Involvement) -> InvolvementRow:
    """A new involvement row (with its indicators) from the domain shape."""
    return InvolvementRow(
        id=involvement.id,
        child_id=child_id,
        practitioner_id=involvement.practitioner_id,
        practitioner_name=involvement.practitioner_name,
        practitioner_role=involvement.practitioner_role,
        organisation=involvement.organisation,
        service_code=involvement.service_code,
        sensitive=involvement.sensitive,
        contact=_dump(involvement.contact),
        start_date=involvement.start_date,
        end_date=involvement.end_date,
        is_lead=involvement.is_lead,
        consent=_dump(involvement.consent),
        version=involvement.version,
        indicators=[
            IndicatorRow(
                id=i.id,
                involvement_id=involvement.id,
                kind=i.kind.value,
                set_by=i.set_by,
                set_by_name=i.set_by_name,
                set_at=i.set_at,
                version=i.version,
            )
            for i in involvement.indicators
        ],
    )


def decision_row(child_id: str, decision: Decision) -> DecisionRow:
    """A decision row from the domain shape."""
    return DecisionRow(
        id=decision.id,
        child_id=child_id,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
        data=decision.model_dump(mode="json"),
    )


def insert_child(session: Session, record: ChildRecord, *, now: datetime) -> ChildRow:
    """Store a complete record and note it in the change log for every holder."""
    row = ChildRow(
        index_id=record.index_id,
        nhs_number=record.nhs_number,
        given_names=record.given_names,
        family_name=record.family_name,
        other_names=list(record.other_names),
        **search_columns(record.given_names, record.family_name),
        date_of_birth=record.date_of_birth,
        gender=record.gender,
        address=_dump(record.address),
        postcode=record.address.postcode if record.address else None,
        parents_carers=[p.model_dump(mode="json") for p in record.parents_carers],
        setting=_dump(record.setting),
        gp_practice=_dump(record.gp_practice),
        health_visitor=_dump(record.health_visitor),
        shielded=record.shielded,
        shield_reason=record.shield.reason if record.shield else None,
        shield_review_date=record.shield.review_date if record.shield else None,
        shielded_by=record.shield.shielded_by if record.shield else None,
        shielded_at=record.shield.shielded_at if record.shield else None,
        version=record.version,
        created_at=now,
        updated_at=now,
        involvements=[involvement_row(record.index_id, i) for i in record.involvements],
        decisions=[decision_row(record.index_id, d) for d in record.decisions],
    )
    session.add(row)
    feed.record_changed(session, record.index_id, now=now)
    for involvement in record.involvements:
        if involvement.active:
            feed.caseload_joined(
                session, user_id=involvement.practitioner_id, child_id=record.index_id, now=now
            )
    return row


def touch(row: ChildRow, *, now: datetime) -> None:
    """Mark the record changed: bump its version (sync digests and conflicts use it)."""
    row.version += 1
    row.updated_at = now
