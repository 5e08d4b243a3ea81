"""Shapes of the audit endpoints: chain verification, views, spot checks, alerts, reviews.

Kept apart from the tables: an entry as an auditor sees it carries its chain position
and who the actor is, never the raw row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChainBreakOut(_Out):
    """The first link of a chain that does not verify.

    ``position`` is the chain position (1 for the first entry). ``entry_id`` is the
    entry found there, or ``None`` when the break is that entries are missing from the
    end of the chain (the position is then the first missing one).
    """

    position: int
    entry_id: str | None
    problem: str


class VerifyResult(_Out):
    """Whether one chain verifies, and where it first breaks if not."""

    chain: str
    entries: int
    ok: bool
    first_break: ChainBreakOut | None = None


class VerifyReport(_Out):
    """``GET /audit/verify``: every chain asked for, and whether all of them verify."""

    ok: bool
    chains: list[VerifyResult]


class ChainSummary(_Out):
    """One chain: how long it is and when it was last extended."""

    chain: str
    entries: int
    last_position: int
    last_at: datetime | None


class ChainList(_Out):
    """``GET /audit/chains``."""

    chains: list[ChainSummary]


class ActorOut(_Out):
    """The user an entry is about, as an auditor needs to recognise them."""

    id: str
    username: str
    display_name: str
    roles: list[str]
    suspended: bool


class EntryOut(_Out):
    """One audit entry as stored, with the name of its actor where known."""

    seq: int
    id: str
    chain: str
    chain_pos: int
    at: datetime
    action: str
    actor_id: str | None
    actor_username: str | None = None
    on_behalf_of: str | None
    device_id: str | None
    child_id: str | None
    reason_code: str | None
    reason_text: str | None
    details: dict[str, Any]


class UserActivity(_Out):
    """``GET /audit/users/{id}``: everything a user did or had done on their behalf."""

    user: ActorOut
    entries: list[EntryOut]
    next_before: str | None


class ChildActivity(_Out):
    """``GET /audit/children/{id}``: who opened the record and why, and what changed."""

    child_id: str
    entries: list[EntryOut]
    next_before: str | None


class SpotCheck(_Out):
    """``GET /audit/spot-check``: a random sample of one user's accesses."""

    user: ActorOut
    since: datetime
    until: datetime
    population: int
    sample: list[EntryOut]


class ReviewOutcome(StrEnum):
    """How an oversight officer closed an alert; the values are the API's ``outcome``."""

    NO_CONCERN = "no_concern"
    EXPLAINED = "explained"
    ADVICE_GIVEN = "advice_given"
    REFERRED_TO_MANAGER = "referred_to_manager"
    DISCIPLINARY = "disciplinary"
    DATA_BREACH = "data_breach"


OUTCOME_DESCRIPTIONS: Mapping[ReviewOutcome, str] = MappingProxyType(
    {
        ReviewOutcome.NO_CONCERN: "Legitimate work on the face of it; nothing to follow up",
        ReviewOutcome.EXPLAINED: "The user (or their manager) explained it, and the "
        "explanation was accepted",
        ReviewOutcome.ADVICE_GIVEN: "A minor lapse: the user was reminded of the access rules",
        ReviewOutcome.REFERRED_TO_MANAGER: "Passed to the user's line manager to follow up",
        ReviewOutcome.DISCIPLINARY: "Referred for disciplinary action",
        ReviewOutcome.DATA_BREACH: "Treated as a personal data breach and referred to the "
        "data protection officer",
    }
)

#: A review note: the reviewer's own words, at least this long …
NOTE_MIN_LENGTH = 10
#: … and at most this long (``review_note_too_long``).
NOTE_MAX_LENGTH = 1000


class AlertReviewRequest(BaseModel):
    """``POST /audit/alerts/{id}/review``.

    Both fields are optional and unbounded here (the body size limit still applies) so
    that a missing, wrong or overlong one gets its own stable code
    (``review_outcome_required``, ``review_note_too_long``, …) rather than a generic
    validation error.
    """

    model_config = ConfigDict(extra="forbid")

    outcome: str | None = Field(default=None, description="One of ``ReviewOutcome``.")
    note: str | None = Field(
        default=None,
        description="What the reviewer found, in their own words; children by index id only.",
    )


class AlertReviewOut(_Out):
    """How, when and by whom an alert was closed."""

    outcome: ReviewOutcome
    note: str
    reviewed_by: str
    reviewed_by_username: str | None
    reviewed_at: datetime


class AlertOut(_Out):
    """One unusual-activity finding, computed from the trail (PRODUCT.md §5).

    ``id`` names the alert's UK day and is stable for the same rule, user and day (or
    entry), whatever window found it, so a review stays attached to it. ``review`` is
    ``None`` while the alert is open.
    """

    id: str
    rule: str
    user_id: str
    username: str | None
    first_at: datetime
    last_at: datetime
    count: int
    child_id: str | None
    summary: str
    entry_ids: list[str]
    review: AlertReviewOut | None = None


class AlertStatus(StrEnum):
    """Which alerts a listing shows: open (not reviewed), closed (reviewed), or all."""

    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


class AlertReport(_Out):
    """``GET /audit/alerts``: the findings of every rule over a window."""

    since: datetime
    until: datetime
    alerts: list[AlertOut]
