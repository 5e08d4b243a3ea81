"""What the cache's API returns to the sync engine and the UI, as frozen pydantic models.

Records, mutations and audit entries are the domain's own models (``app.domain``); the
shapes here are the cache's views of them: a search hit, a caseload row, an outbox item,
a conflict waiting for the user, and what a write changed (so each view decides whether
to refresh, STYLE.md "writes report what changed").
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from app.domain.audit import AuditEntry
from app.domain.changes import Mutation
from app.domain.policy import SearchResult
from app.domain.records import ChildRecord


class MatchKind(StrEnum):
    """How well a search hit's names matched what was typed."""

    EXACT = "exact"
    PREFIX = "prefix"
    SOUND_ALIKE = "sound_alike"


class SearchHit(SearchResult):
    """One search result: the domain's pick-the-right-child line, and how it matched."""

    match: MatchKind


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CaseloadRow(_View):
    """One child in the offline caseload list."""

    index_id: str
    given_names: str
    family_name: str
    date_of_birth: date
    shielded: bool
    pinned: bool
    #: Local changes not yet accepted by the index.
    pending_changes: int
    version: int


class OutboxKind(StrEnum):
    """What an outbox item carries."""

    MUTATION = "mutation"
    AUDIT = "audit"


class OutboxStatus(StrEnum):
    """Pending items are pushed; rejected ones wait for the user to read and dismiss."""

    PENDING = "pending"
    REJECTED = "rejected"


class OutboxItem(_View):
    """One queued mutation or audit entry, identified by its client-generated id."""

    item_id: str
    kind: OutboxKind
    mutation: Mutation | None = None
    audit: AuditEntry | None = None
    created_at: datetime
    attempts: int
    last_error: str | None = None
    status: OutboxStatus
    rejected_code: str | None = None
    rejected_message: str | None = None


class Conflict(_View):
    """A local change the index refused as a conflict, with the record as it is now."""

    mutation_id: str
    child_id: str
    mutation: Mutation
    current: ChildRecord | None
    created_at: datetime


class StoredChanges(_View):
    """Which cached records a write added, changed or removed."""

    upserted: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
