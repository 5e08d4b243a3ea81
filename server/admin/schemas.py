"""Request and response shapes of the admin endpoints (users and devices).

Kept apart from the tables: a user as an administrator sees them never carries a
password hash, and a request names only what an administrator may set.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.domain.roles import Role
from server.auth.models import DeviceRow, UserRow
from server.deps import to_domain_user

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ServiceCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ContactDetails(BaseModel):
    """How colleagues reach a user (shown beside their involvements)."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9][0-9 ()-]{5,39}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ContactView(BaseModel):
    """Contact details as stored (they may predate today's input rules)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phone: str | None
    email: str | None


class NewUser(BaseModel):
    """``POST /admin/users``: everything about a new user, and their initial password."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    organisation: Text200
    local_authority: Text200
    service_code: ServiceCode | None = None
    job_title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ] = "Practitioner"
    contact: ContactDetails = Field(default_factory=ContactDetails)
    reception_desk: bool = False
    training_completed_on: date | None = None
    vetted_on: date | None = None
    # The length rule is the sign-in service's (``weak_password``); this only bounds input.
    password: str = Field(min_length=1, max_length=1024)


class UserChanges(BaseModel):
    """``PATCH /admin/users/{id}``: only the fields present are changed.

    ``service_code``, ``training_completed_on`` and ``vetted_on`` may be set to null (no
    service; training or vetting no longer recorded); ``roles`` and ``reception_desk``
    may not.
    """

    model_config = ConfigDict(extra="forbid")

    roles: list[Role] | None = Field(default=None, min_length=1, max_length=len(Role))
    training_completed_on: date | None = None
    vetted_on: date | None = None
    reception_desk: bool | None = None
    service_code: ServiceCode | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if not self.model_fields_set:
            raise ValueError(
                "say what to change: roles, training_completed_on, vetted_on, "
                "reception_desk or service_code"
            )
        for name in ("roles", "reception_desk"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class DeviceRevocation(BaseModel):
    """``POST /admin/devices/{id}/revoke``: whose registration of the device to revoke.

    A shared reception PC has one device id but a registration per user.
    """

    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(min_length=1, max_length=36)


class AdminUserView(BaseModel):
    """A user as their administrator sees them: no password hash, ever."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    username: str
    display_name: str
    roles: tuple[Role, ...]
    organisation: str
    local_authority: str
    service_code: str | None
    job_title: str
    contact: ContactView
    reception_desk: bool
    training_completed_on: date | None
    vetted_on: date | None
    suspended: bool
    locked_until: datetime | None
    access_epoch: int
    created_at: datetime


class UserList(BaseModel):
    """``GET /admin/users``."""

    users: list[AdminUserView]


class DeviceView(BaseModel):
    """One user's registration of one device."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    user_id: str
    name: str
    registered_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None


class DeviceList(BaseModel):
    """``GET /admin/devices``."""

    devices: list[DeviceView]


def user_view(row: UserRow, *, now: datetime) -> AdminUserView:
    """The administrator's view of a user row; an expired lock shows as no lock."""
    locked = row.locked_until if row.locked_until and row.locked_until > now else None
    return AdminUserView(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        roles=tuple(sorted(to_domain_user(row).roles)),
        organisation=row.organisation,
        local_authority=row.local_authority,
        service_code=row.service_code,
        job_title=row.job_title,
        contact=ContactView(phone=row.phone, email=row.email),
        reception_desk=row.reception_desk,
        training_completed_on=row.training_completed_on,
        vetted_on=row.vetted_on,
        suspended=row.suspended,
        locked_until=locked,
        access_epoch=row.access_epoch,
        created_at=row.created_at,
    )


def device_view(row: DeviceRow) -> DeviceView:
    """A device registration as the administrator sees it."""
    return DeviceView(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        registered_at=row.registered_at,
        last_seen_at=row.last_seen_at,
        revoked_at=row.revoked_at,
    )
