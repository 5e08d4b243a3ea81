"""Fixtures for central-index tests: the real app on each database, users, signed-in clients.

Requests go through FastAPI's ``TestClient`` (the real ASGI app, routes, dependencies and
database); the clock is movable so expiry, lockout and retention can be tested without
sleeping.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.domain.roles import Role
from server.app import create_app
from server.auth.service import create_user
from server.config import Settings
from server.db import transaction

PASSWORD = "Correct-horse-42"
START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


@dataclass
class Clock:
    """A clock tests can move."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)

    @property
    def today(self) -> date:
        return self.now.date()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Cheap Argon2id parameters: the tests check behaviour, not hashing cost.
    return Settings(database_url=database_url, password_time_cost=1, password_memory_kib=1024)


@pytest.fixture
def server_app(settings: Settings, clock: Clock) -> Iterator[FastAPI]:
    app = create_app(settings, clock=clock)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def api(server_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(server_app, raise_server_exceptions=False) as client:
        yield client


@dataclass
class Users:
    """Creates users straight in the database (as ``python -m server create-user`` does)."""

    app: FastAPI
    clock: Clock
    created: dict[str, str] = field(default_factory=dict)

    def create(
        self,
        username: str,
        *roles: Role,
        service_code: str | None = "health_visiting",
        trained: bool = True,
        vetted_on: date | None = None,
        display_name: str | None = None,
        reception_desk: bool = False,
    ) -> str:
        with transaction(self.app.state.session_factory) as session:
            row = create_user(
                session,
                username=username,
                password=PASSWORD,
                display_name=display_name or username.replace("-", " ").title(),
                roles=frozenset(roles or (Role.PRACTITIONER,)),
                organisation="Seafield Health Trust",
                local_authority="Brighton and Hove",
                service_code=service_code,
                job_title="Health visitor",
                phone="01632 960000",
                reception_desk=reception_desk,
                training_completed_on=self.clock.today - timedelta(days=30) if trained else None,
                vetted_on=vetted_on or self.clock.today - timedelta(days=365),
            )
            self.created[username] = row.id
            return row.id


@pytest.fixture
def users(server_app: FastAPI, clock: Clock) -> Users:
    return Users(server_app, clock)


def sign_in(
    api: TestClient, username: str, *, password: str = PASSWORD, device_id: str | None = None
) -> dict[str, str]:
    """Sign in through the real endpoint; return the Authorization header."""
    response = api.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": password,
            "device_id": device_id or f"dev-{uuid.uuid4().hex[:12]}",
            "device_name": "Test laptop",
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def factory(server_app: FastAPI) -> sessionmaker[Session]:
    """The index's own session factory, to arrange rows and read them back."""
    session_factory: sessionmaker[Session] = server_app.state.session_factory
    return session_factory


@pytest.fixture
def auditor(api: TestClient, users: Users) -> dict[str, str]:
    """An index manager, signed in: one of the oversight roles that read the audit."""
    users.create("index-team", Role.INDEX_MANAGER)
    return sign_in(api, "index-team")
