"""Response shapes of the audit endpoints: chain verification, views, spot checks, alerts.

Kept apart from the tables: an entry as an auditor sees it carries its chain position
and who the actor is, never the raw row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


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


class AlertOut(_Out):
    """One unusual-activity finding, computed from the trail (PRODUCT.md §5).

    ``id`` is stable for the same finding over the same evidence, so a review outcome
    can later be attached to it.
    """

    id: str
    rule: str
    user_id: str | None
    username: str | None
    first_at: datetime
    last_at: datetime
    count: int
    child_id: str | None
    summary: str
    entry_ids: list[str]


class AlertReport(_Out):
    """``GET /audit/alerts``: the findings of every rule over a window."""

    since: datetime
    until: datetime
    alerts: list[AlertOut]
