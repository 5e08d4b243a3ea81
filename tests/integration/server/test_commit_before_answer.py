"""An answer never claims a change the index has not committed (PRODUCT.md §6).

A client removes an item from its outbox once the index answers "applied". FastAPI runs
the exit of a dependency with ``yield`` — where ``DbSession`` commits — after the
response has been sent, unless the dependency is function-scoped: the index would then
say "applied" first and commit after, and a commit that failed, or a process killed in
between, would lose the change for good (the flaky-network sync test met exactly that,
now and then). Over real HTTP on loopback the answer must arrive only once the commit has
ended; and a push whose commit fails is answered as failed and can be sent again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.roles import Role
from app.embedded_index import free_loopback_port
from tests.integration.server import builders
from tests.integration.server.conftest import Users
from tests.integration.server.test_sync_push import PUSH, add_involvement, body, signed_in, statuses

#: Long enough that an answer sent before the commit would certainly arrive first.
SLOW_COMMIT_SECONDS = 0.5


class Commits:
    """Watches the commits of the app's sessions; can slow them down or make them fail."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.failures = 0
        self.delay = 0.0
        self.ended: list[float] = []

    def _before_commit(self, _session: Session) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        time.sleep(self.delay)

    def _after_commit(self, _session: Session) -> None:
        self.ended.append(time.monotonic())

    def __enter__(self) -> Commits:
        event.listen(self.factory, "before_commit", self._before_commit)
        event.listen(self.factory, "after_commit", self._after_commit)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.factory, "before_commit", self._before_commit)
        event.remove(self.factory, "after_commit", self._after_commit)


@pytest.fixture
def commits(server_app: FastAPI) -> Iterator[Commits]:
    with Commits(server_app.state.session_factory) as watched:
        yield watched


@pytest.fixture
def served(server_app: FastAPI) -> Iterator[str]:
    """The same app served over real HTTP on a loopback port."""
    port = free_loopback_port()
    server = uvicorn.Server(
        uvicorn.Config(server_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the index did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_applied_is_answered_only_once_it_is_committed(
    api: TestClient, users: Users, server_app: FastAPI, commits: Commits, served: str
) -> None:
    users.create("hv-order", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)
    headers, _device_id = signed_in(api, "hv-order")
    commits.delay = SLOW_COMMIT_SECONDS
    commits.ended.clear()

    response = requests.post(
        served + PUSH, headers=headers, json=body([add_involvement(record.index_id)]), timeout=30
    )
    answered = time.monotonic()

    assert response.status_code == 200, response.text
    assert statuses(response.json()["mutations"]) == ["applied"]
    # Give a commit still running after the answer the time to end, and be seen.
    time.sleep(SLOW_COMMIT_SECONDS * 2)
    assert commits.ended, "the push was answered and never committed"
    assert max(commits.ended) <= answered, "the push was answered before it was committed"


def test_a_push_whose_commit_fails_is_answered_as_failed_and_applies_when_sent_again(
    api: TestClient, users: Users, server_app: FastAPI, commits: Commits
) -> None:
    users.create("hv-commit", Role.PRACTITIONER)
    record = builders.child()
    builders.store(server_app, record)
    headers, _device_id = signed_in(api, "hv-commit")
    batch = body([add_involvement(record.index_id)])

    commits.failures = 1
    refused = api.post(PUSH, headers=headers, json=batch)

    assert refused.status_code == 500, refused.text
    assert refused.json()["error"] == "internal_error"
    assert builders.applied_mutations(server_app) == 0
    assert builders.stored(server_app, record.index_id).involvements == ()

    again = api.post(PUSH, headers=headers, json=batch)

    assert again.status_code == 200, again.text
    assert statuses(again.json()["mutations"]) == ["applied"]
    assert builders.applied_mutations(server_app) == 1
