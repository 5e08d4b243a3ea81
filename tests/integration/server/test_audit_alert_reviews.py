"""Reviewing unusual-activity alerts through the API: each alert is closed once, for good.

Out-of-hours activity on 10 November 2026 (GMT, so UK time equals UTC) raises the
alerts; it is written straight onto the index chain with explicit times, as in
``test_audit_alerts.py``. The index's clock stands at 21 November, so each review is
stamped then.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.audit import AuditAction
from app.domain.roles import Role
from server.audit.models import AuditRow
from server.db import transaction
from tests.integration.server.conftest import Clock, Users, sign_in
from tests.integration.server.test_audit_alerts import ALERTS, DAY, WINDOW, write

NOTE = "On call that night; confirmed with the duty rota."


def night_work(factory: sessionmaker[Session], user_id: str, *hours: float) -> None:
    """Searches by ``user_id`` on 10 November at each of ``hours`` (UTC = UK time)."""
    with transaction(factory) as session:
        for hour in hours:
            write(session, AuditAction.SEARCH, at=DAY + timedelta(hours=hour), actor_id=user_id)


def listed(api: TestClient, headers: dict[str, str], **params: str) -> dict[str, dict[str, Any]]:
    """The alerts a listing shows, by id."""
    response = api.get(ALERTS, params={**WINDOW, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return {alert["id"]: alert for alert in response.json()["alerts"]}


def review(api: TestClient, headers: dict[str, str], alert_id: str, body: dict[str, Any]) -> Any:
    return api.post(f"{ALERTS}/{alert_id}/review", json=body, headers=headers)


def review_entries(factory: sessionmaker[Session]) -> list[AuditRow]:
    with factory() as session:
        return [
            row
            for row in session.scalars(
                select(AuditRow).where(AuditRow.action == AuditAction.ADMIN.value)
            )
            if row.details.get("action") == "review_alert"
        ]


def test_a_reviewed_alert_shows_closed_with_its_outcome_in_every_later_listing(
    api: TestClient,
    users: Users,
    factory: sessionmaker[Session],
    auditor: dict[str, str],
    clock: Clock,
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    reviewer = users.create("second-auditor", Role.INDEX_MANAGER)
    night_work(factory, owl, 6.5, 21.5)
    (alert,) = listed(api, auditor).values()
    assert (alert["rule"], alert["user_id"], alert["review"]) == ("out_of_hours", owl, None)
    assert alert["id"].startswith("20261110-")

    response = review(
        api, sign_in(api, "second-auditor"), alert["id"], {"outcome": "explained", "note": NOTE}
    )

    assert response.status_code == 201, response.text
    closed = {
        "outcome": "explained",
        "note": NOTE,
        "reviewed_by": reviewer,
        "reviewed_by_username": "second-auditor",
        "reviewed_at": "2026-11-21T10:00:00Z",
    }
    assert response.json() == {**alert, "review": closed}
    clock.advance(minutes=5)
    evening = {"since": "2026-11-10T21:00:00Z", "until": "2026-11-10T22:00:00Z"}
    month = {"since": "2026-10-25T00:00:00", "until": "2026-11-21T00:00:00"}
    for window in (WINDOW, evening, month):
        assert listed(api, auditor, **window) == {alert["id"]: {**alert, "review": closed}}

    # More of the same that night, reaching the index later: still the one alert, closed.
    night_work(factory, owl, 23)
    (later,) = listed(api, auditor).values()
    assert (later["id"], later["count"], later["review"]) == (alert["id"], 3, closed)


def test_listings_filter_open_and_closed_alerts(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    lark = users.create("early-lark", Role.PRACTITIONER)
    night_work(factory, owl, 22)
    night_work(factory, lark, 5)
    by_user = {alert["user_id"]: alert["id"] for alert in listed(api, auditor).values()}
    reviewed = review(api, auditor, by_user[owl], {"outcome": "no_concern", "note": NOTE})
    assert reviewed.status_code == 201, reviewed.text

    closed = listed(api, auditor, status="closed")
    still_open = listed(api, auditor, status="open")
    every = listed(api, auditor, status="all")
    default = listed(api, auditor)
    wrong = api.get(ALERTS, params={**WINDOW, "status": "pending"}, headers=auditor)

    assert list(closed) == [by_user[owl]]
    assert closed[by_user[owl]]["review"]["outcome"] == "no_concern"
    assert list(still_open) == [by_user[lark]]
    assert still_open[by_user[lark]]["review"] is None
    assert set(every) == set(default) == {by_user[owl], by_user[lark]}
    assert (wrong.status_code, wrong.json()["error"], wrong.json()["field"]) == (
        422,
        "invalid_request",
        "status",
    )


def test_an_alert_is_reviewed_once_and_the_review_never_changes(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    users.create("second-auditor", Role.USER_ADMIN)
    night_work(factory, owl, 22)
    (alert_id,) = listed(api, auditor)
    first = review(api, auditor, alert_id, {"outcome": "referred_to_manager", "note": NOTE})
    assert first.status_code == 201, first.text

    again = review(api, auditor, alert_id, {"outcome": "no_concern", "note": NOTE})
    other = review(
        api,
        sign_in(api, "second-auditor"),
        alert_id,
        {"outcome": "disciplinary", "note": "Seen again by a second auditor."},
    )

    for refused in (again, other):
        assert (refused.status_code, refused.json()["error"]) == (409, "alert_already_reviewed")
        assert refused.json()["message"] == (
            "This alert has already been reviewed and closed; a review cannot be changed."
        )
    assert listed(api, auditor)[alert_id]["review"]["outcome"] == "referred_to_manager"
    assert len(review_entries(factory)) == 1


def test_only_an_alert_the_trail_shows_can_be_reviewed(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    night_work(factory, owl, 22)
    (alert_id,) = listed(api, auditor)
    digest = alert_id.split("-", 1)[1]
    body = {"outcome": "no_concern", "note": NOTE}

    answers = [
        review(api, auditor, f"20261110-{'0' * 20}", body),
        # The right digest on another day is another (absent) alert.
        review(api, auditor, f"20261111-{digest}", body),
        review(api, auditor, f"20261399-{digest}", body),
        review(api, auditor, "not-an-alert", body),
    ]

    for answer in answers:
        assert (answer.status_code, answer.json()["error"]) == (404, "alert_not_found")
    assert answers[0].json()["message"] == (
        "There is no such alert: the trail shows no alert with that id for its day."
    )
    assert listed(api, auditor)[alert_id]["review"] is None
    assert review_entries(factory) == []


def test_practitioners_may_neither_list_nor_review_alerts(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    night_work(factory, owl, 22)
    (alert_id,) = listed(api, auditor)
    practitioner = sign_in(api, "night-owl")

    listing = api.get(ALERTS, params=WINDOW, headers=practitioner)
    own_review = review(api, practitioner, alert_id, {"outcome": "no_concern", "note": NOTE})

    for refused in (listing, own_review):
        assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    assert listed(api, auditor)[alert_id]["review"] is None
    assert review_entries(factory) == []


def test_the_review_is_written_to_the_audit_trail_without_its_note(
    api: TestClient,
    users: Users,
    factory: sessionmaker[Session],
    auditor: dict[str, str],
    clock: Clock,
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    auditor_id = users.create("second-auditor", Role.INDEX_MANAGER)
    night_work(factory, owl, 22)
    (alert_id,) = listed(api, auditor)

    response = review(
        api,
        sign_in(api, "second-auditor", device_id="audit-desk-01"),
        alert_id,
        {"outcome": "advice_given", "note": NOTE},
    )

    assert response.status_code == 201, response.text
    (entry,) = review_entries(factory)
    assert (entry.actor_id, entry.device_id, entry.at, entry.child_id) == (
        auditor_id,
        "audit-desk-01",
        clock.now,
        None,
    )
    assert entry.details == {
        "action": "review_alert",
        "alert_id": alert_id,
        "rule": "out_of_hours",
        "user_id": owl,
        "outcome": "advice_given",
    }
    verified = api.get("/api/v1/audit/verify", headers=auditor)
    assert verified.json()["ok"] is True


@pytest.mark.parametrize(
    ("body", "status", "error", "field"),
    [
        ({"outcome": "explained"}, 400, "review_note_required", "note"),
        ({"outcome": "explained", "note": None}, 400, "review_note_required", "note"),
        ({"outcome": "explained", "note": "   \n "}, 400, "review_note_required", "note"),
        ({"outcome": "explained", "note": "Fine ok"}, 400, "review_note_required", "note"),
        ({"outcome": "explained", "note": "x" * 1001}, 400, "review_note_too_long", "note"),
        ({"outcome": "explained", "note": "x" * 5000}, 400, "review_note_too_long", "note"),
        ({"note": NOTE}, 400, "review_outcome_required", "outcome"),
        ({"outcome": " ", "note": NOTE}, 400, "review_outcome_required", "outcome"),
        ({"outcome": "fine", "note": NOTE}, 400, "invalid_review_outcome", "outcome"),
        ({"outcome": "Explained", "note": NOTE}, 400, "invalid_review_outcome", "outcome"),
        ({"outcome": "explained", "note": 42}, 422, "invalid_request", "note"),
        ({"outcome": "explained", "note": NOTE, "by": "x"}, 422, "invalid_request", "by"),
    ],
)
def test_a_review_needs_an_outcome_from_the_list_and_a_note_of_sensible_length(
    *,
    api: TestClient,
    users: Users,
    factory: sessionmaker[Session],
    auditor: dict[str, str],
    body: dict[str, Any],
    status: int,
    error: str,
    field: str,
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    night_work(factory, owl, 22)
    (alert_id,) = listed(api, auditor)

    response = review(api, auditor, alert_id, body)

    assert (response.status_code, response.json()["error"], response.json()["field"]) == (
        status,
        error,
        field,
    )
    assert listed(api, auditor)[alert_id]["review"] is None
    assert review_entries(factory) == []


def test_the_messages_say_what_to_fix_and_a_note_at_the_limit_is_kept_whole(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    night_work(factory, owl, 22)
    (alert_id,) = listed(api, auditor)

    short = review(api, auditor, alert_id, {"outcome": "explained", "note": "ok"})
    long = review(api, auditor, alert_id, {"outcome": "explained", "note": "x" * 1001})
    unknown = review(api, auditor, alert_id, {"outcome": "fine", "note": NOTE})
    at_limit = review(
        api, auditor, alert_id, {"outcome": "data_breach", "note": f"  {'y' * 1000}\n"}
    )

    assert short.json()["message"] == (
        "Write a note of at least 10 characters saying what you found."
    )
    assert long.json()["message"] == (
        "The note must be 1000 characters or fewer. Shorten it and try again."
    )
    assert unknown.json()["message"] == (
        "That is not one of the review outcomes: choose no_concern, explained, "
        "advice_given, referred_to_manager, disciplinary, data_breach."
    )
    assert at_limit.status_code == 201, at_limit.text
    assert listed(api, auditor)[alert_id]["review"]["note"] == "y" * 1000


def test_nobody_closes_an_alert_about_their_own_activity(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    night_auditor = users.create("night-auditor", Role.INDEX_MANAGER)
    night_work(factory, night_auditor, 5, 22)
    (alert,) = listed(api, auditor).values()
    assert alert["user_id"] == night_auditor

    own = review(
        api, sign_in(api, "night-auditor"), alert["id"], {"outcome": "no_concern", "note": NOTE}
    )

    assert own.status_code == 403
    assert own.json()["error"] == "own_alert"
    assert listed(api, auditor)[alert["id"]]["review"] is None
    assert review_entries(factory) == []
    by_another = review(api, auditor, alert["id"], {"outcome": "explained", "note": NOTE})
    assert by_another.status_code == 201, by_another.text
