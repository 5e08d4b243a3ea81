"""User and device administration (PRODUCT.md §1, seed 004).

A user administrator creates users, records their training and vetting, changes their
roles and service, suspends and reinstates them, clears a lockout, and revokes devices.
Each function asks ``app.domain.policy.permit`` first and writes one ``admin`` audit
entry naming the action and its target in the caller's transaction, so the entry exists
exactly when the change does. Passwords never reach the audit trail.

Changing what a user may see (roles, service) bumps their ``access_epoch``, which expires
their sync cursors: their devices resync from scratch and drop what they may no longer
see. Suspension and device revocation revoke tokens at once; the client learns why at its
next request (``account_suspended`` / ``device_revoked``, see ``server.deps.resolve``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.audit import AuditAction
from app.domain.policy import Action, permit
from app.domain.roles import Role
from app.domain.services import default_catalogue
from app.domain.validators import validate_name
from server.admin.schemas import NewUser, UserChanges
from server.audit import trail
from server.auth import service as auth
from server.auth.models import DeviceRow, TokenRow, UserRow
from server.deps import Caller, to_domain_user
from server.errors import ApiError


def _require(caller: Caller, action: Action, now: datetime) -> None:
    permit(caller.user, action, today=now.date()).raise_if_refused()


def _audit(session: Session, caller: Caller, action: str, *, now: datetime, **details: Any) -> None:
    trail.record(
        session,
        AuditAction.ADMIN,
        now=now,
        actor_id=caller.user.id,
        device_id=caller.device_id,
        details={"action": action, **{k: v for k, v in details.items() if v is not None}},
    )


def _target(session: Session, user_id: str) -> UserRow:
    # Locked: two administrators changing one user must not lose an epoch bump.
    row = session.get(UserRow, user_id, with_for_update=True)
    if row is None:
        raise ApiError("not_found", "There is no user with that id.")
    return row


def _check_service(code: str | None) -> None:
    if code is not None:
        default_catalogue().get(code)  # raises ``unknown_service``


def _check_past(value: date | None, *, field: str, now: datetime) -> None:
    if value is not None and value > now.date():
        raise ApiError(
            "invalid_request",
            f"{field.replace('_', ' ').capitalize()} cannot be in the future.",
            status=422,
            field=field,
        )


def _revoke_tokens(session: Session, *, user_id: str, now: datetime, device_id: str | None) -> None:
    query = update(TokenRow).where(TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None))
    if device_id is not None:
        query = query.where(TokenRow.device_id == device_id)
    session.execute(query.values(revoked_at=now))


def list_users(session: Session, *, caller: Caller, now: datetime) -> list[UserRow]:
    """Every user, by username."""
    _require(caller, Action.MANAGE_USERS, now)
    rows = list(session.scalars(select(UserRow).order_by(UserRow.username)))
    _audit(session, caller, "list_users", now=now, count=len(rows))
    return rows


def create_user(session: Session, *, caller: Caller, new: NewUser, now: datetime) -> UserRow:
    """Create a user with an initial password (which is never audited)."""
    _require(caller, Action.MANAGE_USERS, now)
    _check_service(new.service_code)
    _check_past(new.training_completed_on, field="training_completed_on", now=now)
    _check_past(new.vetted_on, field="vetted_on", now=now)
    row = auth.create_user(
        session,
        username=new.username,
        password=new.password,
        display_name=validate_name(new.display_name, field="display_name"),
        roles=frozenset(new.roles),
        organisation=new.organisation,
        local_authority=new.local_authority,
        service_code=new.service_code,
        job_title=new.job_title,
        phone=new.contact.phone,
        email=new.contact.email,
        reception_desk=new.reception_desk,
        training_completed_on=new.training_completed_on,
        vetted_on=new.vetted_on,
    )
    # ``created_at`` follows the index's clock, like every other timestamp it records.
    row.created_at = now
    _audit(
        session,
        caller,
        "create_user",
        now=now,
        target_user_id=row.id,
        roles=sorted(r.value for r in new.roles),
        service_code=new.service_code,
    )
    return row


def update_user(
    session: Session, *, caller: Caller, user_id: str, changes: UserChanges, now: datetime
) -> UserRow:
    """Apply the fields present in ``changes``; a change of roles or service bumps the epoch."""
    _require(caller, Action.MANAGE_USERS, now)
    row = _target(session, user_id)
    given = changes.model_fields_set
    changed: dict[str, Any] = {}
    if "roles" in given and changes.roles is not None:
        roles = frozenset(changes.roles)
        if roles != to_domain_user(row).roles:
            if row.id == caller.user.id:
                raise ApiError(
                    "forbidden",
                    "You cannot change your own roles. Please ask another administrator.",
                )
            row.roles = _roles_column(roles)
            changed["roles"] = sorted(r.value for r in roles)
    if "service_code" in given and changes.service_code != row.service_code:
        _check_service(changes.service_code)
        row.service_code = changes.service_code
        changed["service_code"] = changes.service_code
    if "training_completed_on" in given and changes.training_completed_on != (
        row.training_completed_on
    ):
        _check_past(changes.training_completed_on, field="training_completed_on", now=now)
        row.training_completed_on = changes.training_completed_on
        changed["training_completed_on"] = _iso(changes.training_completed_on)
    if "vetted_on" in given and changes.vetted_on != row.vetted_on:
        _check_past(changes.vetted_on, field="vetted_on", now=now)
        row.vetted_on = changes.vetted_on
        changed["vetted_on"] = _iso(changes.vetted_on)
    if changes.reception_desk is not None and changes.reception_desk != row.reception_desk:
        row.reception_desk = changes.reception_desk
        changed["reception_desk"] = changes.reception_desk
    if "roles" in changed or "service_code" in changed:
        row.access_epoch += 1
    _audit(session, caller, "update_user", now=now, target_user_id=row.id, changed=changed)
    return row


def suspend_user(session: Session, *, caller: Caller, user_id: str, now: datetime) -> UserRow:
    """Suspend a user and revoke every token they hold, on every device."""
    _require(caller, Action.MANAGE_USERS, now)
    row = _target(session, user_id)
    if row.id == caller.user.id:
        raise ApiError(
            "forbidden",
            "You cannot suspend your own account. Please ask another administrator.",
        )
    row.suspended = True
    _revoke_tokens(session, user_id=row.id, now=now, device_id=None)
    _audit(session, caller, "suspend_user", now=now, target_user_id=row.id)
    return row


def reinstate_user(session: Session, *, caller: Caller, user_id: str, now: datetime) -> UserRow:
    """Lift a suspension; the user signs in again (their old tokens stay revoked)."""
    _require(caller, Action.MANAGE_USERS, now)
    row = _target(session, user_id)
    row.suspended = False
    _audit(session, caller, "reinstate_user", now=now, target_user_id=row.id)
    return row


def unlock_user(session: Session, *, caller: Caller, user_id: str, now: datetime) -> UserRow:
    """Clear a lockout after failed sign-ins, and the count of failures."""
    _require(caller, Action.MANAGE_USERS, now)
    row = _target(session, user_id)
    row.locked_until = None
    row.failed_logins = 0
    _audit(session, caller, "unlock_user", now=now, target_user_id=row.id)
    return row


def list_devices(
    session: Session, *, caller: Caller, user_id: str | None, now: datetime
) -> list[DeviceRow]:
    """Registered devices, most recently seen first; one user's if ``user_id`` is given."""
    _require(caller, Action.REVOKE_DEVICE, now)
    query = select(DeviceRow).order_by(DeviceRow.last_seen_at.desc(), DeviceRow.id)
    if user_id is not None:
        if session.get(UserRow, user_id) is None:
            raise ApiError("not_found", "There is no user with that id.")
        query = query.where(DeviceRow.user_id == user_id)
    rows = list(session.scalars(query))
    _audit(session, caller, "list_devices", now=now, target_user_id=user_id, count=len(rows))
    return rows


def revoke_device(
    session: Session, *, caller: Caller, device_id: str, user_id: str, now: datetime
) -> DeviceRow:
    """Revoke one user's registration of a device and every token issued to it there.

    Revoking again changes nothing (the first revocation time stands) but is audited.
    """
    _require(caller, Action.REVOKE_DEVICE, now)
    device = session.get(DeviceRow, (device_id, user_id), with_for_update=True)
    if device is None:
        raise ApiError("not_found", "That device is not registered to that user.")
    if device.revoked_at is None:
        device.revoked_at = now
    _revoke_tokens(session, user_id=user_id, now=now, device_id=device_id)
    _audit(
        session,
        caller,
        "revoke_device",
        now=now,
        target_user_id=user_id,
        target_device_id=device_id,
    )
    return device


def _roles_column(roles: frozenset[Role]) -> str:
    # The stored form ``auth.service.create_user`` writes: sorted, comma-separated.
    return ",".join(sorted(r.value for r in roles))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
