"""Fixtures for the offline cache tests: real SQLCipher files under ``tmp_path``.

Argon2 runs with deliberately cheap parameters so the suite stays fast; one test in
``test_keys.py`` exercises the real tuning. Device secrets live in the in-memory store
except in ``test_real_keyring.py``, which uses a real Secret Service.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.domain.changes import Change, ChangesPage
from app.domain.identifiers import new_index_id
from app.domain.records import Address, ChildRecord, Involvement, ParentCarer
from app.domain.roles import Role, User
from app.domain.session import DevicePolicy
from app.store.cache import Cache
from app.store.database import Connection, connect
from app.store.device_secret import DeviceSecretStore, EphemeralSecretStore
from app.store.keys import Argon2Params, unwrap_key
from app.store.profiles import Profile, create_profile, device_secret

PASSWORD = "Correct-horse-battery-1"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
CHEAP = Argon2Params(time_cost=1, memory_cost=1024, parallelism=1)
POLICY = DevicePolicy(idle_lock_minutes=5, offline_lease_hours=72, wipe_after_days=14)
USER_ID = "user-pat"


def index_id(seed: int) -> str:
    """A valid, repeatable index id."""
    return new_index_id(random.Random(seed).getrandbits)


def make_record(
    seed: int,
    *,
    given: str,
    family: str,
    dob: date,
    postcode: str | None = None,
    version: int = 1,
    other_names: tuple[str, ...] = (),
    involvements: tuple[Involvement, ...] = (),
    nhs_number: str | None = None,
    shielded: bool = False,
) -> ChildRecord:
    """A synthetic child record."""
    return ChildRecord(
        index_id=index_id(seed),
        nhs_number=nhs_number,
        given_names=given,
        family_name=family,
        other_names=other_names,
        date_of_birth=dob,
        gender="female",
        address=None
        if postcode is None
        else Address(line1="12 Lantern Street", town="Brighton", postcode=postcode),
        parents_carers=(ParentCarer(id="pc-1", name="Clementine Parentson"),),
        involvements=involvements,
        shielded=shielded,
        version=version,
    )


def make_user(
    role: Role = Role.PRACTITIONER, *, user_id: str = USER_ID, service_code: str = "health_visiting"
) -> User:
    """A trained, vetted synthetic user."""
    return User(
        id=user_id,
        username=f"{user_id}-login",
        display_name="Pat Visitor",
        roles=frozenset({role}),
        organisation="Seafield Health",
        local_authority="Brighton and Hove",
        service_code=service_code,
        training_completed_on=date(2025, 1, 10),
        vetted_on=date(2025, 1, 10),
    )


def make_involvement(
    involvement_id: str, *, practitioner_id: str = USER_ID, version: int = 1
) -> Involvement:
    """An active universal-service involvement."""
    return Involvement(
        id=involvement_id,
        practitioner_id=practitioner_id,
        practitioner_name="Pat Visitor",
        practitioner_role="Health visitor",
        organisation="Seafield Health",
        service_code="health_visiting",
        start_date=date(2026, 1, 5),
        version=version,
    )


#: The seeded caseload. Names, postcodes and dates are distinctive so a byte search of
#: the files cannot match by chance.
AMELIA = make_record(
    1,
    given="Ottoline Amelia",
    family="Featherstonehaugh",
    dob=date(2015, 3, 14),
    postcode="BN1 1AA",
    involvements=(make_involvement("inv-amelia-1"),),
)
JOHN = make_record(2, given="Johnathan", family="Smith", dob=date(2014, 1, 2), postcode="BN2 3CD")
JANE = make_record(3, given="Janette", family="Smyth", dob=date(2013, 5, 6), postcode="BN1 2EF")
ZOE = make_record(
    4,
    given="Zoë",
    family="O'Brien-Quennell",
    dob=date(2012, 7, 8),
    postcode="BN10 1GH",
    nhs_number="9434765919",
)
SEEDED = (AMELIA, JOHN, JANE, ZOE)
#: What must never appear in plaintext anywhere on disk.
SECRETS_ON_DISK = (
    "Featherstonehaugh",
    "featherstonehaugh",
    "Ottoline",
    "ottoline",
    "Quennell",
    "quennell",
    "Johnathan",
    "Janette",
    "Clementine",
    "Lantern Street",
    "BN1 1AA",
    "bn11aa",
    "BN10 1GH",
    "2015-03-14",
    "20150314",
    "9434765919",
)


def page(
    *records: ChildRecord, removes: tuple[str, ...] = (), cursor: str = "cursor-1"
) -> ChangesPage:
    """A pulled page upserting ``records`` and removing ``removes``."""
    changes = [Change(op="upsert", index_id=r.index_id, record=r) for r in records]
    changes += [Change(op="remove", index_id=i) for i in removes]
    return ChangesPage(changes=tuple(changes), cursor=cursor, has_more=False)


@contextmanager
def second_connection(profile: Profile, secret_store: DeviceSecretStore) -> Iterator[Connection]:
    """Another connection to the cache file, opened with the real key (as an insider could)."""
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


@pytest.fixture
def secret_store() -> EphemeralSecretStore:
    """Device secrets in memory."""
    return EphemeralSecretStore()


@pytest.fixture
def profile(tmp_path: Path, secret_store: EphemeralSecretStore) -> Profile:
    """A new profile under ``tmp_path``."""
    return create_profile(
        username="pat.visitor",
        server_url="https://index.example.test",
        password=PASSWORD,
        secret_store=secret_store,
        now=NOW,
        user_id=USER_ID,
        params=CHEAP,
        root=tmp_path,
    )


@pytest.fixture
def empty_cache(profile: Profile, secret_store: EphemeralSecretStore) -> Iterator[Cache]:
    """The profile's cache, unlocked, in contact with the index just now, with no records."""
    cache = Cache.open(profile, PASSWORD, secret_store, now=NOW)
    cache.record_contact(NOW, POLICY)
    yield cache
    cache.close()


@pytest.fixture
def cache(empty_cache: Cache) -> Cache:
    """The unlocked cache holding the seeded caseload."""
    empty_cache.store_page(page(*SEEDED), now=NOW)
    return empty_cache
