"""The sign-in contract: what the index tells a client when a user signs in or refreshes.

PRODUCT.md §6–§7: tokens, who the user is, and the device policy the client enforces
offline (idle lock, offline lease, wipe limit).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.domain.roles import Role


class DevicePolicy(BaseModel):
    """How long a device may go unattended or out of contact (PRODUCT.md §6)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idle_lock_minutes: int = Field(ge=1)
    offline_lease_hours: int = Field(ge=1)
    wipe_after_days: int = Field(ge=1)


class UserProfile(BaseModel):
    """The signed-in user, as the client shows and uses them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    username: str
    display_name: str
    roles: tuple[Role, ...]
    organisation: str
    local_authority: str
    service_code: str | None = None
    job_title: str
    reception_desk: bool = False


class Tokens(BaseModel):
    """A bearer access token and the refresh token that rotates it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="seconds until the access token expires")


class SignedIn(Tokens):
    """``POST /api/v1/auth/login`` and ``/refresh``: tokens, user and device policy."""

    user: UserProfile
    policy: DevicePolicy
