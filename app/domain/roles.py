"""Who the users are: roles, the user as the rules see them, and access preconditions.

PRODUCT.md §1. A user may hold several roles; what they may do is the union of what
their roles grant (``policy.py`` holds that table). Before any of it applies, a user must
have completed mandatory training and hold an enhanced vetting check less than three
years old (seed 004) — otherwise they are refused politely and specifically.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

#: Seed 004: "an enhanced CRB certificate which is less than three years old".
VETTING_VALID_YEARS = 3


class Role(StrEnum):
    """The six roles of PRODUCT.md §1."""

    VIEWER = "viewer"
    PRACTITIONER = "practitioner"
    ESSENTIAL = "essential"
    INDEX_MANAGER = "index_manager"
    USER_ADMIN = "user_admin"
    DATA_MANAGER = "data_manager"


ROLE_LABELS: dict[Role, str] = {
    Role.VIEWER: "Viewer",
    Role.PRACTITIONER: "Practitioner",
    Role.ESSENTIAL: "Essential staff",
    Role.INDEX_MANAGER: "Index manager",
    Role.USER_ADMIN: "User administrator",
    Role.DATA_MANAGER: "Data manager",
}


class User(BaseModel):
    """A signed-in user as the access rules see them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    username: str
    display_name: str
    roles: frozenset[Role]
    organisation: str
    local_authority: str
    service_code: str | None = None
    training_completed_on: date | None = None
    vetted_on: date | None = None
    suspended: bool = False

    def has(self, role: Role) -> bool:
        """True if the user holds ``role`` itself (not a role that includes it)."""
        return role in self.roles


class Refusal(BaseModel):
    """Why the rules say no: a stable code and a message for the person refused."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str


def vetting_expires_on(vetted_on: date) -> date:
    """The day a vetting check stops being valid (its third anniversary)."""
    try:
        return vetted_on.replace(year=vetted_on.year + VETTING_VALID_YEARS)
    except ValueError:  # vetted on 29 February; the anniversary falls on 1 March
        return date(vetted_on.year + VETTING_VALID_YEARS, 3, 1)


def precondition_refusal(user: User, *, today: date) -> Refusal | None:
    """Return why ``user`` may not use the index today, or ``None`` if they may.

    Checked at sign-in and again for every action, so a lapse takes effect at once.
    """
    if user.suspended:
        return Refusal(
            code="account_suspended",
            message="Your account is suspended. Please contact your user administrator.",
        )
    if user.training_completed_on is None or user.training_completed_on > today:
        return Refusal(
            code="training_incomplete",
            message=(
                "Your mandatory Everychild training has not been recorded as complete. "
                "Please complete it, then ask your user administrator to record it."
            ),
        )
    if user.vetted_on is None or vetting_expires_on(user.vetted_on) <= today:
        return Refusal(
            code="vetting_expired",
            message=(
                "Your enhanced vetting check is missing or more than three years old. "
                "Please ask your user administrator to record a current check."
            ),
        )
    return None
