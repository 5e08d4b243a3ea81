"""What the cache's API returns to the sync engine and the UI, as frozen pydantic models.

Records, mutations and audit entries are the domain's own models (``app.domain``); the
shapes here are the cache's views of them: a search hit, a caseload row, an outbox item,
a conflict waiting for the user, an entry of the user's own access log, the user the
index last confirmed, and what a write changed (so each view decides whether to refresh,
STYLE.md "writes report what changed").
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from app.domain.audit import AuditEntry
from app.domain.changes import Mutation
from app.domain.policy import SearchResult
from app.domain.records import ChildRecord
from app.domain.session import UserProfile


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
    #: The outward code of the child's postcode; ``None`` when the record shows no address
    #: (a shielded record, for anyone but the index team).
    postcode_district: str | None = None
    #: The name of the lead professional among the active involvements, if any.
    lead_professional: str | None = None
    #: Indicators on the active involvements the user can see, local changes included.
    indicator_count: int = 0


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


class AccessLogEntry(_View):
    """One entry of the device's own audit chain, and whether the index has it yet."""

    entry: AuditEntry
    #: When the index acknowledged the entry; ``None`` while it waits to be pushed.
    pushed_at: datetime | None = None


class RememberedUser(_View):
    """Who the index last signed in on this profile, kept for offline use."""

    user: UserProfile
    #: When the index last let this user sign in: their training and vetting were in order.
    confirmed_at: datetime


class StoredChanges(_View):
    """Which cached records a write added, changed or removed."""

    upserted: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
