"""The offline cache the sync engine and the UI use: one open, encrypted caseload.

PRODUCT.md §3 and §6. A :class:`Cache` is one profile's SQLCipher database, unlocked
with the user's password and the device secret (``keys.py``, ``device_secret.py``).
Every method takes and returns domain models.

Thread rules: a ``Cache`` belongs to the thread that opened it. The desktop client opens
and uses it only from its single cache worker; the sync engine and the UI submit work
there. Using it from another thread raises ``sqlcipher3.ProgrammingError`` (sqlite's
``check_same_thread``) rather than risking a race.

Atomicity: each public write is one transaction. Opening a record writes its audit entry
and queues that entry for the index together; a local change updates the cached record,
queues the mutation and appends its audit entry together; a pulled page and its cursor
are stored together. If any part fails, none of it is kept.

Locking: :meth:`close` locks the cache (the UI calls it on idle); afterwards every method
refuses with ``cache_locked`` until the profile is opened again with the password.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlcipher3

from app.domain.audit import AuditAction, ChainBreak
from app.domain.changes import (
    CaseloadDigest,
    Change,
    ChangesPage,
    ClearIndicator,
    EndInvolvement,
    Mutation,
    Pin,
    Unpin,
    caseload_digest,
)
from app.domain.errors import DomainError
from app.domain.reasons import AccessReason, validate_access_reason
from app.domain.records import ChildRecord
from app.domain.roles import User
from app.domain.session import DevicePolicy, UserProfile
from app.store import audit_chain, caseload, outbox, schema, search
from app.store.database import Connection, connect, map_errors, transaction
from app.store.device_secret import DeviceSecretStore
from app.store.errors import StoreError
from app.store.keys import unwrap_key
from app.store.local_changes import apply_mutation, authorise
from app.store.models import (
    AccessLogEntry,
    CaseloadRow,
    Conflict,
    OutboxItem,
    OutboxKind,
    RememberedUser,
    SearchHit,
    StoredChanges,
)
from app.store.profiles import Profile, delete_profile, device_secret
from app.store.wipe_limit import record_wipe_due

log = logging.getLogger(__name__)

#: Used until the index has sent a policy (PRODUCT.md §6 defaults).
DEFAULT_POLICY = DevicePolicy(idle_lock_minutes=15, offline_lease_hours=72, wipe_after_days=14)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class Cache:
    """One user's encrypted offline caseload, open. Build with :meth:`open`."""

    def __init__(
        self,
        profile: Profile,
        connection: Connection,
        secret_store: DeviceSecretStore,
        clock: Callable[[], datetime],
    ) -> None:
        self._profile = profile
        self._connection: Connection | None = connection
        self._secret_store = secret_store
        self._clock = clock

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        profile: Profile,
        password: str,
        secret_store: DeviceSecretStore,
        *,
        now: datetime,
        clock: Callable[[], datetime] = _utcnow,
    ) -> Cache:
        """Unlock ``profile``'s cache with ``password`` and the device secret.

        Refuses with ``device_secret_missing``, ``wrong_password`` (both before the file
        is touched), ``cache_unreadable`` or ``cache_too_new``; nothing is deleted. On
        unlock, records of children past the retention age are purged. ``clock`` stamps
        the writes whose methods take no ``now``.
        """
        secret = device_secret(profile, secret_store)
        key = unwrap_key(
            profile.key, password=password, device_secret=secret, profile_id=profile.profile_id
        )
        try:
            connection = connect(profile.database_path, key)
        finally:
            # SQLCipher holds its own copy of the key for as long as the connection is
            # open; ours is not needed again, so it is overwritten at once.
            key[:] = bytes(len(key))
        try:
            schema.migrate(connection)
            cache = cls(profile, connection, secret_store, clock)
            cache._purge_expired(now)
        except BaseException:
            connection.close()
            raise
        log.info("cache opened for profile %s", profile.profile_id)
        return cache

    @property
    def profile(self) -> Profile:
        """The profile this cache belongs to."""
        return self._profile

    @property
    def is_open(self) -> bool:
        """False once closed (locked) or destroyed."""
        return self._connection is not None

    def close(self) -> None:
        """Lock: close the database, which makes SQLCipher wipe the key it held."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
            log.info("cache closed for profile %s", self._profile.profile_id)

    def _db(self) -> Connection:
        if self._connection is None:
            raise StoreError("cache_locked")
        return self._connection

    # -- reading ---------------------------------------------------------------------------

    def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        """Search the cached caseload as the user types (names, date of birth, postcode)."""
        with map_errors():
            return search.search(self._db(), text, limit=limit)

    def caseload(self) -> list[CaseloadRow]:
        """Every cached child, by name."""
        with map_errors():
            return caseload.rows(self._db())

    def caseload_row(self, index_id: str) -> CaseloadRow | None:
        """One cached child's caseload row (pinned, changes waiting), or ``None``."""
        with map_errors():
            found = caseload.rows(self._db(), index_id)
        return found[0] if found else None

    def reread(self, index_ids: Iterable[str]) -> dict[str, tuple[ChildRecord, CaseloadRow]]:
        """Records already open on screen, as a sync has left them; absent ones are gone.

        Not an access: each was opened for a reason, and audited, when its tab opened;
        this only keeps what is on show true to the copy on this computer.
        """
        found: dict[str, tuple[ChildRecord, CaseloadRow]] = {}
        with map_errors():
            connection = self._db()
            for index_id in index_ids:
                record = caseload.current_view(connection, index_id)
                rows = caseload.rows(connection, index_id)
                if record is not None and rows:
                    found[index_id] = (record, rows[0])
        return found

    def open_record(
        self,
        index_id: str,
        reason: AccessReason | None,
        *,
        actor_id: str,
        device_id: str,
        now: datetime,
    ) -> ChildRecord:
        """Open a cached record for a reason, auditing the access (PRODUCT.md §3).

        Refuses with the domain's reason codes (``reason_required``,
        ``reason_text_required``, …), ``lease_expired`` once the device has been out of
        contact for longer than the offline lease, or ``not_cached``. The audit entry is
        written and queued for the index in one transaction. ``device_id`` must be this
        profile's (``profile.device_id``): each profile writes its own chain.
        """
        # Validated again here, so a missing reason or one built without validation
        # (``model_construct``) is refused with the domain's own codes.
        checked = (
            validate_access_reason(None)
            if reason is None
            else validate_access_reason(str(reason.code), reason.text, reason.on_behalf_of)
        )
        self._check_device(device_id)
        with transaction(self._db()) as connection:
            self._check_lease(connection, now)
            record = caseload.current_view(connection, index_id)
            if record is None:
                raise StoreError("not_cached")
            audit_chain.append(
                connection,
                chain=self._profile.chain,
                action=AuditAction.OPEN,
                at=now,
                actor_id=actor_id,
                device_id=device_id,
                child_id=index_id,
                reason_code=checked.code.value,
                reason_text=checked.text,
                on_behalf_of=checked.on_behalf_of,
                details={"source": "offline_cache"},
            )
        log.info("record %s opened from the cache (%s)", index_id, checked.code.value)
        return record

    def _check_device(self, device_id: str) -> None:
        if device_id != self._profile.device_id:
            raise ValueError("device_id is not this profile's device id")

    def _check_lease(self, connection: Connection, now: datetime) -> None:
        policy = self._policy(connection)
        last = self._last_contact(connection)
        if last is None or now - last > timedelta(hours=policy.offline_lease_hours):
            raise StoreError(
                "lease_expired",
                f"This computer has not been in contact with the index for more than "
                f"{policy.offline_lease_hours} hours, so cached records cannot be opened. "
                "Connect to the network and sign in online again.",
            )

    # -- local changes -------------------------------------------------------------------

    def apply_local_change(self, mutation: Mutation, *, actor: User, now: datetime) -> ChildRecord:
        """Make a change to a cached record now, and queue it for the index.

        The policy is asked first (the index asks again when the change is pushed). The
        cached record, the outbox item and the audit entry are written in one
        transaction; returns the record as the user now sees it.
        """
        with transaction(self._db()) as connection:
            record = self._apply(connection, mutation, actor=actor, now=now)
        log.info(
            "local change %s (%s) on record %s",
            mutation.id,
            mutation.payload.kind,
            mutation.child_id,
        )
        return record

    def _apply(
        self, connection: Connection, mutation: Mutation, *, actor: User, now: datetime
    ) -> ChildRecord:
        record = caseload.current_view(connection, mutation.child_id)
        if record is None:
            raise StoreError("not_cached")
        authorise(actor, record, mutation, now=now)
        updated = apply_mutation(record, mutation, actor)
        if isinstance(mutation.payload, Pin):
            caseload.pin(connection, mutation.child_id, now=now)
        elif isinstance(mutation.payload, Unpin):
            caseload.unpin(connection, mutation.child_id)
        else:
            caseload.set_local_view(connection, mutation.child_id, updated)
        try:
            outbox.add_mutation(connection, mutation, actor, now=now)
        except sqlcipher3.IntegrityError:
            raise DomainError("duplicate", "This change has already been saved.") from None
        # A pin is an access, for a reason (seed 004): its entry carries the reason, as an
        # opening's does, so the user's own access log can show it.
        pin = mutation.payload if isinstance(mutation.payload, Pin) else None
        audit_chain.append(
            connection,
            chain=self._profile.chain,
            action=AuditAction(mutation.payload.kind),
            at=now,
            actor_id=actor.id,
            device_id=self._profile.device_id,
            child_id=mutation.child_id,
            reason_code=None if pin is None else pin.reason_code,
            reason_text=None if pin is None else pin.reason_text,
            on_behalf_of=None if pin is None else pin.on_behalf_of,
            details={"mutation_id": mutation.id},
        )
        return updated

    def _refresh_view(self, connection: Connection, index_id: str) -> None:
        # The user's view is the index's copy with every pending mutation re-applied in
        # order. One that no longer fits (its involvement has gone) is left for the index
        # to refuse, and skipped here.
        server = caseload.server_copy(connection, index_id)
        if server is None:
            return
        view = server
        for mutation, actor in outbox.pending_mutations(connection, index_id):
            try:
                view = apply_mutation(view, mutation, actor)
            except DomainError as exc:
                log.info("pending change %s does not apply locally: %s", mutation.id, exc.code)
        caseload.set_local_view(connection, index_id, None if view == server else view)

    # -- pulling ------------------------------------------------------------------------

    def store_page(self, changes: ChangesPage, *, now: datetime) -> StoredChanges:
        """Store one pulled page — upserts, removals and the new cursor — in one transaction.

        A page with an upsert that carries no record, or someone else's record, is refused
        whole (``invalid_page``): nothing from it is stored and the cursor stays put.
        """
        with transaction(self._db()) as connection:
            stored: list[str] = []
            removed: list[str] = []
            batch: list[ChildRecord] = []
            # In page order, so a removal after an upsert of the same child wins; runs
            # of upserts go to the database together.
            for change in changes.changes:
                if change.op == "upsert":
                    batch.append(_upserted_record(change))
                    continue
                stored += caseload.upsert(connection, batch, now=now)
                batch = []
                removed += caseload.remove(connection, [change.index_id])
            stored += caseload.upsert(connection, batch, now=now)
            pending = outbox.children_with_pending(connection)
            for index_id in set(stored) & pending:
                self._refresh_view(connection, index_id)
            self._set_cursor(connection, changes.cursor)
            if changes.digest is not None:
                connection.execute(
                    "UPDATE sync_state SET last_digest_count = ?, last_digest_hash = ?",
                    (changes.digest.count, changes.digest.hash),
                )
        log.info("stored page: %d upserts, %d removals", len(stored), len(removed))
        return StoredChanges(upserted=tuple(stored), removed=tuple(removed))

    def replace_all(
        self, records: Iterable[ChildRecord], cursor: str, *, now: datetime
    ) -> StoredChanges:
        """Replace the cached caseload with a full resync, in one transaction.

        Unpushed outbox items are never discarded: a record with pending mutations is
        stored fresh and has them re-applied, or, if the index no longer sent it, kept as
        it was until the push has been answered.
        """
        fresh = list(records)
        with transaction(self._db()) as connection:
            pending = outbox.children_with_pending(connection)
            keep = {r.index_id for r in fresh} | pending
            removed = caseload.remove(connection, sorted(caseload.cached_ids(connection) - keep))
            stored = caseload.upsert(connection, fresh, now=now)
            for index_id in set(stored) & pending:
                self._refresh_view(connection, index_id)
            self._set_cursor(connection, cursor)
        log.info("full resync: %d records stored, %d removed", len(stored), len(removed))
        return StoredChanges(upserted=tuple(stored), removed=tuple(removed))

    @staticmethod
    def _set_cursor(connection: Connection, cursor: str) -> None:
        connection.execute("UPDATE sync_state SET cursor = ?", (cursor,))

    def cursor(self) -> str | None:
        """Where the next pull continues from; ``None`` before the first."""
        with map_errors():
            row = self._db().execute("SELECT cursor FROM sync_state").fetchone()
        return None if row[0] is None else str(row[0])

    def digest(self) -> CaseloadDigest:
        """The caseload digest over the cached (index id, version) pairs."""
        with map_errors():
            return caseload_digest(caseload.versions(self._db()))

    def last_server_digest(self) -> CaseloadDigest | None:
        """The digest the index sent with its last page that had one."""
        with map_errors():
            count, hash_ = (
                self._db()
                .execute("SELECT last_digest_count, last_digest_hash FROM sync_state")
                .fetchone()
            )
        return None if count is None else CaseloadDigest(count=count, hash=hash_)

    # -- pushing ------------------------------------------------------------------------

    def outbox_batch(self, limit: int) -> list[OutboxItem]:
        """The oldest pending outbox items, in order, for the next push."""
        with map_errors():
            return outbox.pending(self._db(), limit)

    def record_attempt(self, item_ids: Iterable[str], error: str | None = None) -> None:
        """Count a push attempt for these items (with the error, if it failed)."""
        with transaction(self._db()) as connection:
            outbox.note_attempt(connection, item_ids, error)

    def acknowledge(self, item_ids: Iterable[str]) -> None:
        """Drop items the index has applied (or already had). Unknown ids are ignored."""
        now = self._clock()
        ids = list(item_ids)
        with transaction(self._db()) as connection:
            removed = outbox.remove(connection, ids)
            audit_chain.mark_pushed(
                connection, [i for i, kind in removed if kind == OutboxKind.AUDIT], now=now
            )
        log.info("acknowledged %d outbox items", len(removed))

    def mark_rejected(self, item_id: str, code: str, message: str) -> None:
        """Keep an item the index refused, with its reason, and stop showing its effect."""
        with transaction(self._db()) as connection:
            child_id = outbox.reject(connection, item_id, code, message)
            if child_id is not None:
                self._refresh_view(connection, child_id)
        log.info("outbox item %s rejected: %s", item_id, code)

    def move_to_conflicts(self, item_id: str, current_record: ChildRecord | None) -> None:
        """Turn a pending mutation the index reported as a conflict into one for the user.

        The index's current record replaces the cached copy, and the user's change stops
        being shown until they choose to make it again.
        """
        now = self._clock()
        with transaction(self._db()) as connection:
            taken = outbox.take_mutation(connection, item_id)
            if taken is None:
                return
            mutation, actor = taken
            outbox.add_conflict(connection, mutation, actor, current_record, now=now)
            if current_record is not None and caseload.is_cached(connection, mutation.child_id):
                caseload.upsert(connection, [current_record], now=now)
            self._refresh_view(connection, mutation.child_id)
        log.info("outbox item %s moved to conflicts", item_id)

    def pending_count(self) -> int:
        """How many outbox items wait to be pushed."""
        with map_errors():
            return outbox.pending_count(self._db())

    def rejected(self) -> list[OutboxItem]:
        """Items the index refused, for the user to read."""
        with map_errors():
            return outbox.rejected(self._db())

    def rejected_count(self) -> int:
        """How many refused items wait for the user to read them (without loading them)."""
        with map_errors():
            return outbox.rejected_count(self._db())

    def dismiss_rejected(self, item_id: str) -> None:
        """Forget a refused item once the user has read it."""
        with transaction(self._db()) as connection:
            outbox.dismiss(connection, item_id)

    def conflicts(self) -> list[Conflict]:
        """Conflicts waiting for the user."""
        with map_errors():
            return outbox.open_conflicts(self._db())

    def conflict_count(self) -> int:
        """How many conflicts wait for the user (without loading them)."""
        with map_errors():
            return outbox.open_conflict_count(self._db())

    def resolve_conflict(
        self, mutation_id: str, keep: Literal["mine", "theirs"], *, now: datetime | None = None
    ) -> ChildRecord | None:
        """Resolve a conflict: keep the index's version, or make the change again.

        ``"mine"`` re-applies the change to the record as it is now, as a new mutation
        (new id, versions taken from the current record), queued, audited and marked
        resolved in one transaction; it returns the record as the user now sees it. If
        the change no longer fits the record, the refusal is raised and the conflict
        stays open.
        """
        moment = now or self._clock()
        with transaction(self._db()) as connection:
            found = outbox.conflict(connection, mutation_id)
            if found is None:
                raise StoreError("conflict_not_found")
            mutation, actor = found
            record = None
            if keep == "mine":
                current = caseload.current_view(connection, mutation.child_id)
                if current is None:
                    raise StoreError("not_cached")
                retry = _rebased(mutation, current, moment)
                record = self._apply(connection, retry, actor=actor, now=moment)
            outbox.resolve(connection, mutation_id, keep, now=moment)
        log.info("conflict %s resolved: %s", mutation_id, keep)
        return record

    # -- the signed-in user ---------------------------------------------------------------

    def remember_user(self, user: UserProfile, *, now: datetime) -> None:
        """Keep who the index has just signed in, for offline sessions of this profile."""
        with transaction(self._db()) as connection:
            connection.execute(
                "INSERT INTO signed_in_user (id, user_json, confirmed_at) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET user_json = excluded.user_json, "
                "confirmed_at = excluded.confirmed_at",
                (user.model_dump_json(), caseload.timestamp(now)),
            )

    def remembered_user(self) -> RememberedUser | None:
        """Who the index last signed in on this profile, and when; ``None`` before that."""
        with map_errors():
            row = (
                self._db().execute("SELECT user_json, confirmed_at FROM signed_in_user").fetchone()
            )
        if row is None:
            return None
        return RememberedUser(
            user=UserProfile.model_validate_json(row[0]),
            confirmed_at=datetime.fromisoformat(row[1]),
        )

    # -- device policy, lease and wipe -----------------------------------------------------

    def record_contact(
        self, now: datetime, policy: DevicePolicy, *, reception_desk: bool | None = None
    ) -> None:
        """Note a successful contact with the index, and the device policy it sent.

        The moment the copy falls due for wiping is mirrored beside the cache
        (:mod:`app.store.wipe_limit`), so a copy past it is destroyed when the client starts.
        """
        with transaction(self._db()) as connection:
            connection.execute(
                "UPDATE sync_state SET last_contact_at = ?", (caseload.timestamp(now),)
            )
            connection.execute(
                "INSERT INTO device_policy (id, idle_lock_minutes, offline_lease_hours, "
                "wipe_after_days, reception_desk) VALUES (1, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET idle_lock_minutes = excluded.idle_lock_minutes, "
                "offline_lease_hours = excluded.offline_lease_hours, "
                "wipe_after_days = excluded.wipe_after_days, "
                "reception_desk = coalesce(?, reception_desk)",
                (
                    policy.idle_lock_minutes,
                    policy.offline_lease_hours,
                    policy.wipe_after_days,
                    int(bool(reception_desk)),
                    None if reception_desk is None else int(reception_desk),
                ),
            )
        try:
            record_wipe_due(self._profile, last_contact=now, limit_days=policy.wipe_after_days)
        except OSError as exc:
            # The check at unlock still applies; the mirror only brings the wipe forward.
            log.warning(
                "wipe-due of profile %s not written: %s", self._profile.profile_id, exc.strerror
            )

    def record_sync_success(self, now: datetime) -> None:
        """Note that a sync finished successfully at ``now`` (kept across restarts)."""
        with transaction(self._db()) as connection:
            connection.execute("UPDATE sync_state SET last_sync_at = ?", (caseload.timestamp(now),))

    def last_sync(self) -> datetime | None:
        """When a sync last finished successfully; ``None`` if never (or not known)."""
        with map_errors():
            row = self._db().execute("SELECT last_sync_at FROM sync_state").fetchone()
        return _parse_time(row[0])

    def device_policy(self) -> DevicePolicy:
        """The last policy the index sent, or the defaults before the first."""
        with map_errors():
            return self._policy(self._db())

    def reception_desk(self) -> bool:
        """True if the index said this user works at a shared reception desk."""
        with map_errors():
            row = self._db().execute("SELECT reception_desk FROM device_policy").fetchone()
        return bool(row and row[0])

    def last_contact(self) -> datetime | None:
        """When the index was last reached successfully."""
        with map_errors():
            return self._last_contact(self._db())

    @staticmethod
    def _policy(connection: Connection) -> DevicePolicy:
        row = connection.execute(
            "SELECT idle_lock_minutes, offline_lease_hours, wipe_after_days FROM device_policy"
        ).fetchone()
        if row is None:
            return DEFAULT_POLICY
        return DevicePolicy(
            idle_lock_minutes=row[0], offline_lease_hours=row[1], wipe_after_days=row[2]
        )

    @staticmethod
    def _last_contact(connection: Connection) -> datetime | None:
        row = connection.execute("SELECT last_contact_at FROM sync_state").fetchone()
        return _parse_time(row[0])

    def check_wipe(self, now: datetime) -> bool:
        """Destroy the cache if the device has been out of contact past the wipe limit.

        Counted from the last successful contact, or from when the profile was created if
        there has been none. Returns True if the cache was destroyed.
        """
        with map_errors():
            connection = self._db()
            policy = self._policy(connection)
            since = self._last_contact(connection) or self._profile.created_at
        if now - since <= timedelta(days=policy.wipe_after_days):
            return False
        log.warning(
            "profile %s out of contact for more than %d days: wiping its cache",
            self._profile.profile_id,
            policy.wipe_after_days,
        )
        self.destroy()
        return True

    def destroy(self) -> None:
        """Securely wipe this profile: key material first, then every file.

        Used after the wipe limit, and when the index says the user or device is revoked.
        """
        self.close()
        delete_profile(self._profile, self._secret_store)

    # -- audit ------------------------------------------------------------------------------

    def audit_event(
        self,
        action: AuditAction,
        *,
        actor_id: str,
        now: datetime,
        details: dict[str, str] | None = None,
    ) -> None:
        """Audit something the user did that is not a record access, such as unlock or lock."""
        with transaction(self._db()) as connection:
            audit_chain.append(
                connection,
                chain=self._profile.chain,
                action=action,
                at=now,
                actor_id=actor_id,
                device_id=self._profile.device_id,
                details=dict(details or {}),
            )

    def access_log(self, limit: int = 200) -> list[AccessLogEntry]:
        """The newest entries of this device's audit chain, newest first ("my access log").

        Entries the index already holds are kept for ``LOCAL_AUDIT_DAYS`` of the sync
        engine, then pruned; the index keeps the authoritative trail.
        """
        with map_errors():
            return audit_chain.recent(self._db(), limit)

    def verify_audit(self) -> ChainBreak | None:
        """Verify the local audit chain; the first broken link, or ``None`` if intact."""
        with map_errors():
            return audit_chain.verify(self._db())

    def prune_pushed_audit(self, keep_days: int, *, now: datetime | None = None) -> int:
        """Delete local audit entries the index holds and that are older than ``keep_days``."""
        with transaction(self._db()) as connection:
            return audit_chain.prune_pushed(
                connection, keep_days=keep_days, now=now or self._clock()
            )

    # -- retention ------------------------------------------------------------------------

    def _purge_expired(self, now: datetime) -> None:
        with transaction(self._db()) as connection:
            due = caseload.due_for_destruction(connection, now.date())
            caseload.remove(connection, due)
        if due:
            log.info("purged %d records past the retention age", len(due))


def _upserted_record(change: Change) -> ChildRecord:
    if change.record is None or change.record.index_id != change.index_id:
        raise StoreError("invalid_page")
    return change.record


def _rebased(mutation: Mutation, current: ChildRecord, now: datetime) -> Mutation:
    """The same change as a new mutation, against the versions in ``current``."""
    payload = mutation.payload
    if isinstance(payload, EndInvolvement):
        involvement = next(
            (i for i in current.involvements if i.id == payload.involvement_id), None
        )
        if involvement is not None:
            payload = payload.model_copy(update={"base_version": involvement.version})
    elif isinstance(payload, ClearIndicator):
        indicator = next(
            (x for i in current.involvements for x in i.indicators if x.id == payload.indicator_id),
            None,
        )
        if indicator is not None:
            payload = payload.model_copy(update={"base_version": indicator.version})
    return Mutation(
        id=uuid.uuid4().hex, child_id=mutation.child_id, created_at=now, payload=payload
    )
