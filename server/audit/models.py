"""The audit tables: the append-only, hash-chained trail, and the reviews of its alerts.

Entries written by the index form the chain ``index``; entries pushed by a desktop
client form one chain per device (``device:<id>``). ``seq`` orders entries within the
table; ``chain_pos`` orders them within their chain. ``ChainHeadRow`` holds the last
hash of each chain and is locked while appending, so concurrent writers cannot fork a
chain. On PostgreSQL a trigger refuses UPDATE and DELETE on this table (migration).

``AlertReviewRow`` closes one unusual-activity alert for good: reviews too are only ever
added, never changed or removed (on PostgreSQL by trigger and grant, migration 0003).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.audit.schemas import NOTE_MAX_LENGTH
from server.db import Base, SequenceKey, utcnow


class AuditRow(Base):
    """One audit entry, exactly as hashed (see ``app.domain.audit``)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("chain", "chain_pos", name="uq_audit_entries_chain_pos"),
        Index("ix_audit_entries_actor", "actor_id", "at"),
        Index("ix_audit_entries_child", "child_id", "at"),
    )

    seq: Mapped[int] = mapped_column(SequenceKey, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    chain: Mapped[str] = mapped_column(String(100))
    chain_pos: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(64))
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    device_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    child_id: Mapped[str | None] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChainHeadRow(Base):
    """The newest entry of each chain; row-locked while a writer appends."""

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_pos: Mapped[int] = mapped_column(default=0)


class AlertReviewRow(Base):
    """The review that closed one unusual-activity alert (PRODUCT.md §5); at most one each.

    ``alert_id`` is the alert's stable id (``server.audit.alerts.ALERT_ID``); ``user_id``
    the user the alert is about; ``note`` the reviewer's own words.
    """

    __tablename__ = "alert_reviews"

    alert_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(64))
    reviewed_by: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(NOTE_MAX_LENGTH))
