"""Logs carry ids, never names, dates of birth or postcodes (PRODUCT.md §6)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from app.domain.changes import AddInvolvement, Mutation
from app.domain.reasons import validate_access_reason
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import StoreError
from app.store.profiles import create_profile
from tests.unit.store.conftest import (
    AMELIA,
    CHEAP,
    JOHN,
    NOW,
    PASSWORD,
    SECRETS_ON_DISK,
    SEEDED,
    USER_ID,
    make_user,
    page,
)


def test_a_full_flow_logs_no_personal_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = EphemeralSecretStore()
    profile = create_profile(
        username="pat.visitor",
        server_url="https://index.example.test",
        password=PASSWORD,
        secret_store=store,
        now=NOW,
        user_id=USER_ID,
        params=CHEAP,
        root=tmp_path,
    )
    with pytest.raises(StoreError):
        Cache.open(profile, "Wrong-password-1", store, now=NOW)
    cache = Cache.open(profile, PASSWORD, store, now=NOW)
    cache.store_page(page(*SEEDED), now=NOW)
    cache.record_contact(NOW, cache.device_policy())
    for text in ("Featherstonehaugh", "Ottoline 14/03/2015", "BN1 1AA", "Smyth"):
        cache.search(text)
    cache.open_record(
        AMELIA.index_id,
        validate_access_reason("other", "Featherstonehaugh family referral"),
        actor_id=USER_ID,
        device_id=profile.device_id,
        now=NOW,
    )
    mutation = Mutation(
        id="mutation-1",
        child_id=JOHN.index_id,
        created_at=NOW,
        payload=AddInvolvement(
            involvement_id="involvement-1",
            start_date=date(2026, 11, 1),
            practitioner_role="Health visitor",
        ),
    )
    cache.apply_local_change(mutation, actor=make_user(), now=NOW)
    cache.mark_rejected("mutation-1", "forbidden", "Not allowed.")
    cache.acknowledge([i.item_id for i in cache.outbox_batch(10)])
    cache.replace_all([AMELIA], "cursor-2", now=NOW)
    cache.close()
    Cache.open(profile, PASSWORD, store, now=NOW).destroy()

    assert caplog.records, "the flow should have logged something"
    for record in caplog.records:
        line = record.getMessage()
        leaked = [s for s in (*SECRETS_ON_DISK, "Smyth", "Smith", "Amelia") if s in line]
        assert not leaked, f"{record.name}: {line!r}"
    assert any(AMELIA.index_id in r.getMessage() for r in caplog.records)  # ids are fine
