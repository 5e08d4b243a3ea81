"""HTTP routes for signing in: ``/auth/login``, ``/auth/refresh``, ``/auth/logout``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.domain.audit import AuditAction
from app.domain.session import SignedIn
from server.audit import trail
from server.auth import service
from server.deps import CurrentCaller, DbSession, Now, SessionFactory, SettingsDep

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginRequest(BaseModel):
    """Credentials and the device signing in (registered with each login)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    device_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    device_name: str = Field(default="", max_length=200)


class RefreshRequest(BaseModel):
    """The refresh token to rotate."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=200)


@router.post("/login", response_model=SignedIn)
def login(body: LoginRequest, factory: SessionFactory, settings: SettingsDep, now: Now) -> SignedIn:
    """Sign in: tokens, the user (roles, organisation) and the device policy."""
    return service.login(
        factory,
        settings,
        username=body.username,
        password=body.password,
        device_id=body.device_id,
        device_name=body.device_name,
        now=now,
    )


@router.post("/refresh", response_model=SignedIn)
def refresh(
    body: RefreshRequest, factory: SessionFactory, settings: SettingsDep, now: Now
) -> SignedIn:
    """Rotate tokens. Reusing an old refresh token ends the whole session family."""
    return service.refresh(factory, settings, refresh_token=body.refresh_token, now=now)


@router.post("/logout", status_code=204)
def logout(caller: CurrentCaller, session: DbSession, now: Now) -> None:
    """End this session on this device (its access and refresh tokens)."""
    service.revoke_family(session, caller.token_family, now)
    trail.record(
        session, AuditAction.LOGOUT, now=now, actor_id=caller.user.id, device_id=caller.device_id
    )
