"""Signing in: users, password checks, lockout, devices, and rotating tokens.

Failures are recorded (failed-login count, lockout, audit entry) in their own committed
transaction before the refusal is raised, so a refused login is still on the audit trail.
Refresh tokens rotate on every use; presenting one that was already used means it was
copied, so the whole token family is revoked (RFC 6819 §5.2.2.3).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.audit import AuditAction
from app.domain.errors import DomainError
from app.domain.roles import Role, precondition_refusal
from app.domain.session import DevicePolicy, SignedIn, UserProfile
from server.audit import trail
from server.auth.models import DeviceRow, TokenRow, UserRow
from server.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from server.auth.tokens import new_token, token_hash
from server.config import Settings
from server.deps import to_domain_user
from server.errors import ApiError

_INVALID = "The username or password is not right. Please try again."


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str,
    roles: frozenset[Role],
    organisation: str,
    local_authority: str,
    service_code: str | None = None,
    job_title: str = "Practitioner",
    phone: str | None = None,
    email: str | None = None,
    reception_desk: bool = False,
    training_completed_on: date | None = None,
    vetted_on: date | None = None,
) -> UserRow:
    """Create a user; refuse a taken username or a short password."""
    if not roles:
        raise ApiError("invalid_request", "A user needs at least one role.", field="roles")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ApiError(
            "weak_password",
            f"Passwords must be at least {MIN_PASSWORD_LENGTH} characters long.",
            field="password",
        )
    if session.scalars(select(UserRow.id).where(UserRow.username == username)).first():
        raise ApiError("username_taken", f"The username {username!r} is already in use.")
    row = UserRow(
        id=uuid.uuid4().hex,
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        roles=",".join(sorted(r.value for r in roles)),
        organisation=organisation,
        local_authority=local_authority,
        service_code=service_code,
        job_title=job_title,
        phone=phone,
        email=email,
        reception_desk=reception_desk,
        training_completed_on=training_completed_on,
        vetted_on=vetted_on,
    )
    session.add(row)
    session.flush()
    return row


def profile(row: UserRow) -> UserProfile:
    """The user as the client sees them."""
    return UserProfile(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        roles=tuple(sorted(to_domain_user(row).roles)),
        organisation=row.organisation,
        local_authority=row.local_authority,
        service_code=row.service_code,
        job_title=row.job_title,
        reception_desk=row.reception_desk,
    )


def device_policy(settings: Settings, row: UserRow) -> DevicePolicy:
    """The policy this user's device enforces; reception desks lock sooner."""
    return DevicePolicy(
        idle_lock_minutes=(
            settings.reception_idle_lock_minutes
            if row.reception_desk
            else settings.idle_lock_minutes
        ),
        offline_lease_hours=settings.offline_lease_hours,
        wipe_after_days=settings.wipe_after_days,
    )


def _issue(
    session: Session,
    settings: Settings,
    row: UserRow,
    *,
    device_id: str,
    family_id: str,
    now: datetime,
) -> SignedIn:
    access, refresh = new_token(), new_token()
    session.add_all(
        [
            TokenRow(
                token_hash=token_hash(access),
                kind="access",
                family_id=family_id,
                user_id=row.id,
                device_id=device_id,
                issued_at=now,
                expires_at=now + timedelta(minutes=settings.access_token_minutes),
            ),
            TokenRow(
                token_hash=token_hash(refresh),
                kind="refresh",
                family_id=family_id,
                user_id=row.id,
                device_id=device_id,
                issued_at=now,
                expires_at=now + timedelta(days=settings.refresh_token_days),
            ),
        ]
    )
    return SignedIn(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_minutes * 60,
        user=profile(row),
        policy=device_policy(settings, row),
    )


@dataclass
class _Refused:
    error: DomainError


def _refuse_login(
    session: Session,
    *,
    user: UserRow | None,
    device_id: str,
    code: str,
    username: str,
    now: datetime,
) -> None:
    trail.record(
        session,
        AuditAction.LOGIN_FAILED,
        now=now,
        actor_id=user.id if user else None,
        device_id=device_id,
        details={"username": username[:64], "error": code},
    )


def login(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    username: str,
    password: str,
    device_id: str,
    device_name: str,
    now: datetime,
) -> SignedIn:
    """Check credentials and preconditions, register the device, issue tokens."""
    outcome: SignedIn | _Refused
    with factory() as session, session.begin():
        outcome = _login(
            session,
            settings,
            username=username,
            password=password,
            device_id=device_id,
            device_name=device_name,
            now=now,
        )
    if isinstance(outcome, _Refused):
        raise outcome.error
    return outcome


def _login(
    session: Session,
    settings: Settings,
    *,
    username: str,
    password: str,
    device_id: str,
    device_name: str,
    now: datetime,
) -> SignedIn | _Refused:
    user = session.scalars(
        select(UserRow).where(UserRow.username == username).with_for_update()
    ).one_or_none()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        _refuse_login(
            session, user=user, device_id=device_id, code="locked_out", username=username, now=now
        )
        minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
        return _Refused(
            ApiError(
                "locked_out",
                "Too many failed sign-in attempts. Your account is locked for "
                f"{minutes} more minute{'s' if minutes != 1 else ''}; please try again later "
                "or ask your user administrator.",
            )
        )
    # Always verify (against a dummy hash for an unknown name) so the response time does
    # not reveal which usernames exist.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok:
        if user is None:
            _refuse_login(
                session,
                user=None,
                device_id=device_id,
                code="invalid_credentials",
                username=username,
                now=now,
            )
            return _Refused(ApiError("invalid_credentials", _INVALID))
        user.failed_logins += 1
        if user.failed_logins >= settings.lockout_threshold:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            _refuse_login(
                session,
                user=user,
                device_id=device_id,
                code="locked_out",
                username=username,
                now=now,
            )
            return _Refused(
                ApiError(
                    "locked_out",
                    "Too many failed sign-in attempts. Your account is locked for "
                    f"{settings.lockout_minutes} minutes.",
                )
            )
        _refuse_login(
            session,
            user=user,
            device_id=device_id,
            code="invalid_credentials",
            username=username,
            now=now,
        )
        return _Refused(ApiError("invalid_credentials", _INVALID))
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    refusal = precondition_refusal(to_domain_user(user), today=now.date())
    if refusal is not None:
        _refuse_login(
            session, user=user, device_id=device_id, code=refusal.code, username=username, now=now
        )
        return _Refused(ApiError(refusal.code, refusal.message))
    device = session.get(DeviceRow, (device_id, user.id))
    if device is not None and device.revoked_at is not None:
        _refuse_login(
            session,
            user=user,
            device_id=device_id,
            code="device_revoked",
            username=username,
            now=now,
        )
        return _Refused(
            ApiError(
                "device_revoked",
                "This device's access to Everychild has been revoked. Its offline records will be "
                "removed. Please contact your user administrator.",
            )
        )
    if device is None:
        session.add(
            DeviceRow(
                id=device_id, user_id=user.id, name=device_name, registered_at=now, last_seen_at=now
            )
        )
    else:
        device.last_seen_at = now
        device.name = device_name or device.name
    signed_in = _issue(
        session, settings, user, device_id=device_id, family_id=uuid.uuid4().hex, now=now
    )
    trail.record(
        session,
        AuditAction.LOGIN,
        now=now,
        actor_id=user.id,
        device_id=device_id,
        details={"device_name": device_name[:100]},
    )
    return signed_in


def refresh(
    factory: sessionmaker[Session], settings: Settings, *, refresh_token: str, now: datetime
) -> SignedIn:
    """Rotate a refresh token; a reused one revokes its whole family."""
    outcome: SignedIn | _Refused
    with factory() as session, session.begin():
        outcome = _refresh(session, settings, refresh_token=refresh_token, now=now)
    if isinstance(outcome, _Refused):
        raise outcome.error
    return outcome


def revoke_family(session: Session, family_id: str, now: datetime) -> None:
    """Revoke every token of a login (sign-out, theft, revocation)."""
    session.execute(
        update(TokenRow)
        .where(TokenRow.family_id == family_id, TokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _refresh(
    session: Session, settings: Settings, *, refresh_token: str, now: datetime
) -> SignedIn | _Refused:
    token = session.scalars(
        select(TokenRow).where(TokenRow.token_hash == token_hash(refresh_token)).with_for_update()
    ).one_or_none()
    if token is None or token.kind != "refresh":
        return _Refused(
            ApiError("invalid_token", "Your session is not valid. Please sign in again.")
        )
    user = session.get(UserRow, token.user_id)
    device = session.get(DeviceRow, (token.device_id, token.user_id))
    assert user is not None
    # Device revocation and suspension revoke the tokens too; they are checked before the
    # token's own state so the client learns why it was signed out (and wipes its cache).
    if device is None or device.revoked_at is not None:
        revoke_family(session, token.family_id, now)
        return _Refused(
            ApiError(
                "device_revoked",
                "This device's access to Everychild has been revoked. Its offline records will be "
                "removed. Please contact your user administrator.",
            )
        )
    refusal = precondition_refusal(to_domain_user(user), today=now.date())
    if refusal is not None:
        revoke_family(session, token.family_id, now)
        return _Refused(ApiError(refusal.code, refusal.message))
    if token.used_at is not None or token.revoked_at is not None:
        if token.used_at is not None:
            revoke_family(session, token.family_id, now)
            trail.record(
                session,
                AuditAction.TOKEN_REFRESH,
                now=now,
                actor_id=token.user_id,
                device_id=token.device_id,
                details={"error": "refresh_token_reused"},
            )
            return _Refused(
                ApiError(
                    "refresh_token_reused",
                    "This session was used from somewhere else, so it has been ended for safety. "
                    "Please sign in again.",
                )
            )
        return _Refused(ApiError("invalid_token", "Your session has ended. Please sign in again."))
    if token.expires_at <= now:
        return _Refused(
            ApiError("token_expired", "Your session has expired. Please sign in again.")
        )
    token.used_at = now
    device.last_seen_at = now
    signed_in = _issue(
        session, settings, user, device_id=token.device_id, family_id=token.family_id, now=now
    )
    trail.record(
        session, AuditAction.TOKEN_REFRESH, now=now, actor_id=user.id, device_id=token.device_id
    )
    return signed_in
