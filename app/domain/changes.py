"""The sync contract: mutations a client pushes, and the changes it pulls.

PRODUCT.md §6. Every local change is a ``Mutation`` with a client-generated id, applied
by the index exactly once; the per-item ``PushResult`` tells the client whether it may
drop the item from its outbox. Pulls return ``ChangesPage``s of records already filtered
for the caller, plus removals, and a ``CaseloadDigest`` the client recomputes over its
own cache to detect divergence.

The same payload models are the bodies of the online endpoints
(``POST /api/v1/children/{id}/involvements`` and friends), so a change made online and
one made offline and pushed later are validated identically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.audit import AuditEntry
from app.domain.records import (
    ChildRecord,
    ContactDetails,
    DecisionOutcome,
    IndicatorKind,
    InvolvementConsent,
    SharingBasis,
)

#: Client-generated ids: UUIDs in practice; bounded so a body cannot smuggle bulk data.
ClientId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Payload(BaseModel):
    """Base for mutation payloads: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class AddInvolvement(Payload):
    """Record the caller as involved with the child, in the caller's own service."""

    kind: Literal["add_involvement"] = "add_involvement"
    involvement_id: ClientId
    start_date: date
    practitioner_role: str = Field(min_length=1, max_length=100)
    contact: ContactDetails | None = None
    is_lead: bool = False
    consent: InvolvementConsent | None = None


class EndInvolvement(Payload):
    """End the caller's own involvement."""

    kind: Literal["end_involvement"] = "end_involvement"
    involvement_id: ClientId
    end_date: date
    base_version: int = Field(ge=1)


class SetIndicator(Payload):
    """Set an indicator on the caller's own involvement."""

    kind: Literal["set_indicator"] = "set_indicator"
    indicator_id: ClientId
    involvement_id: ClientId
    indicator: IndicatorKind


class ClearIndicator(Payload):
    """Clear one of the caller's own indicators."""

    kind: Literal["clear_indicator"] = "clear_indicator"
    indicator_id: ClientId
    base_version: int = Field(ge=1)


class RecordDecision(Payload):
    """Record an information-sharing decision (golden rule 7), or a consent withdrawal."""

    kind: Literal["record_decision"] = "record_decision"
    decision_id: ClientId
    outcome: DecisionOutcome
    basis: SharingBasis | None = None
    consent_from: str | None = Field(default=None, max_length=200)
    competence_judgement: str | None = Field(default=None, max_length=2000)
    information_shared: str | None = Field(default=None, max_length=2000)
    shared_with: str | None = Field(default=None, max_length=500)
    purpose: str | None = Field(default=None, max_length=2000)
    reasons: str = Field(min_length=1, max_length=4000)
    consulted: str | None = Field(default=None, max_length=500)
    person_informed: bool | None = None
    review_date: date | None = None
    flowchart_id: str | None = Field(default=None, max_length=100)
    flowchart_version: str | None = Field(default=None, max_length=20)
    answers: tuple[tuple[str, str], ...] = Field(default=(), max_length=200)
    withdraws: ClientId | None = None


class Pin(Payload):
    """Keep a record in the caller's offline caseload.

    Pinning brings the whole record to the caller's devices, so it needs a reason for
    access exactly as opening does (seed 004), and is audited with it.
    """

    kind: Literal["pin"] = "pin"
    reason_code: str = Field(min_length=1, max_length=40)
    reason_text: str | None = Field(default=None, max_length=500)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class Unpin(Payload):
    """Stop keeping a pinned record offline."""

    kind: Literal["unpin"] = "unpin"


MutationPayload = Annotated[
    AddInvolvement | EndInvolvement | SetIndicator | ClearIndicator | RecordDecision | Pin | Unpin,
    Field(discriminator="kind"),
]


class Mutation(BaseModel):
    """One queued change, identified by the client so it is applied exactly once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ClientId
    child_id: str = Field(min_length=1, max_length=20)
    created_at: datetime
    payload: MutationPayload


#: Push limits: a batch bigger than this is refused whole, with ``batch_too_large``.
MAX_MUTATIONS_PER_PUSH = 500
MAX_AUDIT_ENTRIES_PER_PUSH = 2000


class PushRequest(BaseModel):
    """A batch of outbox items: mutations first, then audit entries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mutations: tuple[Mutation, ...] = Field(default=(), max_length=MAX_MUTATIONS_PER_PUSH)
    audit: tuple[AuditEntry, ...] = Field(default=(), max_length=MAX_AUDIT_ENTRIES_PER_PUSH)


class PushStatus(StrEnum):
    """What the index did with one pushed item."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"

    @property
    def acknowledged(self) -> bool:
        """True when the client may delete the item from its outbox."""
        return self in (PushStatus.APPLIED, PushStatus.DUPLICATE)


class PushResult(BaseModel):
    """The per-item answer to a push."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    status: PushStatus
    error: str | None = None
    message: str | None = None
    current: ChildRecord | None = None


class PushResponse(BaseModel):
    """Results for every mutation and audit entry of a push, in request order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mutations: tuple[PushResult, ...]
    audit: tuple[PushResult, ...]


class RemovalReason(StrEnum):
    """Why a record leaves a client's cache."""

    LEFT_CASELOAD = "left_caseload"
    RETENTION = "retention"
    ACCESS_NARROWED = "access_narrowed"


class Change(BaseModel):
    """One entry of a pulled page: a record to store, or one to delete."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: Literal["upsert", "remove"]
    index_id: str
    record: ChildRecord | None = None
    reason: RemovalReason | None = None


class CaseloadDigest(BaseModel):
    """Count and hash of a caseload's (index id, version) pairs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int
    hash: str


class ChangesPage(BaseModel):
    """One page of ``GET /api/v1/sync/changes``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    changes: tuple[Change, ...]
    cursor: str
    has_more: bool
    digest: CaseloadDigest | None = None


def caseload_digest(records: Iterable[tuple[str, int]]) -> CaseloadDigest:
    """Digest of ``(index_id, version)`` pairs, independent of their order."""
    pairs = sorted(records)
    h = hashlib.sha256()
    for index_id, version in pairs:
        h.update(f"{index_id}:{version}\n".encode())
    return CaseloadDigest(count=len(pairs), hash=h.hexdigest())
