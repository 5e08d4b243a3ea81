"""Audit entries and their hash chain, shared by the client's local chain and the server's.

PRODUCT.md §5: every entry carries the hash of the previous entry of its chain, so that
editing, deleting or reordering an entry breaks the chain at a point that verification
can name. The server keeps one chain for its own entries and one per device for entries
pushed from desktop clients; both are hashed by ``entry_hash`` here so they can never
disagree about what a valid chain is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The ``prev_hash`` of the first entry of every chain.
GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    """Everything the audit trail records (PRODUCT.md §5)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    TOKEN_REFRESH = "token_refresh"  # noqa: S105 - an action name, not a secret
    UNLOCK = "unlock"
    LOCK = "lock"
    SEARCH = "search"
    OPEN = "open"
    ADD_INVOLVEMENT = "add_involvement"
    END_INVOLVEMENT = "end_involvement"
    SET_INDICATOR = "set_indicator"
    CLEAR_INDICATOR = "clear_indicator"
    RECORD_DECISION = "record_decision"
    PIN = "pin"
    UNPIN = "unpin"
    SHIELD = "shield"
    UNSHIELD = "unshield"
    EXPORT = "export"
    PRINT = "print"
    SYNC_PULL = "sync_pull"
    SYNC_PUSH = "sync_push"
    ADMIN = "admin"
    RETENTION_DESTROY = "retention_destroy"
    AUDIT_READ = "audit_read"
    CACHE_WIPE = "cache_wipe"


class AuditEntry(BaseModel):
    """One link of an audit chain. ``hash`` covers every other field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    chain: str = Field(min_length=1, max_length=100)
    prev_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    at: datetime
    actor_id: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=200)
    device_id: str | None = Field(default=None, max_length=64)
    action: AuditAction
    child_id: str | None = Field(default=None, max_length=20)
    reason_code: str | None = Field(default=None, max_length=40)
    reason_text: str | None = Field(default=None, max_length=500)
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("at")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("audit timestamps must carry a time zone")
        return value.astimezone(UTC)

    def hashable(self) -> dict[str, Any]:
        """Every field except ``hash``, in the canonical form that is hashed."""
        data = self.model_dump(mode="json", exclude={"hash"})
        data["at"] = self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return data


def canonical_json(data: dict[str, Any]) -> bytes:
    """Deterministic JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of an entry's hashable fields."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def seal(
    *,
    entry_id: str,
    chain: str,
    prev_hash: str,
    at: datetime,
    action: AuditAction,
    actor_id: str | None = None,
    on_behalf_of: str | None = None,
    device_id: str | None = None,
    child_id: str | None = None,
    reason_code: str | None = None,
    reason_text: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Build the next entry of a chain, with its hash computed."""
    draft = AuditEntry(
        id=entry_id,
        chain=chain,
        prev_hash=prev_hash,
        hash=GENESIS_HASH,
        at=at,
        actor_id=actor_id,
        on_behalf_of=on_behalf_of,
        device_id=device_id,
        action=action,
        child_id=child_id,
        reason_code=reason_code,
        reason_text=reason_text,
        details=details or {},
    )
    return draft.model_copy(update={"hash": compute_hash(draft.hashable())})


class ChainBreak(BaseModel):
    """Where and why a chain stopped verifying."""

    model_config = ConfigDict(frozen=True)

    position: int
    entry_id: str
    problem: str


def verify_chain(
    entries: Iterable[AuditEntry], *, start_hash: str = GENESIS_HASH
) -> ChainBreak | None:
    """Check entries in chain order; return the first broken link, or ``None`` if intact.

    An edited entry fails its own hash; a deleted or reordered entry makes the next
    entry's ``prev_hash`` disagree with what precedes it.
    """
    expected_prev = start_hash
    for position, entry in enumerate(entries):
        if entry.prev_hash != expected_prev:
            return ChainBreak(
                position=position,
                entry_id=entry.id,
                problem="previous-hash mismatch: an entry before this one was removed, "
                "inserted or reordered",
            )
        if compute_hash(entry.hashable()) != entry.hash:
            return ChainBreak(
                position=position,
                entry_id=entry.id,
                problem="content does not match its hash: this entry was altered",
            )
        expected_prev = entry.hash
    return None
