"""What the windows ask of the cache and the index, as plain functions run on the worker.

No Qt here: every function is called through ``app.ui.tasks`` on the single cache worker
(the thread that opens the cache must be the one that uses it), and takes and returns
domain objects. The windows decide what to show; these functions decide nothing about
access — the cache and the index do.

* :func:`unlock_offline` opens a saved profile's cache with the password alone.
* :func:`sign_in_saved` does that and then signs in to the index on the profile's device.
* :func:`sign_in_new` signs in first (so a wrong password creates nothing), then creates
  the profile and its cache (PRODUCT.md §6: one profile per user per computer).
* :func:`open_record` opens a record for a reason: from the index when signed in (the
  index audits the access), otherwise from the cache (audited locally, pushed later).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from app.domain.audit import AuditAction
from app.domain.errors import DomainError
from app.domain.reasons import AccessReason
from app.domain.records import ChildRecord
from app.domain.session import UserProfile
from app.store.cache import Cache
from app.store.device_secret import DeviceSecretStore
from app.store.keys import Argon2Params
from app.store.models import CaseloadRow, SearchHit
from app.store.profiles import Profile, create_profile, list_profiles
from app.sync.client import IndexClient
from app.sync.engine import SyncEngine, SyncReport, SyncStatus
from app.sync.errors import SyncError
from app.sync.transport import TransportSettings, normalise_base_url

log = logging.getLogger(__name__)

#: Codes meaning the index was not reached (or could not answer): the cache may serve.
UNREACHABLE_CODES = frozenset({"offline", "server_unavailable", "rate_limited", "bad_response"})


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class UiContext:
    """What the desktop client takes from the world outside; tests and the demo replace parts."""

    secret_store: DeviceSecretStore
    #: Where profiles live (``None``: the per-user data folder).
    data_root: Path | None = None
    #: Argon2 costs for a new profile's key; ``None`` tunes them on this computer.
    argon2_params: Argon2Params | None = None
    transport: TransportSettings = field(default_factory=TransportSettings)
    clock: Callable[[], datetime] = _utcnow
    #: DEMO mode (PRODUCT.md §8): throwaway secrets and profiles, marked on screen.
    demo: bool = False
    #: The index address to offer on the first sign-in.
    default_server_url: str = ""
    device_name: str = "Everychild desktop"


@dataclass
class Session:
    """One unlocked profile: its cache, the index client and the sync engine.

    Use every part only from the cache worker.
    """

    profile: Profile
    cache: Cache
    client: IndexClient
    engine: SyncEngine
    #: Who signed in, once the index has said (not known after an offline unlock).
    user: UserProfile | None = None

    @property
    def user_id(self) -> str:
        """The signed-in user's id, as the audit trail records it."""
        if self.user is not None:
            return self.user.id
        if self.profile.user_id is None:
            raise SyncError("sign_in_required")
        return self.profile.user_id

    @property
    def display_name(self) -> str:
        """How the status bar names the user."""
        return self.user.display_name if self.user is not None else self.profile.username


@dataclass(frozen=True)
class OpenedRecord:
    """A record opened for a reason, and where it came from."""

    record: ChildRecord
    source: Literal["index", "cache"]


StatusCallback = Callable[[SyncStatus], None]


def saved_profiles(context: UiContext) -> list[Profile]:
    """The profiles on this computer, for "pick your name"."""
    return list_profiles(context.data_root)


def _open_cache(context: UiContext, profile: Profile, password: str) -> Cache:
    now = context.clock()
    cache = Cache.open(profile, password, context.secret_store, now=now, clock=context.clock)
    try:
        wiped = cache.check_wipe(now)
    except BaseException:
        cache.close()
        raise
    if wiped:
        raise SyncError("cache_wiped")
    return cache


def _session(
    context: UiContext, profile: Profile, cache: Cache, on_status: StatusCallback | None
) -> Session:
    client = IndexClient(profile.server_url, context.transport)
    engine = SyncEngine(cache, client, clock=context.clock, on_status=on_status)
    return Session(profile=profile, cache=cache, client=client, engine=engine)


def unlock_offline(
    context: UiContext, profile: Profile, password: str, on_status: StatusCallback | None = None
) -> Session:
    """Open a saved profile's cache with the password, without the index."""
    cache = _open_cache(context, profile, password)
    try:
        session = _session(context, profile, cache, on_status)
        _audit_unlock(context, session, online=False)
    except BaseException:
        cache.close()
        raise
    log.info("profile %s unlocked offline", profile.profile_id)
    return session


def sign_in_saved(
    context: UiContext, profile: Profile, password: str, on_status: StatusCallback | None = None
) -> Session:
    """Open a saved profile's cache and sign in to its index.

    The password is checked against the cache first, so a typo costs no failed sign-in
    at the index. If the index refuses or cannot be reached, the cache is closed again
    and the error raised; the window decides whether to offer an offline unlock.
    """
    cache = _open_cache(context, profile, password)
    session = _session(context, profile, cache, on_status)
    try:
        signed_in = session.engine.sign_in(password, device_name=context.device_name)
        session.user = signed_in.user
        _audit_unlock(context, session, online=True)
    except BaseException:
        _close(session)
        raise
    log.info("profile %s signed in", profile.profile_id)
    return session


def sign_in_new(
    context: UiContext,
    *,
    server_url: str,
    username: str,
    password: str,
    on_status: StatusCallback | None = None,
) -> Session:
    """First sign-in on this computer: sign in, then create the profile and its cache.

    If this computer already has a profile for the user on that index, it is used
    instead of refusing (the user simply chose the other tab).
    """
    url = normalise_base_url(server_url)
    name = username.strip()
    existing = [p for p in saved_profiles(context) if p.username == name and p.server_url == url]
    if existing:
        return sign_in_saved(context, existing[0], password, on_status)
    device_id = uuid.uuid4().hex
    client = IndexClient(url, context.transport)
    try:
        signed_in = client.login(
            username=name, password=password, device_id=device_id, device_name=context.device_name
        )
        now = context.clock()
        profile = create_profile(
            username=name,
            server_url=client.base_url,
            password=password,
            secret_store=context.secret_store,
            now=now,
            user_id=signed_in.user.id,
            device_id=device_id,
            params=context.argon2_params,
            root=context.data_root,
        )
        cache = Cache.open(profile, password, context.secret_store, now=now, clock=context.clock)
    except BaseException:
        client.close()
        raise
    try:
        cache.record_contact(now, signed_in.policy, reception_desk=signed_in.user.reception_desk)
        engine = SyncEngine(cache, client, clock=context.clock, on_status=on_status)
        session = Session(
            profile=profile, cache=cache, client=client, engine=engine, user=signed_in.user
        )
        _audit_unlock(context, session, online=True)
    except BaseException:
        cache.close()
        client.close()
        raise
    log.info("profile %s created and signed in", profile.profile_id)
    return session


def _audit_unlock(context: UiContext, session: Session, *, online: bool) -> None:
    session.cache.audit_event(
        AuditAction.UNLOCK,
        actor_id=session.user_id,
        now=context.clock(),
        details={"mode": "online" if online else "offline"},
    )


def _close(session: Session) -> None:
    if session.cache.is_open:
        session.cache.close()
    session.client.close()


def lock(context: UiContext, session: Session) -> None:
    """Lock: audit it, close the cache (SQLCipher wipes its key) and forget the tokens."""
    session.engine.cancel()
    try:
        if session.cache.is_open:
            session.cache.audit_event(
                AuditAction.LOCK, actor_id=session.user_id, now=context.clock()
            )
    except DomainError as exc:
        log.info("lock not audited: %s", exc.code)
    finally:
        _close(session)
    log.info("profile %s locked", session.profile.profile_id)


def caseload(session: Session) -> list[CaseloadRow]:
    """Every cached child."""
    return session.cache.caseload()


def search(session: Session, text: str) -> list[SearchHit]:
    """The cached children matching what was typed."""
    return session.cache.search(text)


def sync(session: Session) -> SyncReport:
    """Push and pull now."""
    return session.engine.sync_now()


def open_record(
    context: UiContext, session: Session, index_id: str, reason: AccessReason
) -> OpenedRecord:
    """Open a record for ``reason``: from the index if signed in, else from the cache.

    A refusal by the index (a role that may not open it, a reason it does not accept)
    is final; only an index that could not be reached or answer lets the cached copy
    serve instead, audited locally and pushed at the next sync.
    """
    if session.client.signed_in is not None:
        try:
            record = session.client.open_record(index_id, reason)
        except SyncError as exc:
            if exc.code not in UNREACHABLE_CODES:
                raise
            log.info("index unreachable (%s): opening %s from the cache", exc.code, index_id)
        else:
            log.info("record %s opened from the index", index_id)
            return OpenedRecord(record=record, source="index")
    record = session.cache.open_record(
        index_id,
        reason,
        actor_id=session.user_id,
        device_id=session.profile.device_id,
        now=context.clock(),
    )
    return OpenedRecord(record=record, source="cache")
