"""HTTP routes for user administrators: ``/admin/users`` and ``/admin/devices``.

Thin: each route hands its caller and body to ``server.admin.service``, which checks the
permission, makes the change and audits it in the request's transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from server.admin import service
from server.admin.schemas import (
    AdminUserView,
    DeviceList,
    DeviceRevocation,
    DeviceView,
    NewUser,
    UserChanges,
    UserList,
    device_view,
    user_view,
)
from server.deps import CurrentCaller, DbSession, Now

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users", response_model=UserList)
def list_users(caller: CurrentCaller, session: DbSession, now: Now) -> UserList:
    """Every user, by username (never a password hash)."""
    rows = service.list_users(session, caller=caller, now=now)
    return UserList(users=[user_view(row, now=now) for row in rows])


@router.post("/users", response_model=AdminUserView, status_code=201)
def create_user(
    body: NewUser, caller: CurrentCaller, session: DbSession, now: Now
) -> AdminUserView:
    """Create a user with an initial password of at least 12 characters."""
    row = service.create_user(session, caller=caller, new=body, now=now)
    return user_view(row, now=now)


@router.patch("/users/{user_id}", response_model=AdminUserView)
def update_user(
    user_id: str, body: UserChanges, caller: CurrentCaller, session: DbSession, now: Now
) -> AdminUserView:
    """Change roles, service, training or vetting dates, or the reception-desk flag.

    A change of roles or service bumps ``access_epoch``: the user's devices resync.
    """
    row = service.update_user(session, caller=caller, user_id=user_id, changes=body, now=now)
    return user_view(row, now=now)


@router.post("/users/{user_id}/suspend", response_model=AdminUserView)
def suspend_user(
    user_id: str, caller: CurrentCaller, session: DbSession, now: Now
) -> AdminUserView:
    """Suspend a user; every session they have ends at its next request."""
    row = service.suspend_user(session, caller=caller, user_id=user_id, now=now)
    return user_view(row, now=now)


@router.post("/users/{user_id}/reinstate", response_model=AdminUserView)
def reinstate_user(
    user_id: str, caller: CurrentCaller, session: DbSession, now: Now
) -> AdminUserView:
    """Lift a suspension; the user signs in again."""
    row = service.reinstate_user(session, caller=caller, user_id=user_id, now=now)
    return user_view(row, now=now)


@router.post("/users/{user_id}/unlock", response_model=AdminUserView)
def unlock_user(user_id: str, caller: CurrentCaller, session: DbSession, now: Now) -> AdminUserView:
    """Clear a lockout after too many failed sign-ins."""
    row = service.unlock_user(session, caller=caller, user_id=user_id, now=now)
    return user_view(row, now=now)


@router.get("/devices", response_model=DeviceList)
def list_devices(
    caller: CurrentCaller,
    session: DbSession,
    now: Now,
    user_id: Annotated[str | None, Query(max_length=36)] = None,
) -> DeviceList:
    """Registered devices, most recently seen first; one user's with ``?user_id=``."""
    rows = service.list_devices(session, caller=caller, user_id=user_id, now=now)
    return DeviceList(devices=[device_view(row) for row in rows])


@router.post("/devices/{device_id}/revoke", response_model=DeviceView)
def revoke_device(
    device_id: str, body: DeviceRevocation, caller: CurrentCaller, session: DbSession, now: Now
) -> DeviceView:
    """Revoke a user's device: its next request, refresh or sign-in is refused."""
    row = service.revoke_device(
        session, caller=caller, device_id=device_id, user_id=body.user_id, now=now
    )
    return device_view(row)
