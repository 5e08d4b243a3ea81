"""The index's API as the client calls it online: search, open, and refusing unsafe links."""

from __future__ import annotations

import uuid

import pytest

from app.domain.reasons import validate_access_reason
from app.sync.client import IndexClient
from app.sync.errors import SyncError
from tests.integration.sync.world import FAST_RETRIES, PASSWORD, World
from tests.support.live_server import LiveServer


def test_searching_and_opening_a_record_online(world: World, live_index: LiveServer) -> None:
    pat = world.staff()
    (child,) = world.children(pat, 1)
    client = IndexClient(live_index.url, FAST_RETRIES)
    try:
        client.login(username=pat.username, password=PASSWORD, device_id=uuid.uuid4().hex)

        record = client.open_record(child, validate_access_reason("service_provision"))
        found = client.search(
            family_name=record.family_name, date_of_birth=record.date_of_birth.isoformat()
        )
        with pytest.raises(SyncError) as refused:
            client.search(family_name=record.family_name)
    finally:
        client.close()

    assert record.index_id == child
    assert child in {hit.index_id for hit in found}
    assert refused.value.code == "insufficient_criteria"
    assert refused.value.status == 422
    assert refused.value.message  # the index's own words, for the user


def test_plain_http_is_only_for_an_index_on_this_computer() -> None:
    with pytest.raises(SyncError) as refused:
        IndexClient("http://index.example.org")

    assert refused.value.code == "insecure_url"
    IndexClient("https://index.example.org/").close()
    IndexClient("http://localhost:8000").close()


def test_an_index_that_cannot_prove_itself_over_tls_is_not_talked_to(
    live_index: LiveServer,
) -> None:
    client = IndexClient(f"https://127.0.0.1:{live_index.port}", FAST_RETRIES)
    try:
        with pytest.raises(SyncError) as refused:
            client.login(username="anyone", password=PASSWORD, device_id=uuid.uuid4().hex)
    finally:
        client.close()

    assert refused.value.code == "tls_error"
    assert client.signed_in is None
