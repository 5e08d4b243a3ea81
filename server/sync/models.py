"""Tables behind sync: the change log that cursors point into, and applied mutations.

The change log is one increasing sequence. A row with ``user_id`` NULL says "this child's
record changed" (everyone whose caseload holds the child pulls it again); a row with a
``user_id`` says "this child entered or left that user's caseload". A cursor is a
position in this sequence; rows older than the retention window are pruned, and a
cursor pointing before the oldest kept row is expired (``cursor_expired``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, SequenceKey, utcnow


class ChangeRow(Base):
    """One entry of the change log."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_child", "child_id", "seq"),
        Index("ix_change_log_user", "user_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(SequenceKey, primary_key=True, autoincrement=True)
    child_id: Mapped[str] = mapped_column(String(14))
    user_id: Mapped[str | None] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(10))  # "upsert" | "remove"
    reason: Mapped[str | None] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AppliedMutationRow(Base):
    """A mutation the index has applied, by its client-generated id (exactly-once)."""

    __tablename__ = "applied_mutations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    child_id: Mapped[str] = mapped_column(String(14))
    kind: Mapped[str] = mapped_column(String(30))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
