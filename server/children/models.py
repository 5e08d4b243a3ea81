"""Tables for children's records: the child, involvements, indicators, decisions, pins.

Name columns carry their search forms (normalised and phonetic, from ``app.domain.names``)
so tolerant search is an indexed lookup. ``version`` on the child increases with every
change to anything on the record; that is what sync digests and conflict checks use.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, utcnow


class ChildRow(Base):
    """One child's entry in the index."""

    __tablename__ = "children"
    __table_args__ = (
        Index("ix_children_family_norm_dob", "family_norm", "date_of_birth"),
        Index("ix_children_family_phonetic", "family_phonetic"),
        Index("ix_children_given_norm", "given_norm"),
        Index("ix_children_dob", "date_of_birth"),
        Index("ix_children_postcode", "postcode"),
    )

    index_id: Mapped[str] = mapped_column(String(14), primary_key=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    given_names: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    other_names: Mapped[list[str]] = mapped_column(default=list)
    given_norm: Mapped[str] = mapped_column(String(100))
    family_norm: Mapped[str] = mapped_column(String(100))
    given_phonetic: Mapped[str] = mapped_column(String(100))
    family_phonetic: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    gender: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[dict[str, Any] | None]
    postcode: Mapped[str | None] = mapped_column(String(8))
    parents_carers: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    setting: Mapped[dict[str, Any] | None]
    gp_practice: Mapped[dict[str, Any] | None]
    health_visitor: Mapped[dict[str, Any] | None]
    shielded: Mapped[bool] = mapped_column(default=False)
    shield_reason: Mapped[str | None] = mapped_column(String(2000))
    shield_review_date: Mapped[date | None]
    shielded_by: Mapped[str | None] = mapped_column(String(36))
    shielded_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    involvements: Mapped[list[InvolvementRow]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="InvolvementRow.start_date"
    )
    decisions: Mapped[list[DecisionRow]] = relationship(
        cascade="all, delete-orphan", order_by="DecisionRow.decided_at"
    )


class InvolvementRow(Base):
    """A practitioner's involvement with a child (never the reason for it)."""

    __tablename__ = "involvements"
    __table_args__ = (Index("ix_involvements_practitioner", "practitioner_id", "end_date"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.index_id", ondelete="CASCADE"))
    practitioner_id: Mapped[str] = mapped_column(String(36))
    practitioner_name: Mapped[str] = mapped_column(String(200))
    practitioner_role: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(200))
    service_code: Mapped[str] = mapped_column(String(64))
    sensitive: Mapped[bool] = mapped_column(default=False)
    contact: Mapped[dict[str, Any] | None]
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    is_lead: Mapped[bool] = mapped_column(default=False)
    consent: Mapped[dict[str, Any] | None]
    version: Mapped[int] = mapped_column(default=1)

    child: Mapped[ChildRow] = relationship(back_populates="involvements")
    indicators: Mapped[list[IndicatorRow]] = relationship(
        cascade="all, delete-orphan", order_by="IndicatorRow.set_at"
    )


class IndicatorRow(Base):
    """An indicator on an involvement; cleared ones are kept (``cleared_at``) for history."""

    __tablename__ = "indicators"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    involvement_id: Mapped[str] = mapped_column(ForeignKey("involvements.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    set_by: Mapped[str] = mapped_column(String(36))
    set_by_name: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)


class DecisionRow(Base):
    """An information-sharing decision; ``data`` is the ``Decision`` record as JSON."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.index_id", ondelete="CASCADE"))
    decided_by: Mapped[str] = mapped_column(String(36))
    decided_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]


class PinRow(Base):
    """A record a user keeps in their offline caseload without being involved."""

    __tablename__ = "pins"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    child_id: Mapped[str] = mapped_column(
        ForeignKey("children.index_id", ondelete="CASCADE"), primary_key=True
    )
    pinned_at: Mapped[datetime] = mapped_column(default=utcnow)
