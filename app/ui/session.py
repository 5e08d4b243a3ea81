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
* :func:`sign_in_to_sync` signs an offline session in to the index, so it can sync.
* :func:`make_change` makes a change to a record as the user: through the cache
  (``Cache.apply_local_change``: record, outbox and audit in one transaction, sent at the
  next sync) when the record is cached, straight to the index when it is not.
* :func:`search_index` searches the whole index; :func:`access_log`, :func:`conflicts`,
  :func:`rejected` and :func:`offline_lease` read what the windows list and explain.

The user the index last signed in is kept in the cache, so an offline session knows the
roles and service the rules judge an action by (:func:`acting_user`).
"""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal, TypeVar

from app.domain.audit import AuditAction
from app.domain.changes import Mutation, MutationPayload, PushRequest
from app.domain.errors import DomainError
from app.domain.policy import SearchResult
from app.domain.reasons import AccessReason
from app.domain.records import ChildRecord
from app.domain.roles import User
from app.domain.session import SignedIn, UserProfile
from app.store.cache import Cache
from app.store.device_secret import DeviceSecretStore
from app.store.keys import Argon2Params
from app.store.local_changes import authorise
from app.store.models import CaseloadRow, Conflict, OutboxItem, SearchHit
from app.store.profiles import Profile, create_profile, delete_profile, list_profiles
from app.store.wipe_limit import overdue
from app.sync.client import IndexClient
from app.sync.engine import Progress, SyncEngine, SyncReport, SyncStatus
from app.sync.errors import SyncError
from app.sync.transport import TransportSettings, normalise_base_url

log = logging.getLogger(__name__)

#: Codes meaning the index was not reached (or could not answer): the cache may serve.
UNREACHABLE_CODES = frozenset({"offline", "server_unavailable", "rate_limited", "bad_response"})

T = TypeVar("T")


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
    #: Who the index signed in: now, or (after an offline unlock) last time, if ever.
    user: UserProfile | None = None
    #: The day the index last let the user sign in (training and vetting in order).
    confirmed_on: date | None = None

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
    """A record opened for a reason, where it came from, and its caseload row if cached."""

    record: ChildRecord
    source: Literal["index", "cache"]
    #: The child's row in the offline caseload (pinned, changes waiting); ``None`` if the
    #: child is not in the copy on this computer.
    row: CaseloadRow | None = None


@dataclass(frozen=True)
class ChangeMade:
    """What a change did: the record as the user now sees it, and where it went."""

    index_id: str
    #: ``None`` when the index no longer lets the user see the record.
    record: ChildRecord | None
    row: CaseloadRow | None
    #: True when the change waits in the outbox for the next sync.
    queued: bool


@dataclass(frozen=True)
class AccessLine:
    """One line of "my access log": an entry of this device's audit chain about a child."""

    at: datetime
    action: AuditAction
    child_id: str
    #: The child's name, while the child is in the copy on this computer.
    child_name: str | None
    reason_code: str | None
    reason_text: str | None
    on_behalf_of: str | None
    #: True once the index holds the entry.
    sent: bool


@dataclass(frozen=True)
class LeaseState:
    """How the offline lease stands (PRODUCT.md §6)."""

    last_contact: datetime | None
    lease_hours: int
    wipe_after_days: int
    expired: bool


StatusCallback = Callable[[SyncStatus], None]
ProgressCallback = Callable[[Progress], None]

#: Records per pulled page. Each page is parsed in one call that holds Python's
#: interpreter lock, so the GUI thread waits for it: about 12 ms for 500 records, well
#: inside a frame budget of stalls; 200-record pages were a little smoother but cost
#: more round trips (bench/bench_gui.py; docs/performance.md, "Desktop client").
PULL_PAGE_SIZE = 500


def saved_profiles(context: UiContext) -> list[Profile]:
    """The profiles on this computer, for "pick your name" — none past its wipe limit."""
    profiles = list_profiles(context.data_root)
    doomed = {profile.profile_id for profile, _due in overdue(profiles, context.clock())}
    return [profile for profile in profiles if profile.profile_id not in doomed]


@dataclass(frozen=True)
class WipedCopy:
    """A profile destroyed because its copy was past the wipe limit."""

    username: str
    limit_days: int


def destroy_overdue(context: UiContext) -> list[WipedCopy]:
    """Destroy every profile whose copy is past its wipe limit (PRODUCT.md §6)."""
    wiped = []
    for profile, due in overdue(list_profiles(context.data_root), context.clock()):
        log.warning("profile %s past its wipe limit: destroying it", profile.profile_id)
        delete_profile(profile, context.secret_store)
        wiped.append(WipedCopy(username=profile.username, limit_days=due.limit_days))
    return wiped


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


def _engine(
    context: UiContext,
    cache: Cache,
    client: IndexClient,
    on_status: StatusCallback | None,
    on_progress: ProgressCallback | None,
) -> SyncEngine:
    return SyncEngine(
        cache,
        client,
        clock=context.clock,
        on_status=on_status,
        on_progress=on_progress,
        page_size=PULL_PAGE_SIZE,
    )


def _session(
    context: UiContext,
    profile: Profile,
    cache: Cache,
    on_status: StatusCallback | None,
    on_progress: ProgressCallback | None,
) -> Session:
    client = IndexClient(profile.server_url, context.transport)
    engine = _engine(context, cache, client, on_status, on_progress)
    return Session(profile=profile, cache=cache, client=client, engine=engine)


def _signed_in(context: UiContext, session: Session, signed_in: SignedIn) -> None:
    now = context.clock()
    session.user = signed_in.user
    session.confirmed_on = now.date()
    session.cache.remember_user(signed_in.user, now=now)


def unlock_offline(
    context: UiContext,
    profile: Profile,
    password: str,
    on_status: StatusCallback | None = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> Session:
    """Open a saved profile's cache with the password, without the index."""
    cache = _open_cache(context, profile, password)
    try:
        session = _session(context, profile, cache, on_status, on_progress)
        remembered = cache.remembered_user()
        if remembered is not None:
            session.user = remembered.user
            session.confirmed_on = remembered.confirmed_at.date()
        _audit_unlock(context, session, online=False)
    except BaseException:
        cache.close()
        raise
    log.info("profile %s unlocked offline", profile.profile_id)
    return session


def sign_in_saved(
    context: UiContext,
    profile: Profile,
    password: str,
    on_status: StatusCallback | None = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> Session:
    """Open a saved profile's cache and sign in to its index.

    The password is checked against the cache first, so a typo costs no failed sign-in
    at the index. If the index refuses or cannot be reached, the cache is closed again
    and the error raised; the window decides whether to offer an offline unlock.
    """
    cache = _open_cache(context, profile, password)
    session = _session(context, profile, cache, on_status, on_progress)
    try:
        signed_in = session.engine.sign_in(password, device_name=context.device_name)
        _signed_in(context, session, signed_in)
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
    on_progress: ProgressCallback | None = None,
) -> Session:
    """First sign-in on this computer: sign in, then create the profile and its cache.

    If this computer already has a profile for the user on that index, it is used
    instead of refusing (the user simply chose the other tab).
    """
    url = normalise_base_url(server_url)
    name = username.strip()
    existing = [p for p in saved_profiles(context) if p.username == name and p.server_url == url]
    if existing:
        return sign_in_saved(context, existing[0], password, on_status, on_progress=on_progress)
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
        engine = _engine(context, cache, client, on_status, on_progress)
        session = Session(profile=profile, cache=cache, client=client, engine=engine)
        _signed_in(context, session, signed_in)
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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold back Python's cycle collector while a sync runs on the worker.

    A sync allocates tens of thousands of short-lived objects (a page of records at a
    time), which makes the collector run full collections; each holds the interpreter
    lock for 20–40 ms on the worker, and the GUI thread cannot run meanwhile. Records,
    pages and rows hold no reference cycles, so nothing piles up in those few seconds;
    the young generations are collected straight after (bench/bench_gui.py).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)


def sync(context: UiContext, session: Session) -> SyncReport:
    """Push and pull now; keep who the index says the user is (their roles may change)."""
    with collector_paused():
        report = session.engine.sync_now()
    signed_in = session.client.signed_in
    if signed_in is not None and session.cache.is_open and signed_in.user != session.user:
        _signed_in(context, session, signed_in)
    return report


def sign_in_to_sync(context: UiContext, session: Session, password: str) -> UserProfile:
    """Sign an offline session in to the index (so it can sync); returns who signed in.

    A wrong password is refused by the index (``invalid_credentials``); a revoked device
    or suspended account destroys the offline copy, as a sync would.
    """
    signed_in = session.engine.sign_in(password, device_name=context.device_name)
    _signed_in(context, session, signed_in)
    log.info("profile %s signed in to sync", session.profile.profile_id)
    return signed_in.user


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
            record = _asking_index(session, lambda: session.client.open_record(index_id, reason))
        except SyncError as exc:
            if exc.code not in UNREACHABLE_CODES:
                raise
            log.info("index unreachable (%s): opening %s from the cache", exc.code, index_id)
        else:
            log.info("record %s opened from the index", index_id)
            return OpenedRecord(
                record=record, source="index", row=session.cache.caseload_row(index_id)
            )
    record = session.cache.open_record(
        index_id,
        reason,
        actor_id=session.user_id,
        device_id=session.profile.device_id,
        now=context.clock(),
    )
    return OpenedRecord(record=record, source="cache", row=session.cache.caseload_row(index_id))


def reread_open(
    session: Session, index_ids: Iterable[str]
) -> dict[str, tuple[ChildRecord, CaseloadRow]]:
    """The open records still in the cache, as the last sync left them (no new access)."""
    return session.cache.reread(index_ids)


# -- changes --------------------------------------------------------------------------------


def _asking_index(session: Session, call: Callable[[], T]) -> T:
    """Call the index directly; if it says the device or user is revoked, wipe the cache.

    The sync engine does this for syncs (PRODUCT.md §6); a record opened, a search or a
    change made online hears the same answer and must do the same.
    """
    try:
        return call()
    except SyncError as exc:
        if exc.revoked and session.cache.is_open:
            log.warning(
                "index says %s: destroying the cache of profile %s",
                exc.code,
                session.profile.profile_id,
            )
            session.cache.destroy()
        raise


def acting_user(session: Session) -> User | None:
    """The user as the access rules see them, or ``None`` if the index never said who.

    The index lets a user sign in only while their training and vetting are in order, and
    judges every change again when it receives it; the client knows only that both were
    in order on the day of the last sign-in, so that day stands for both.
    """
    profile, confirmed = session.user, session.confirmed_on
    if profile is None or confirmed is None:
        return None
    return User(
        id=profile.id,
        username=profile.username,
        display_name=profile.display_name,
        roles=frozenset(profile.roles),
        organisation=profile.organisation,
        local_authority=profile.local_authority,
        service_code=profile.service_code,
        training_completed_on=confirmed,
        vetted_on=confirmed,
    )


def make_change(
    context: UiContext, session: Session, record: ChildRecord, payload: MutationPayload
) -> ChangeMade:
    """Make a change to ``record`` as the user, with a new mutation id.

    A cached record is changed through the cache — the record, the outbox item and the
    audit entry in one transaction — and the change is sent at the next sync. A record
    that is not cached (found by searching the index) can only be changed online: the
    mutation goes to the index at once, which audits it; the child then joins the
    caseload at the next sync if the change put them there.
    """
    actor = acting_user(session)
    if actor is None:
        raise SyncError("sign_in_required")
    now = context.clock()
    mutation = Mutation(
        id=uuid.uuid4().hex, child_id=record.index_id, created_at=now, payload=payload
    )
    if session.cache.caseload_row(record.index_id) is not None:
        changed = session.cache.apply_local_change(mutation, actor=actor, now=now)
        return ChangeMade(
            index_id=record.index_id,
            record=changed,
            row=session.cache.caseload_row(record.index_id),
            queued=True,
        )
    if session.client.signed_in is None:
        raise SyncError("sign_in_required")
    # Refused here exactly as the index would refuse it, before anything is sent.
    authorise(actor, record, mutation, now=now)
    request = PushRequest(mutations=(mutation,))
    answer = _asking_index(session, lambda: session.client.push(request)).mutations[0]
    if not answer.status.acknowledged:
        log.info("change %s refused by the index: %s", mutation.id, answer.error)
        raise DomainError(
            answer.error or "rejected",
            answer.message or "The index refused this change. Nothing was saved.",
        )
    log.info("change %s (%s) made online", mutation.id, payload.kind)
    return ChangeMade(index_id=record.index_id, record=answer.current, row=None, queued=False)


@dataclass(frozen=True)
class ConflictLine:
    """A conflict waiting for the user, with the child's name."""

    conflict: Conflict
    child_name: str


@dataclass(frozen=True)
class RejectedLine:
    """An item the index refused, with the child's name when there is a child."""

    item: OutboxItem
    child_name: str | None


def _child_name(session: Session, index_id: str, record: ChildRecord | None = None) -> str:
    if record is not None:
        return record.display_name
    row = session.cache.caseload_row(index_id)
    return index_id if row is None else f"{row.given_names} {row.family_name}"


def conflicts(session: Session) -> list[ConflictLine]:
    """Changes the index found in conflict, waiting for the user, oldest first."""
    return [
        ConflictLine(conflict=c, child_name=_child_name(session, c.child_id, c.current))
        for c in session.cache.conflicts()
    ]


def resolve_conflict(
    context: UiContext, session: Session, mutation_id: str, keep: Literal["mine", "theirs"]
) -> ChildRecord | None:
    """Keep the index's version, or make the change again (queued for the next sync)."""
    return session.cache.resolve_conflict(mutation_id, keep, now=context.clock())


def rejected(session: Session) -> list[RejectedLine]:
    """Items the index refused, with its reasons, oldest first."""
    lines = []
    for item in session.cache.rejected():
        child = (
            item.mutation.child_id
            if item.mutation is not None
            else (item.audit.child_id if item.audit is not None else None)
        )
        lines.append(
            RejectedLine(
                item=item, child_name=None if child is None else _child_name(session, child)
            )
        )
    return lines


def dismiss_rejected(session: Session, item_id: str) -> None:
    """Forget a refused item the user has read."""
    session.cache.dismiss_rejected(item_id)


def access_log(session: Session, limit: int = 200) -> list[AccessLine]:
    """The user's recent accesses and changes recorded on this computer, newest first."""
    names: dict[str, str | None] = {}
    lines = []
    for logged in session.cache.access_log(limit):
        entry = logged.entry
        if entry.child_id is None:
            continue
        if entry.child_id not in names:
            row = session.cache.caseload_row(entry.child_id)
            names[entry.child_id] = None if row is None else f"{row.given_names} {row.family_name}"
        lines.append(
            AccessLine(
                at=entry.at,
                action=entry.action,
                child_id=entry.child_id,
                child_name=names[entry.child_id],
                reason_code=entry.reason_code,
                reason_text=entry.reason_text,
                on_behalf_of=entry.on_behalf_of,
                sent=logged.pushed_at is not None,
            )
        )
    return lines


def offline_lease(context: UiContext, session: Session) -> LeaseState:
    """Whether cached records may still be opened, and since when the index was reached."""
    policy = session.cache.device_policy()
    last = session.cache.last_contact()
    expired = last is None or context.clock() - last > timedelta(hours=policy.offline_lease_hours)
    return LeaseState(
        last_contact=last,
        lease_hours=policy.offline_lease_hours,
        wipe_after_days=policy.wipe_after_days,
        expired=expired,
    )


def search_index(session: Session, criteria: Mapping[str, str]) -> list[SearchResult]:
    """Search the whole index (PRODUCT.md §3); the index audits the search."""
    if session.client.signed_in is None:
        raise SyncError("not_signed_in")
    return _asking_index(session, lambda: session.client.search(**criteria))
