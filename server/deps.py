"""FastAPI dependencies shared by every router: settings, clock, session, caller.

``DbSession`` is one transaction per request: committed when the endpoint returns and
before the response is sent, rolled back whole when it raises — so a refused request
never leaves a partial write, and no answer claims a change that is not committed.
``CurrentCaller`` resolves the bearer token to the signed-in user and device, refusing
expired tokens, revoked devices and suspended users at every request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from app.domain.roles import Role, User
from server.auth.models import DeviceRow, TokenRow, UserRow
from server.auth.tokens import token_hash
from server.config import Settings
from server.errors import ApiError


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_now(request: Request) -> datetime:
    """The current time from the app's clock (tests may move it)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def get_session_factory(request: Request) -> sessionmaker[Session]:
    """The session factory, for work that must commit on its own (failed-login records)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def db_session(request: Request) -> Iterator[Session]:
    """One transaction for the request."""
    factory = get_session_factory(request)
    with factory() as session, session.begin():
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
Now = Annotated[datetime, Depends(get_now)]
#: Committed before the response is sent (``scope="function"``): FastAPI otherwise runs a
#: request-scoped dependency's exit after the answer has left, so a client could be told
#: "applied" about a change whose commit then failed, or never ran because the process
#: died — and drop it from its outbox for good.
DbSession = Annotated[Session, Depends(db_session, scope="function")]
SessionFactory = Annotated[sessionmaker[Session], Depends(get_session_factory)]


def to_domain_user(row: UserRow) -> User:
    """The user as the access rules see them."""
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        roles=frozenset(Role(r) for r in row.roles.split(",") if r),
        organisation=row.organisation,
        local_authority=row.local_authority,
        service_code=row.service_code,
        training_completed_on=row.training_completed_on,
        vetted_on=row.vetted_on,
        suspended=row.suspended,
    )


@dataclass(frozen=True)
class Caller:
    """Who is making this request, from which device."""

    user: User
    row: UserRow
    device_id: str
    token_family: str


def resolve(session: Session, token: str, now: datetime) -> Caller:
    """Turn a bearer token into a caller, or refuse with a stable code."""
    row = session.get(TokenRow, token_hash(token))
    if row is None or row.kind != "access":
        raise ApiError("invalid_token", "Your session is not valid. Please sign in again.")
    user = session.get(UserRow, row.user_id)
    device = session.get(DeviceRow, (row.device_id, row.user_id))
    if user is None or device is None:
        raise ApiError("invalid_token", "Your session is not valid. Please sign in again.")
    # Revoking a device or suspending a user also revokes their tokens; these come first
    # so the client learns *why* at its next contact (and wipes its cache), rather than
    # a bare "invalid token" that would only send it back to the sign-in screen.
    if device.revoked_at is not None:
        raise ApiError(
            "device_revoked",
            "This device's access to Everychild has been revoked. Its offline records will "
            "be removed. Please contact your user administrator.",
        )
    if user.suspended:
        raise ApiError(
            "account_suspended",
            "Your account is suspended. Please contact your user administrator.",
        )
    if row.revoked_at is not None:
        raise ApiError("invalid_token", "Your session is not valid. Please sign in again.")
    if row.expires_at <= now:
        raise ApiError("token_expired", "Your session has expired. Please sign in again.")
    device.last_seen_at = now
    return Caller(
        user=to_domain_user(user), row=user, device_id=device.id, token_family=row.family_id
    )


def current_caller(request: Request, session: DbSession, now: Now) -> Caller:
    """The authenticated caller of this request."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError("not_authenticated", "Please sign in: this request needs a bearer token.")
    return resolve(session, token.strip(), now)


CurrentCaller = Annotated[Caller, Depends(current_caller)]
