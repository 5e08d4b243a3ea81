"""Request and response bodies of the children endpoints (separate from the tables).

The change endpoints take the sync payload models of ``app.domain.changes`` directly
(``AddInvolvement``, ``SetIndicator``, ``RecordDecision``), so online and pushed changes
are validated identically; only the parts carried in the URL are split off here.
Every request model refuses unknown fields.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.domain.policy import SearchResult
from app.domain.reasons import REASON_TEXT_MAX_LENGTH
from app.domain.records import ChildRecord

#: Reason text is checked by the domain (``reason_text_too_long``); this bound only
#: stops a body from carrying bulk data before that check runs.
_REASON_TEXT_BOUND = 4 * REASON_TEXT_MAX_LENGTH
#: The audit trail stores reason text of up to this many characters.
SHIELD_REASON_MAX_LENGTH = REASON_TEXT_MAX_LENGTH


class Request(BaseModel):
    """Base of request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class AccessRequest(Request):
    """``POST /children/{id}/access``: why the record is being opened (PRODUCT.md §3).

    ``reason_code`` is optional here so that a missing one gets the domain's
    ``reason_required`` rather than a generic validation error.
    """

    reason_code: str | None = Field(default=None, max_length=40)
    reason_text: str | None = Field(default=None, max_length=_REASON_TEXT_BOUND)
    on_behalf_of: str | None = Field(
        default=None, max_length=64, description="username of the practitioner who asked"
    )


class EndInvolvementRequest(Request):
    """``POST /children/{id}/involvements/{involvement_id}/end``."""

    end_date: date
    base_version: int = Field(ge=1, description="the involvement's version the caller saw")


class ShieldRequest(Request):
    """``POST /children/{id}/shield``."""

    reason: str = Field(max_length=SHIELD_REASON_MAX_LENGTH)
    review_date: date


class UnshieldRequest(Request):
    """``DELETE /children/{id}/shield``."""

    reason: str = Field(max_length=SHIELD_REASON_MAX_LENGTH)


class SearchResponse(BaseModel):
    """``GET /children``: the matches, each just enough to pick the right child."""

    results: list[SearchResult]
    count: int


class ConflictResponse(BaseModel):
    """A 409 ``conflict``: the change was not saved; ``current`` is the record now."""

    error: str = "conflict"
    message: str
    current: ChildRecord


class ShieldReview(BaseModel):
    """One shielded record whose shield is due for review."""

    index_id: str
    given_names: str
    family_name: str
    date_of_birth: date
    review_date: date
    reason: str
    shielded_at: datetime | None
    shielded_by: str | None


class ShieldReviewsResponse(BaseModel):
    """``GET /children/shield-reviews``."""

    reviews: list[ShieldReview]
    count: int


#: ``POST /children/{id}/pin``: pinning needs a reason for access, as opening does.
PinRequest = AccessRequest


class PinState(BaseModel):
    """Whether a record is pinned to the caller's offline caseload (never the record)."""

    model_config = ConfigDict(frozen=True)

    index_id: str
    pinned: bool
