"""Tables for users, their devices and their tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class UserRow(Base):
    """A person who may sign in. Roles are a comma-separated list of ``Role`` values."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    local_authority: Mapped[str] = mapped_column(String(200))
    service_code: Mapped[str | None] = mapped_column(String(64))
    job_title: Mapped[str] = mapped_column(String(100), default="Practitioner")
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    reception_desk: Mapped[bool] = mapped_column(default=False)
    training_completed_on: Mapped[date | None]
    vetted_on: Mapped[date | None]
    suspended: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    #: Bumped when what the user may see changes (roles); expires their sync cursors.
    access_epoch: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeviceRow(Base):
    """A desktop client installation, registered at each login; revocable."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class TokenRow(Base):
    """An access or refresh token, stored only as its SHA-256 hash.

    Refresh tokens of one login share a ``family_id``; presenting a refresh token that
    was already used revokes the whole family (token theft detection).
    """

    __tablename__ = "tokens"
    __table_args__ = (Index("ix_tokens_family", "family_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "access" | "refresh"
    family_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
