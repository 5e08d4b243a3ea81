"""What sync tests build on: staff and children on the live index, and devices that sync.

:class:`World` writes straight into the index's database, as an administrator's import
would — users (``server.auth.service.create_user``) and children with involvements
(``server.children.repository.insert_child``, which also feeds the change log) — and
reads it back to check what the index holds. Administrative actions that a client
would notice (revoking a device, suspending a user, changing roles) go through the real
admin API as ``demo-user-admin``.

:class:`Device` is one profile on one computer: a real encrypted cache under
``tmp_path`` (cheap Argon2, device secret in memory) and a :class:`SyncEngine` talking to
the index over loopback HTTP.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import select, update

from app.domain.changes import (
    CaseloadDigest,
    EndInvolvement,
    Mutation,
    MutationPayload,
    SetIndicator,
    caseload_digest,
)
from app.domain.identifiers import new_index_id
from app.domain.reasons import validate_access_reason
from app.domain.records import (
    Address,
    ChildRecord,
    IndicatorKind,
    Involvement,
    ParentCarer,
)
from app.domain.retention import is_due_for_destruction
from app.domain.roles import Role, User
from app.store.cache import Cache
from app.store.database import Connection, connect
from app.store.device_secret import DeviceSecretStore, EphemeralSecretStore
from app.store.keys import Argon2Params, unwrap_key
from app.store.profiles import Profile, create_profile, device_secret
from app.sync.client import IndexClient
from app.sync.engine import Progress, SyncEngine, SyncStatus
from app.sync.transport import TransportSettings
from server.audit import service as audit_service
from server.audit.models import AuditRow
from server.auth.models import TokenRow
from server.auth.service import create_user
from server.children.models import ChildRow, IndicatorRow
from server.children.repository import insert_child, load_child, to_record, touch
from server.db import make_engine, make_session_factory, transaction
from server.sync import feed
from server.sync.caseload import caseload_query
from server.sync.models import AppliedMutationRow

PASSWORD = "Correct-horse-battery-42"
DEMO_PASSWORD = "Everychild-demo-1"
CHEAP = Argon2Params(time_cost=1, memory_cost=1024, parallelism=1)
#: Patient enough for a loaded test machine, quick to give up and retry.
FAST_RETRIES = TransportSettings(
    connect_timeout=2.0,
    read_timeout=15.0,
    retries=3,
    backoff_factor=0.01,
    backoff_max=0.05,
    backoff_jitter=0.01,
)
#: Words no synthetic record uses, so a search of the cache for them cannot match by chance.
SENSITIVE_MARKER = "Quillfeather CAMHS"


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in UTC, as the index's clock sees it."""
    return utcnow().date()


@dataclass(frozen=True)
class Staff:
    """A user of the index, as the tests know them."""

    id: str
    username: str
    roles: frozenset[Role]
    service_code: str | None
    trained_on: date
    vetted_on: date

    def as_user(self) -> User:
        """The user as the access rules (and the cache's local checks) see them."""
        return User(
            id=self.id,
            username=self.username,
            display_name="Test Practitioner",
            roles=self.roles,
            organisation="Test Health Trust",
            local_authority="Brighton and Hove",
            service_code=self.service_code,
            training_completed_on=self.trained_on,
            vetted_on=self.vetted_on,
        )


class World:
    """The live index's database, for building scenarios and checking outcomes."""

    def __init__(self, database_url: str, server_url: str) -> None:
        self.server_url = server_url
        self._engine = make_engine(database_url)
        self.sessions = make_session_factory(self._engine)
        self._rng = random.Random(uuid.uuid4().int)
        self._admin: dict[str, str] | None = None

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    # -- building ---------------------------------------------------------------------------

    def staff(self, *roles: Role, service_code: str | None = "health_visiting") -> Staff:
        """A trained, vetted user with a unique username."""
        day = today()
        staff = Staff(
            id="",
            username=f"t-{uuid.uuid4().hex[:12]}",
            roles=frozenset(roles or (Role.PRACTITIONER,)),
            service_code=service_code,
            trained_on=day - timedelta(days=60),
            vetted_on=day - timedelta(days=200),
        )
        with transaction(self.sessions) as session:
            row = create_user(
                session,
                username=staff.username,
                password=PASSWORD,
                display_name="Test Practitioner",
                roles=staff.roles,
                organisation="Test Health Trust",
                local_authority="Brighton and Hove",
                service_code=service_code,
                training_completed_on=staff.trained_on,
                vetted_on=staff.vetted_on,
            )
            return Staff(**{**staff.__dict__, "id": row.id})

    def children(
        self,
        staff: Sequence[Staff] | Staff,
        count: int,
        *,
        sensitive_practitioner: str | None = None,
    ) -> list[str]:
        """``count`` new children, each with an active involvement of every ``staff``.

        With ``sensitive_practitioner`` (a user id), each also has a CAMHS involvement of
        that practitioner, whose organisation is :data:`SENSITIVE_MARKER`.
        """
        holders = [staff] if isinstance(staff, Staff) else list(staff)
        records = [self._record(holders, sensitive_practitioner) for _ in range(count)]
        now = utcnow()
        with transaction(self.sessions) as session:
            for record in records:
                insert_child(session, record, now=now)
        return [r.index_id for r in records]

    def _record(self, holders: Sequence[Staff], sensitive_practitioner: str | None) -> ChildRecord:
        rng = self._rng
        index_id = new_index_id(rng.getrandbits)
        involvements = [
            Involvement(
                id=uuid.uuid4().hex,
                practitioner_id=holder.id,
                practitioner_name="Test Practitioner",
                practitioner_role="Health visitor",
                organisation="Test Health Trust",
                service_code=holder.service_code or "health_visiting",
                start_date=today() - timedelta(days=30),
            )
            for holder in holders
        ]
        if sensitive_practitioner is not None:
            involvements.append(
                Involvement(
                    id=uuid.uuid4().hex,
                    practitioner_id=sensitive_practitioner,
                    practitioner_name="Sensitive Clinician",
                    practitioner_role="CAMHS clinician",
                    organisation=SENSITIVE_MARKER,
                    service_code="camhs",
                    sensitive=True,
                    start_date=today() - timedelta(days=20),
                )
            )
        return ChildRecord(
            index_id=index_id,
            given_names=rng.choice(["Ada", "Ben", "Cara", "Dev", "Ela", "Finn"]),
            family_name=rng.choice(["Synthwood", "Testmoor", "Fakehill", "Mockford"]),
            date_of_birth=today() - timedelta(days=rng.randint(400, 5000)),
            gender=rng.choice(["female", "male"]),
            address=Address(
                line1=f"{rng.randint(1, 99)} Example Road", town="Brighton", postcode="BN1 1AA"
            ),
            parents_carers=(ParentCarer(id=uuid.uuid4().hex[:12], name="Pat Parentsynth"),),
            involvements=tuple(involvements),
        )

    def touch(self, index_ids: Iterable[str]) -> None:
        """Change these records on the index (a new version each), as another user's edit would."""
        now = utcnow()
        with transaction(self.sessions) as session:
            for index_id in index_ids:
                row = load_child(session, index_id, for_update=True)
                assert row is not None
                touch(row, now=now)
                feed.record_changed(session, index_id, now=now)

    def expire_access_tokens(self, user_id: str) -> None:
        """Make the user's access tokens expire now (as fifteen minutes passing would)."""
        with transaction(self.sessions) as session:
            session.execute(
                update(TokenRow)
                .where(TokenRow.user_id == user_id, TokenRow.kind == "access")
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )

    def end_sessions(self, user_id: str) -> None:
        """Revoke every token of the user (as signing out everywhere would)."""
        with transaction(self.sessions) as session:
            session.execute(
                update(TokenRow).where(TokenRow.user_id == user_id).values(revoked_at=utcnow())
            )

    # -- administration, through the real admin API ------------------------------------------

    def admin(self, method: str, path: str, body: dict[str, object] | None = None) -> None:
        """Call the admin API as ``demo-user-admin``; fail the test on a refusal."""
        if self._admin is None:
            signed = requests.post(
                f"{self.server_url}/api/v1/auth/login",
                json={
                    "username": "demo-user-admin",
                    "password": DEMO_PASSWORD,
                    "device_id": "admin-console-1",
                },
                timeout=30,
            )
            assert signed.status_code == 200, signed.text
            self._admin = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        response = requests.request(
            method,
            f"{self.server_url}/api/v1/admin{path}",
            json=body,
            headers=self._admin,
            timeout=30,
        )
        assert response.status_code == 200, response.text

    def revoke_device(self, staff: Staff, device_id: str) -> None:
        self.admin("POST", f"/devices/{device_id}/revoke", {"user_id": staff.id})

    def suspend(self, staff: Staff) -> None:
        self.admin("POST", f"/users/{staff.id}/suspend")

    def change_roles(self, staff: Staff, *roles: Role) -> None:
        self.admin("PATCH", f"/users/{staff.id}", {"roles": [r.value for r in roles]})

    # -- checking ---------------------------------------------------------------------------

    def caseload_digest(self, user_id: str) -> CaseloadDigest:
        """The digest of the user's caseload as the index holds it."""
        day = today()
        with self.sessions() as session:
            rows = session.execute(
                select(ChildRow.index_id, ChildRow.version, ChildRow.date_of_birth).where(
                    ChildRow.index_id.in_(caseload_query(user_id))
                )
            ).all()
        return caseload_digest(
            (i, v) for i, v, born in rows if not is_due_for_destruction(born, day)
        )

    def applied_mutations(self, user_id: str) -> list[str]:
        """Ids of the mutations the index applied for this user."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(AppliedMutationRow.id).where(AppliedMutationRow.user_id == user_id)
                )
            )

    def indicators_set_by(self, user_id: str) -> list[str]:
        """Ids of the indicators the index holds as set by this user."""
        with self.sessions() as session:
            return list(
                session.scalars(select(IndicatorRow.id).where(IndicatorRow.set_by == user_id))
            )

    def device_audit(self, device_id: str) -> list[str]:
        """Ids of the device chain's entries, in chain order."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(AuditRow.id)
                    .where(AuditRow.chain == f"device:{device_id}")
                    .order_by(AuditRow.chain_pos)
                )
            )

    def device_chain_intact(self, device_id: str) -> bool:
        """True if the index verifies the device's chain end to end."""
        with self.sessions() as session:
            return audit_service.verify(session, chain=f"device:{device_id}").ok

    def involvement(self, index_id: str, involvement_id: str) -> Involvement:
        """One involvement as the index holds it."""
        with self.sessions() as session:
            row = load_child(session, index_id)
            assert row is not None
            record = to_record(row)
        return next(i for i in record.involvements if i.id == involvement_id)


@dataclass
class Device:
    """One profile on one computer: its cache, its engine, and what it was told."""

    profile: Profile
    cache: Cache
    client: IndexClient
    engine: SyncEngine
    staff: Staff
    secret_store: EphemeralSecretStore
    progress: list[Progress] = field(default_factory=list)
    statuses: list[SyncStatus] = field(default_factory=list)

    def close(self) -> None:
        if self.cache.is_open:
            self.cache.close()
        self.client.close()

    def open(self, index_id: str) -> ChildRecord:
        """Open a cached record for a reason, as the practitioner would (audited locally)."""
        return self.open_at(index_id, utcnow())

    def open_at(self, index_id: str, now: datetime) -> ChildRecord:
        """Open a cached record at ``now`` (the offline lease is judged against it)."""
        return self.cache.open_record(
            index_id,
            validate_access_reason("service_provision"),
            actor_id=self.staff.id,
            device_id=self.profile.device_id,
            now=now,
        )

    def own_involvement(self, index_id: str) -> Involvement:
        """The staff member's own active involvement with the child, from the cache."""
        record = self.open(index_id)
        return next(
            i for i in record.involvements if i.practitioner_id == self.staff.id and i.active
        )

    def change(self, index_id: str, payload: MutationPayload) -> Mutation:
        """Make a change to a cached record, queued for the next push."""
        mutation = Mutation(
            id=uuid.uuid4().hex, child_id=index_id, created_at=utcnow(), payload=payload
        )
        self.cache.apply_local_change(mutation, actor=self.staff.as_user(), now=utcnow())
        return mutation

    def set_indicator(
        self, index_id: str, kind: IndicatorKind = IndicatorKind.INFORMATION_TO_SHARE
    ) -> Mutation:
        """Set an indicator on the staff member's own involvement, offline."""
        own = self.own_involvement(index_id)
        return self.change(
            index_id,
            SetIndicator(indicator_id=uuid.uuid4().hex, involvement_id=own.id, indicator=kind),
        )

    def end_involvement(self, index_id: str) -> Mutation:
        """End the staff member's own involvement, offline."""
        own = self.own_involvement(index_id)
        return self.change(
            index_id,
            EndInvolvement(involvement_id=own.id, end_date=today(), base_version=own.version),
        )


def make_device(
    staff: Staff,
    server_url: str,
    root: Path,
    *,
    page_size: int | None = None,
    push_batch: int = 500,
    settings: TransportSettings = FAST_RETRIES,
    sign_in: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
    local_audit_days: int | None = None,
) -> Device:
    """A new profile for ``staff`` under ``root``, signed in and ready to sync."""
    secret_store = EphemeralSecretStore()
    profile = create_profile(
        username=staff.username,
        server_url=server_url,
        password=PASSWORD,
        secret_store=secret_store,
        now=utcnow(),
        user_id=staff.id,
        params=CHEAP,
        root=root,
    )
    cache = Cache.open(profile, PASSWORD, secret_store, now=clock())
    client = IndexClient(server_url, settings)
    progress: list[Progress] = []
    statuses: list[SyncStatus] = []

    def record_progress(step: Progress) -> None:
        progress.append(step)
        if on_progress is not None:
            on_progress(step)

    engine = SyncEngine(
        cache,
        client,
        page_size=page_size,
        push_batch=push_batch,
        on_progress=record_progress,
        on_status=statuses.append,
        clock=clock,
        **({} if local_audit_days is None else {"local_audit_days": local_audit_days}),
    )
    device = Device(profile, cache, client, engine, staff, secret_store, progress, statuses)
    if sign_in:
        try:
            engine.sign_in(PASSWORD, device_name="test device")
        except BaseException:
            device.close()
            raise
    return device


@contextmanager
def raw_cache(profile: Profile, secret_store: DeviceSecretStore) -> Iterator[Connection]:
    """The cache file opened with its real key, through the store, to read every table."""
    key = unwrap_key(
        profile.key,
        password=PASSWORD,
        device_secret=device_secret(profile, secret_store),
        profile_id=profile.profile_id,
    )
    connection = connect(profile.database_path, key)
    try:
        yield connection
    finally:
        connection.close()


def everything_stored(device: Device) -> str:
    """Every value of every row of every table of a device's cache, as one text."""
    with raw_cache(device.profile, device.secret_store) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_schema WHERE type='table'")
        ]
        return "\n".join(
            repr(row)
            for table in tables
            for row in connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the schema
        )


def local_audit_ids(profile: Profile, secret_store: DeviceSecretStore) -> list[str]:
    """Ids of the device's local audit chain, in chain order."""
    with raw_cache(profile, secret_store) as connection:
        return [
            entry_id
            for (entry_id,) in connection.execute(
                "SELECT entry_id FROM audit_chain ORDER BY position"
            )
        ]
