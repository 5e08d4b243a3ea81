"""Produce the example exchanges of ``docs/api.md`` by calling the real central index.

``python -m tests.support.api_examples > /tmp/api-examples.md`` migrates a throwaway
SQLite database, creates the seven demo users (``server.demo.users``, through
``server.auth.service.create_user``) and two synthetic children, then calls every
endpoint through FastAPI's ``TestClient`` and prints each request and response as
Markdown. Tokens, cursors and hashes are shortened with "…"; everything else is exactly
what the index answered. Paste (and trim) from the output when the API changes, so the
examples in the documentation are never invented.

Synthetic people only: the names, addresses and numbers below belong to nobody.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.audit import GENESIS_HASH, AuditAction, seal
from app.domain.identifiers import new_index_id
from app.domain.records import IndicatorKind, ParentCarer
from server.app import create_app
from server.audit.trail import device_chain
from server.config import Settings
from server.db import transaction
from server.demo.users import DEMO_PASSWORD, ensure_demo_users
from server.migrate import upgrade
from tests.integration.server import builders

_HEX_64 = re.compile(r"^[0-9a-f]{64}$")
_SHORTENED_KEYS = {"access_token": 8, "refresh_token": 8, "cursor": 12}


def shorten(value: Any) -> Any:
    """``value`` with tokens, cursors and hashes cut short for reading."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            keep = _SHORTENED_KEYS.get(key)
            if keep is not None and isinstance(item, str) and len(item) > keep:
                out[key] = item[:keep] + "…"
            else:
                out[key] = shorten(item)
        return out
    if isinstance(value, list):
        return [shorten(item) for item in value]
    if isinstance(value, str) and _HEX_64.match(value):
        return value[:8] + "…"
    return value


def _dump(value: Any) -> str:
    return json.dumps(shorten(value), indent=2, ensure_ascii=False)


@dataclass
class Recorder:
    """Calls the app and collects each exchange, as Markdown, in ``lines``."""

    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def call(
        self,
        title: str,
        method: str,
        path: str,
        *,
        who: str | None = None,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        body_shown: str | None = None,
    ) -> Any:
        """Make one request; record it; return the decoded response (``None`` if empty).

        ``body_shown`` stands in for a body too long to print.
        """
        sent = dict(headers or {})
        if who is not None:
            sent["Authorization"] = f"Bearer {self.tokens[who]}"
        response = self.client.request(
            method, path, params=dict(params or {}), json=body, headers=sent
        )
        query = str(response.request.url.query, "ascii") if response.request.url.query else ""
        target = f"{path}?{query}" if query else path
        request_lines = [f"{method} {target}"]
        if who is not None:
            request_lines.append(f"Authorization: Bearer <{who}'s access token>")
        request_lines.extend(f"{k}: {v}" for k, v in (headers or {}).items())
        if body is not None:
            request_lines.extend(["", body_shown or _dump(body)])
        decoded = response.json() if response.content else None
        status = f"{response.status_code} {HTTPStatus(response.status_code).phrase}"
        self.lines.extend([f"#### {title}", "", "```http", *request_lines, "```", ""])
        self.lines.extend([f"→ `{status}`", ""])
        if decoded is not None:
            self.lines.extend(["```json", _dump(decoded), "```", ""])
        return decoded

    def sign_in(self, username: str, device_id: str, *, record: bool = False) -> Any:
        """Sign ``username`` in on ``device_id``; keep the access token."""
        body = {
            "username": username,
            "password": DEMO_PASSWORD,
            "device_id": device_id,
            "device_name": "Example laptop",
        }
        if record:
            answer = self.call("Sign in", "POST", "/api/v1/auth/login", body=body)
        else:
            answer = self.client.post("/api/v1/auth/login", json=body).json()
        self.tokens[username] = answer["access_token"]
        return answer


@dataclass(frozen=True)
class World:
    """The ids of what the examples create."""

    users: dict[str, str]
    amelie: str
    noah: str
    social_care_involvement: str


def _fixed_index_id(seed: int) -> str:
    return new_index_id(lambda _bits: seed)


def populate(app: FastAPI, today: date) -> World:
    """Demo users, and two synthetic children (one with a sensitive involvement)."""
    with transaction(app.state.session_factory) as session:
        rows, _created = ensure_demo_users(session, today=today)
        users = {name: row.id for name, row in rows.items()}
    social_care = builders.new_id()
    camhs = builders.involvement(
        users["demo-sensitive"], service_code="camhs", sensitive=True, practitioner_name="Omar Reid"
    ).model_copy(update={"organisation": "Downland CAMHS"})
    social_work = builders.involvement(
        users["demo-essential"],
        involvement_id=social_care,
        service_code="childrens_social_care",
        practitioner_name="Sam Okafor",
    ).model_copy(
        update={
            "practitioner_role": "Social worker",
            "organisation": "Brighton and Hove Children's Services",
        }
    )
    amelie = builders.child(
        index_id=_fixed_index_id(0x3C_1F3A_5C7E_9B2D), involvements=(camhs, social_work)
    )
    noah = builders.child(
        index_id=_fixed_index_id(0x61_0E4B_7D21_C6A8),
        given_names="Noah",
        family_name="Brightwell",
        date_of_birth=date(2019, 7, 2),
        postcode="BN2 3CD",
    )
    noah = noah.model_copy(
        update={
            "gender": "male",
            "parents_carers": (
                ParentCarer(
                    id=builders.new_id(),
                    name="Dana Brightwell",
                    relationship="mother",
                    parental_responsibility=True,
                ),
            ),
        }
    )
    builders.store(app, amelie, noah)
    return World(
        users=users,
        amelie=amelie.index_id,
        noah=noah.index_id,
        social_care_involvement=social_care,
    )


def _mutation(child_id: str, payload: dict[str, Any], mutation_id: str | None = None) -> Any:
    return {
        "id": mutation_id or builders.new_id(),
        "child_id": child_id,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "payload": payload,
    }


def run(rec: Recorder, world: World, today: date) -> None:
    """Every endpoint, in an order that tells one story."""
    amelie, noah = world.amelie, world.noah
    practitioner = "demo-practitioner"
    rec.lines.append("## health\n")
    rec.call("Liveness", "GET", "/healthz")

    rec.lines.append("## auth\n")
    signed_in = rec.sign_in(practitioner, "laptop-7f3c9a1e", record=True)
    refreshed = rec.call(
        "Refresh",
        "POST",
        "/api/v1/auth/refresh",
        body={"refresh_token": signed_in["refresh_token"]},
    )
    rec.tokens[practitioner] = refreshed["access_token"]
    rec.call(
        "Refresh token used twice",
        "POST",
        "/api/v1/auth/refresh",
        body={"refresh_token": signed_in["refresh_token"]},
    )
    rec.sign_in(practitioner, "laptop-7f3c9a1e")
    for name, device in (
        ("demo-viewer", "reception-01"),
        ("demo-index-manager", "index-team-01"),
        ("demo-user-admin", "admin-desk-01"),
    ):
        rec.sign_in(name, device)
    rec.call(
        "Wrong password",
        "POST",
        "/api/v1/auth/login",
        body={"username": "demo-viewer", "password": "not-the-password", "device_id": "x" * 8},
    )

    rec.lines.append("## children\n")
    rec.call(
        "Search",
        "GET",
        "/api/v1/children",
        who=practitioner,
        params={"family_name": "quenel", "date_of_birth": "2015-03-14"},
    )
    rec.call(
        "Search with one criterion",
        "GET",
        "/api/v1/children",
        who=practitioner,
        params={"family_name": "Quennell"},
    )
    rec.call(
        "Open a record",
        "POST",
        f"/api/v1/children/{amelie}/access",
        who=practitioner,
        body={"reason_code": "service_provision"},
    )
    rec.call(
        "Open without a reason",
        "POST",
        f"/api/v1/children/{amelie}/access",
        who=practitioner,
        body={},
    )
    rec.call(
        "Mediated access to an unknown practitioner",
        "POST",
        f"/api/v1/children/{amelie}/access",
        who=practitioner,
        body={"reason_code": "mediated_request", "on_behalf_of": "nobody-here"},
    )
    involvement_id = builders.new_id()
    key = builders.new_id()
    add = {
        "involvement_id": involvement_id,
        "start_date": today.isoformat(),
        "practitioner_role": "Health visitor",
        "is_lead": True,
    }
    rec.call(
        "Add an involvement",
        "POST",
        f"/api/v1/children/{amelie}/involvements",
        who=practitioner,
        body=add,
        headers={"Idempotency-Key": key},
    )
    rec.call(
        "The same request retried",
        "POST",
        f"/api/v1/children/{amelie}/involvements",
        who=practitioner,
        body=add,
        headers={"Idempotency-Key": key},
    )
    rec.call(
        "A viewer may not add involvements",
        "POST",
        f"/api/v1/children/{amelie}/involvements",
        who="demo-viewer",
        body={**add, "involvement_id": builders.new_id()},
    )
    rec.sign_in("demo-sensitive", "camhs-laptop-01")
    rec.call(
        "Sensitive service without consent",
        "POST",
        f"/api/v1/children/{noah}/involvements",
        who="demo-sensitive",
        body={**add, "involvement_id": builders.new_id(), "practitioner_role": "Clinician"},
    )
    indicator_id = builders.new_id()
    rec.call(
        "Set an indicator",
        "POST",
        f"/api/v1/children/{amelie}/indicators",
        who=practitioner,
        body={
            "indicator_id": indicator_id,
            "involvement_id": involvement_id,
            "indicator": IndicatorKind.INFORMATION_TO_SHARE.value,
        },
    )
    rec.call(
        "Clear an indicator",
        "DELETE",
        f"/api/v1/children/{amelie}/indicators/{indicator_id}",
        who=practitioner,
        params={"base_version": 1},
    )
    rec.call(
        "Record a decision",
        "POST",
        f"/api/v1/children/{amelie}/decisions",
        who=practitioner,
        body={
            "decision_id": builders.new_id(),
            "outcome": "share",
            "basis": "explicit_consent",
            "consent_from": "Clara Quennell (mother, parental responsibility)",
            "information_shared": "Health visitor's contact details and visit dates",
            "shared_with": "Seafield Primary, designated safeguarding lead",
            "purpose": "Coordinate support before school entry",
            "reasons": "Mother agreed; sharing is proportionate to the purpose.",
            "person_informed": True,
            "review_date": (today + timedelta(days=90)).isoformat(),
            "flowchart_id": "should-i-share",
            "flowchart_version": "1.0.0",
            "answers": [
                ["purpose", "yes"],
                ["identifiable", "yes"],
                ["confidential", "yes"],
                ["consent", "explicit"],
            ],
        },
    )
    rec.call(
        "Pin",
        "POST",
        f"/api/v1/children/{amelie}/pin",
        who="demo-viewer",
        body={"reason_code": "service_provision"},
    )
    rec.call("Unpin", "DELETE", f"/api/v1/children/{amelie}/pin", who="demo-viewer")

    rec.lines.append("## sync (pull before the involvement ends)\n")
    first = rec.call("Snapshot", "GET", "/api/v1/sync/changes", who=practitioner)

    rec.lines.append("## children (end involvement)\n")
    rec.call(
        "End an involvement with a stale version",
        "POST",
        f"/api/v1/children/{amelie}/involvements/{involvement_id}/end",
        who=practitioner,
        body={"end_date": today.isoformat(), "base_version": 2},
    )
    rec.call(
        "End an involvement",
        "POST",
        f"/api/v1/children/{amelie}/involvements/{involvement_id}/end",
        who=practitioner,
        body={"end_date": today.isoformat(), "base_version": 1},
    )

    rec.lines.append("## sync\n")
    rec.call(
        "Incremental pull",
        "GET",
        "/api/v1/sync/changes",
        who=practitioner,
        params={"since": first["cursor"]},
    )
    rec.call(
        "Unknown cursor",
        "GET",
        "/api/v1/sync/changes",
        who=practitioner,
        params={"since": "bm90LWEtY3Vyc29y"},
    )
    device = "laptop-7f3c9a1e"
    opened = seal(
        entry_id=builders.new_id(),
        chain=device_chain(device),
        prev_hash=GENESIS_HASH,
        at=datetime.now(UTC).replace(microsecond=0),
        action=AuditAction.OPEN,
        actor_id=world.users[practitioner],
        device_id=device,
        child_id=amelie,
        reason_code="service_provision",
        details={"offline": True},
    )
    orphan = seal(
        entry_id=builders.new_id(),
        chain=device_chain(device),
        prev_hash="1" * 64,
        at=datetime.now(UTC).replace(microsecond=0),
        action=AuditAction.SEARCH,
        actor_id=world.users[practitioner],
        device_id=device,
    )
    pin_id = builders.new_id()
    rec.call(
        "Push",
        "POST",
        "/api/v1/sync/push",
        who=practitioner,
        body={
            "mutations": [
                _mutation(amelie, {"kind": "pin", "reason_code": "service_provision"}, pin_id),
                _mutation(amelie, {"kind": "pin", "reason_code": "service_provision"}, pin_id),
                _mutation(
                    amelie,
                    {
                        "kind": "end_involvement",
                        "involvement_id": involvement_id,
                        "end_date": today.isoformat(),
                        "base_version": 1,
                    },
                ),
                _mutation(
                    amelie,
                    {
                        "kind": "set_indicator",
                        "indicator_id": builders.new_id(),
                        "involvement_id": world.social_care_involvement,
                        "indicator": "action_under_way",
                    },
                ),
            ],
            "audit": [opened.model_dump(mode="json"), orphan.model_dump(mode="json")],
        },
    )
    rec.call(
        "Push too large",
        "POST",
        "/api/v1/sync/push",
        who=practitioner,
        body={"mutations": [{}] * 501},
        body_shown='{"mutations": [{}, {}, … 501 items in all]}',
    )

    rec.lines.append("## shield\n")
    manager = "demo-index-manager"
    review = (today + timedelta(days=180)).isoformat()
    rec.call(
        "Shield",
        "POST",
        f"/api/v1/children/{noah}/shield",
        who=manager,
        body={"reason": "Family placed in refuge; whereabouts protected.", "review_date": review},
    )
    rec.call(
        "Shield reviews",
        "GET",
        "/api/v1/children/shield-reviews",
        who=manager,
        params={"due_before": review},
    )
    rec.call(
        "Search finds a shielded child",
        "GET",
        "/api/v1/children",
        who=practitioner,
        params={"family_name": "Brightwell", "given_names": "Noah"},
    )
    rec.call(
        "A practitioner opens a shielded record",
        "POST",
        f"/api/v1/children/{noah}/access",
        who=practitioner,
        body={"reason_code": "other", "reason_text": "Checking before a home visit"},
    )
    rec.call(
        "Unshield",
        "DELETE",
        f"/api/v1/children/{noah}/shield",
        who=manager,
        body={"reason": "Refuge placement ended; review agreed with social care."},
    )

    rec.lines.append("## audit\n")
    admin = "demo-user-admin"
    rec.call("Chains", "GET", "/api/v1/audit/chains", who=manager)
    rec.call("Verify", "GET", "/api/v1/audit/verify", who=manager, params={"chain": "index"})
    rec.call(
        "User activity",
        "GET",
        f"/api/v1/audit/users/{world.users[practitioner]}",
        who=manager,
        params={"limit": 2},
    )
    rec.call(
        "Child activity",
        "GET",
        f"/api/v1/audit/children/{amelie}",
        who=manager,
        params={"limit": 2},
    )
    rec.call(
        "Spot check",
        "GET",
        "/api/v1/audit/spot-check",
        who=admin,
        params={"user_id": world.users[practitioner], "n": 2},
    )
    found = rec.call("Alerts", "GET", "/api/v1/audit/alerts", who=manager)
    shielded = next(a["id"] for a in found["alerts"] if a["rule"] == "shielded_record")
    review_path = f"/api/v1/audit/alerts/{shielded}/review"
    rec.call(
        "Review an alert",
        "POST",
        review_path,
        who=manager,
        body={
            "outcome": "explained",
            "note": "Home visit agreed with the refuge beforehand; confirmed with the "
            "practitioner's manager.",
        },
    )
    rec.call(
        "Review it again",
        "POST",
        review_path,
        who=admin,
        body={"outcome": "no_concern", "note": "Looks fine to me as well."},
    )
    rec.call(
        "A review without a note",
        "POST",
        review_path,
        who=manager,
        body={"outcome": "no_concern"},
    )
    rec.call(
        "No such alert",
        "POST",
        f"/api/v1/audit/alerts/{today:%Y%m%d}-{'0' * 20}/review",
        who=manager,
        body={"outcome": "no_concern", "note": "Nothing to add here."},
    )
    rec.call("Open alerts", "GET", "/api/v1/audit/alerts", who=manager, params={"status": "open"})
    rec.call("Audit is not for practitioners", "GET", "/api/v1/audit/chains", who=practitioner)

    rec.lines.append("## admin\n")
    rec.call("List users", "GET", "/api/v1/admin/users", who=admin)
    created = rec.call(
        "Create a user",
        "POST",
        "/api/v1/admin/users",
        who=admin,
        body={
            "username": "r.patel",
            "display_name": "Rosa Patel",
            "roles": ["practitioner"],
            "organisation": "Seafield Health Trust",
            "local_authority": "Brighton and Hove",
            "service_code": "school_nursing",
            "job_title": "School nurse",
            "contact": {"phone": "01632 960188", "email": "r.patel@example.org"},
            "training_completed_on": (today - timedelta(days=10)).isoformat(),
            "vetted_on": (today - timedelta(days=100)).isoformat(),
            "password": "Initial-password-2026",
        },
    )
    new_user = created["id"]
    rec.call(
        "Change roles",
        "PATCH",
        f"/api/v1/admin/users/{new_user}",
        who=admin,
        body={"roles": ["practitioner", "essential"]},
    )
    rec.call("Suspend", "POST", f"/api/v1/admin/users/{new_user}/suspend", who=admin)
    rec.call("Reinstate", "POST", f"/api/v1/admin/users/{new_user}/reinstate", who=admin)
    rec.call("Unlock", "POST", f"/api/v1/admin/users/{new_user}/unlock", who=admin)
    rec.call(
        "List devices",
        "GET",
        "/api/v1/admin/devices",
        who=admin,
        params={"user_id": world.users["demo-viewer"]},
    )
    rec.call(
        "Revoke a device",
        "POST",
        "/api/v1/admin/devices/reception-01/revoke",
        who=admin,
        body={"user_id": world.users["demo-viewer"]},
    )
    rec.call("The revoked device's next request", "GET", "/api/v1/sync/changes", who="demo-viewer")

    rec.lines.append("## errors\n")
    rec.call("No bearer token", "GET", "/api/v1/sync/changes")
    rec.call("Unknown path", "GET", "/api/v1/nothing-here")
    rec.call("Wrong method", "PUT", "/api/v1/auth/login")
    rec.call("Invalid body", "POST", "/api/v1/auth/login", body={"username": "x"})
    raw = rec.client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    rec.lines.extend(["#### Malformed JSON", "", f"→ `{raw.status_code}`", "", raw.text, ""])
    big = rec.client.post("/api/v1/sync/push", content=b" " * (4 * 1024 * 1024 + 1))
    rec.lines.extend(["#### Body too large", "", f"→ `{big.status_code}`", "", big.text, ""])

    rec.lines.append("## logout\n")
    rec.call("Sign out", "POST", "/api/v1/auth/logout", who=practitioner)


@contextmanager
def example_app() -> Iterator[tuple[TestClient, FastAPI]]:
    """A freshly migrated index on a temporary SQLite file, with cheap password hashing."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'index.db'}"
        upgrade(url)
        settings = Settings(database_url=url, password_time_cost=1, password_memory_kib=1024)
        app = create_app(settings)
        try:
            with TestClient(app, raise_server_exceptions=False) as client:
                yield client, app
        finally:
            app.state.engine.dispose()


def main() -> None:
    """Print every example exchange as Markdown."""
    today = datetime.now(UTC).date()
    with example_app() as (client, app):
        world = populate(app, today)
        recorder = Recorder(client)
        run(recorder, world, today)
    sys.stdout.write("\n".join(recorder.lines) + "\n")


if __name__ == "__main__":
    main()
