"""Storing what sync pulls: pages with their cursor, full resyncs, and the caseload digest."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.changes import (
    AddInvolvement,
    Change,
    ChangesPage,
    Mutation,
    caseload_digest,
)
from app.domain.reasons import validate_access_reason
from app.domain.records import ChildRecord
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import StoreError
from app.store.profiles import Profile, create_profile
from tests.unit.store.conftest import (
    AMELIA,
    CHEAP,
    JANE,
    JOHN,
    NOW,
    PASSWORD,
    POLICY,
    SEEDED,
    USER_ID,
    ZOE,
    make_record,
    make_user,
    page,
)


def _ids_and_versions(cache: Cache) -> dict[str, int]:
    return {row.index_id: row.version for row in cache.caseload()}


def test_a_page_is_stored_with_its_cursor(empty_cache: Cache) -> None:
    assert empty_cache.cursor() is None

    stored = empty_cache.store_page(page(*SEEDED, cursor="cursor-7"), now=NOW)

    assert set(stored.upserted) == {r.index_id for r in SEEDED}
    assert empty_cache.cursor() == "cursor-7"
    assert _ids_and_versions(empty_cache) == {r.index_id: 1 for r in SEEDED}


def test_removals_and_newer_versions(cache: Cache) -> None:
    newer = JOHN.model_copy(update={"version": 3})

    stored = cache.store_page(page(newer, removes=(JANE.index_id, "never-cached")), now=NOW)

    assert stored.removed == (JANE.index_id,)
    assert _ids_and_versions(cache) == {AMELIA.index_id: 1, JOHN.index_id: 3, ZOE.index_id: 1}


def test_a_removal_after_an_upsert_in_the_same_page_wins(empty_cache: Cache) -> None:
    changes = (
        Change(op="upsert", index_id=AMELIA.index_id, record=AMELIA),
        Change(op="remove", index_id=AMELIA.index_id),
    )
    empty_cache.store_page(ChangesPage(changes=changes, cursor="c", has_more=True), now=NOW)
    assert empty_cache.caseload() == []


def test_the_digest_matches_the_index_digest_of_the_same_caseload(cache: Cache) -> None:
    assert cache.digest() == caseload_digest((r.index_id, r.version) for r in SEEDED)


def test_the_index_digest_sent_with_a_page_is_kept(empty_cache: Cache) -> None:
    digest = caseload_digest([(AMELIA.index_id, 1)])
    changes = page(AMELIA).model_copy(update={"digest": digest})
    empty_cache.store_page(changes, now=NOW)
    assert empty_cache.last_server_digest() == digest


def test_a_full_resync_replaces_the_caseload(cache: Cache) -> None:
    newcomer = make_record(40, given="Perpetua", family="Lindqvist", dob=date(2017, 9, 9))

    stored = cache.replace_all([AMELIA, newcomer], "cursor-full", now=NOW)

    assert set(stored.removed) == {JOHN.index_id, JANE.index_id, ZOE.index_id}
    assert set(_ids_and_versions(cache)) == {AMELIA.index_id, newcomer.index_id}
    assert cache.cursor() == "cursor-full"
    assert [h.index_id for h in cache.search("Lindq")] == [newcomer.index_id]
    assert cache.search("Johnathan") == []


def test_a_full_resync_never_discards_unpushed_changes(cache: Cache) -> None:
    me = make_user()
    for mid, child in (("mutation-john", JOHN), ("mutation-jane", JANE)):
        cache.apply_local_change(
            Mutation(
                id=mid,
                child_id=child.index_id,
                created_at=NOW,
                payload=AddInvolvement(
                    involvement_id=f"inv-{mid}",
                    start_date=date(2026, 11, 1),
                    practitioner_role="Health visitor",
                ),
            ),
            actor=me,
            now=NOW,
        )
    pending_before = [item.item_id for item in cache.outbox_batch(50)]
    fresher_john = JOHN.model_copy(update={"version": 2, "gender": "male"})

    # The index sends John afresh and no longer sends Jane.
    cache.replace_all([AMELIA, fresher_john], "cursor-full", now=NOW)

    assert [item.item_id for item in cache.outbox_batch(50)] == pending_before
    assert set(_ids_and_versions(cache)) == {AMELIA.index_id, JOHN.index_id, JANE.index_id}
    for child in (JOHN, JANE):
        record = cache.open_record(
            child.index_id,
            validate_access_reason("service_provision"),
            actor_id=USER_ID,
            device_id=cache.profile.device_id,
            now=NOW,
        )
        assert [i.practitioner_id for i in record.involvements] == [USER_ID]
    assert (
        cache.open_record(
            JOHN.index_id,
            validate_access_reason("service_provision"),
            actor_id=USER_ID,
            device_id=cache.profile.device_id,
            now=NOW,
        ).gender
        == "male"
    )


def test_records_past_the_retention_age_are_purged_on_unlock(
    profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    # Noah turns 19 in ten days' time (PRODUCT.md §8's showcase).
    noah = make_record(50, given="Noah", family="Field", dob=date(2007, 12, 1))
    cache = Cache.open(profile, PASSWORD, secret_store, now=NOW)
    cache.store_page(page(AMELIA, noah), now=NOW)
    cache.close()

    cache = Cache.open(profile, PASSWORD, secret_store, now=NOW + timedelta(days=9))
    assert set(_ids_and_versions(cache)) == {AMELIA.index_id, noah.index_id}
    cache.close()

    cache = Cache.open(profile, PASSWORD, secret_store, now=NOW + timedelta(days=10))
    assert set(_ids_and_versions(cache)) == {AMELIA.index_id}
    cache.close()


# -- property: any sequence of pages leaves the cache equal to the model ----------------

_FAMILIES = ("Alder", "Birch", "Cedar", "Hazel")
_change = st.one_of(
    st.tuples(
        st.just("upsert"),
        st.integers(0, 5),
        st.integers(1, 9),
        st.integers(0, len(_FAMILIES) - 1),
    ),
    st.tuples(st.just("remove"), st.integers(0, 5), st.just(0), st.just(0)),
)
_pages = st.lists(st.lists(_change, max_size=8), min_size=1, max_size=5)


def _record(slot: int, version: int, family: int) -> ChildRecord:
    return make_record(
        200 + slot, given="Kit", family=_FAMILIES[family], dob=date(2016, 1, 1), version=version
    )


@settings(max_examples=30, deadline=None)
@given(pages=_pages)
def test_pages_leave_the_cache_equal_to_the_model(
    pages: list[list[tuple[str, int, int, int]]],
) -> None:
    store = EphemeralSecretStore()
    with tempfile.TemporaryDirectory() as folder:
        profile = create_profile(
            username="pat.visitor",
            server_url="https://index.example.test",
            password=PASSWORD,
            secret_store=store,
            now=NOW,
            params=CHEAP,
            root=Path(folder),
        )
        cache = Cache.open(profile, PASSWORD, store, now=NOW)
        model: dict[str, ChildRecord] = {}
        for number, ops in enumerate(pages):
            changes = []
            for op, slot, version, family in ops:
                record = _record(slot, version, family)
                if op == "upsert":
                    changes.append(Change(op="upsert", index_id=record.index_id, record=record))
                    model[record.index_id] = record
                else:
                    changes.append(Change(op="remove", index_id=record.index_id))
                    model.pop(record.index_id, None)
            cache.store_page(
                ChangesPage(changes=tuple(changes), cursor=f"c{number}", has_more=False), now=NOW
            )

            assert _ids_and_versions(cache) == {i: r.version for i, r in model.items()}
            assert cache.digest() == caseload_digest((i, r.version) for i, r in model.items())
            assert cache.cursor() == f"c{number}"
            for name in _FAMILIES:
                expected = {i for i, r in model.items() if r.family_name == name}
                assert {h.index_id for h in cache.search(name)} == expected
        cache.close()


def test_a_broken_page_is_refused_whole(cache: Cache) -> None:
    newer = JOHN.model_copy(update={"version": 5})
    for broken in (
        Change(op="upsert", index_id=JANE.index_id),
        Change(op="upsert", index_id=JANE.index_id, record=ZOE),
    ):
        changes = ChangesPage(
            changes=(
                Change(op="upsert", index_id=newer.index_id, record=newer),
                Change(op="remove", index_id=AMELIA.index_id),
                broken,
            ),
            cursor="cursor-broken",
            has_more=False,
        )
        with pytest.raises(StoreError) as refused:
            cache.store_page(changes, now=NOW)
        assert refused.value.code == "invalid_page"
        assert _ids_and_versions(cache) == {r.index_id: 1 for r in SEEDED}
        assert cache.cursor() == "cursor-1"


def test_the_last_successful_sync_is_kept_across_locking(
    cache: Cache, profile: Profile, secret_store: EphemeralSecretStore
) -> None:
    assert cache.last_sync() is None
    cache.record_contact(NOW + timedelta(minutes=1), POLICY)
    assert cache.last_sync() is None  # a contact alone is not a sync

    cache.record_sync_success(NOW + timedelta(minutes=2))
    cache.record_sync_success(NOW + timedelta(minutes=3))
    cache.close()
    reopened = Cache.open(profile, PASSWORD, secret_store, now=NOW)

    assert reopened.last_sync() == NOW + timedelta(minutes=3)
    assert reopened.last_contact() == NOW + timedelta(minutes=1)
    reopened.close()
    with pytest.raises(StoreError) as refused:
        reopened.last_sync()
    assert refused.value.code == "cache_locked"
