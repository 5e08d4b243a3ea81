"""Unusual-activity alerts through the API: each rule fires on its pattern and not otherwise.

Activity is written straight onto the index chain with explicit times (what the API
would have written), so days, hours and baselines can be arranged exactly. 10 November
2026 is in GMT, when UK time equals UTC; July is in BST, an hour ahead.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.domain.audit import AuditAction, seal
from app.domain.identifiers import new_index_id
from app.domain.records import ChildRecord, Involvement, Shield
from app.domain.roles import Role
from server.audit import alerts, trail
from server.audit.models import AuditRow
from server.children.repository import insert_child
from server.db import transaction
from tests.integration.server.conftest import PASSWORD, Clock, Users, sign_in

ALERTS = "/api/v1/audit/alerts"
DAY = datetime(2026, 11, 10, tzinfo=UTC)
WINDOW = {"since": "2026-11-10T00:00:00Z", "until": "2026-11-11T00:00:00Z"}


def write(session: Session, action: AuditAction, *, at: datetime, **fields: Any) -> AuditRow:
    """Append an entry to the index chain with an explicit time."""
    head = trail.lock_head(session, trail.INDEX_CHAIN)
    entry = seal(
        entry_id=uuid.uuid4().hex,
        chain=trail.INDEX_CHAIN,
        prev_hash=head.last_hash,
        at=at,
        action=action,
        **fields,
    )
    return trail.store(session, entry, head)


def opens(session: Session, actor_id: str, at: datetime, count: int) -> list[AuditRow]:
    """``count`` ordinary record openings a minute apart."""
    return [
        write(
            session,
            AuditAction.OPEN,
            at=at + timedelta(minutes=i),
            actor_id=actor_id,
            child_id=f"C{i:05d}",
            reason_code="service_provision",
        )
        for i in range(count)
    ]


def child(
    session: Session,
    family_name: str,
    *,
    shielded: bool = False,
    involved: str | None = None,
) -> str:
    index_id = new_index_id()
    record = ChildRecord(
        index_id=index_id,
        given_names="Alex",
        family_name=family_name,
        date_of_birth=date(2016, 5, 4),
        shielded=shielded,
        shield=Shield(
            reason="Whereabouts protected",
            review_date=date(2027, 5, 1),
            shielded_by="someone",
            shielded_at=DAY - timedelta(days=9),
        )
        if shielded
        else None,
        involvements=(
            Involvement(
                id=uuid.uuid4().hex,
                practitioner_id=involved,
                practitioner_name="Pat Involved",
                practitioner_role="Health visitor",
                organisation="Seafield Health Trust",
                service_code="health_visiting",
                start_date=date(2026, 1, 5),
            ),
        )
        if involved
        else (),
    )
    insert_child(session, record, now=DAY - timedelta(days=10))
    return index_id


def fetch(
    api: TestClient, headers: dict[str, str], rule: str, window: dict[str, str] = WINDOW
) -> list[dict[str, Any]]:
    response = api.get(ALERTS, params=window, headers=headers)
    assert response.status_code == 200, response.text
    return [a for a in response.json()["alerts"] if a["rule"] == rule]


def test_a_burst_far_above_the_users_usual_volume_is_flagged(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    bursty = users.create("bursty", Role.PRACTITIONER)
    steady = users.create("steady", Role.PRACTITIONER)
    newcomer = users.create("newcomer", Role.PRACTITIONER)
    with transaction(factory) as session:
        for days_before in (2, 3, 5, 8):
            opens(session, bursty, DAY - timedelta(days=days_before, hours=-10), 3)
        burst = opens(session, bursty, DAY + timedelta(hours=10), alerts.BURST_FLOOR)
        for days_before in (1, 2):
            opens(session, steady, DAY - timedelta(days=days_before, hours=-9), 45)
        opens(session, steady, DAY + timedelta(hours=9), 45)
        opens(session, newcomer, DAY + timedelta(hours=11), alerts.BURST_FLOOR - 1)

    found = fetch(api, auditor, "burst")

    assert [(a["user_id"], a["username"], a["count"]) for a in found] == [
        (bursty, "bursty", alerts.BURST_FLOOR)
    ]
    assert found[0]["entry_ids"] == [e.id for e in burst[: alerts.MAX_EVIDENCE]]
    assert found[0]["summary"] == (
        "40 searches and record openings on 2026-11-10, against a usual 3 on active days "
        "of the previous 28."
    )


def test_many_searches_with_few_opens_are_flagged(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    browser = users.create("browser", Role.VIEWER)
    receptionist = users.create("receptionist", Role.VIEWER)
    light = users.create("light-user", Role.VIEWER)
    with transaction(factory) as session:
        for user, searches, opened in (
            (browser, alerts.SEARCH_FLOOR, 1),
            (receptionist, alerts.SEARCH_FLOOR, 2),
            (light, alerts.SEARCH_FLOOR - 1, 0),
        ):
            for i in range(searches):
                write(
                    session,
                    AuditAction.SEARCH,
                    at=DAY + timedelta(hours=9, minutes=i),
                    actor_id=user,
                    details={"criteria": {"family_name": "Hart", "postcode": "BN1 1AA"}},
                )
            opens(session, user, DAY + timedelta(hours=12), opened)

    found = fetch(api, auditor, "searches_without_opens")

    assert [(a["user_id"], a["count"]) for a in found] == [(browser, alerts.SEARCH_FLOOR)]
    assert found[0]["summary"] == "20 searches on 2026-11-10 but only 1 record opened."


def test_opening_a_record_for_a_vague_reason_without_involvement_is_flagged(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    curious = users.create("curious", Role.PRACTITIONER)
    involved = users.create("involved", Role.PRACTITIONER)
    with transaction(factory) as session:
        child_id = child(session, "Marsh", involved=involved)
        vague = write(
            session,
            AuditAction.OPEN,
            at=DAY + timedelta(hours=10),
            actor_id=curious,
            child_id=child_id,
            reason_code="other",
            reason_text="Just checking something",
        )
        write(
            session,
            AuditAction.OPEN,
            at=DAY + timedelta(hours=11),
            actor_id=involved,
            child_id=child_id,
            reason_code="other",
            reason_text="Checking my own details",
        )
        write(
            session,
            AuditAction.OPEN,
            at=DAY + timedelta(hours=12),
            actor_id=curious,
            child_id=child_id,
            reason_code="safeguarding",
        )

    found = fetch(api, auditor, "vague_reason_without_involvement")

    assert [(a["user_id"], a["child_id"], a["entry_ids"]) for a in found] == [
        (curious, child_id, [vague.id])
    ]


def test_use_outside_working_hours_in_uk_time_is_flagged(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    owl = users.create("night-owl", Role.PRACTITIONER)
    with transaction(factory) as session:
        early = write(
            session, AuditAction.LOGIN, at=DAY + timedelta(hours=6, minutes=59), actor_id=owl
        )
        late = write(session, AuditAction.SEARCH, at=DAY + timedelta(hours=20), actor_id=owl)
        write(
            session,
            AuditAction.OPEN,
            at=DAY + timedelta(hours=7),
            actor_id=owl,
            child_id="C1",
            reason_code="service_provision",
        )
        write(
            session,
            AuditAction.OPEN,
            at=DAY + timedelta(hours=19, minutes=59),
            actor_id=owl,
            child_id="C2",
            reason_code="service_provision",
        )
        # The client syncing by itself at night is not the user working.
        write(session, AuditAction.SYNC_PULL, at=DAY + timedelta(hours=23), actor_id=owl)
        # Summer: 19:30 UTC is 20:30 in London, 06:30 UTC is 07:30.
        summer = datetime(2026, 7, 15, tzinfo=UTC)
        summer_late = write(
            session,
            AuditAction.OPEN,
            at=summer + timedelta(hours=19, minutes=30),
            actor_id=owl,
            child_id="C3",
            reason_code="service_provision",
        )
        write(
            session,
            AuditAction.OPEN,
            at=summer + timedelta(hours=6, minutes=30),
            actor_id=owl,
            child_id="C4",
            reason_code="service_provision",
        )

    november = fetch(api, auditor, "out_of_hours")
    july = fetch(
        api,
        auditor,
        "out_of_hours",
        {"since": "2026-07-15T00:00:00", "until": "2026-07-16T00:00:00"},
    )

    assert [(a["user_id"], a["entry_ids"], a["count"]) for a in november] == [
        (owl, [early.id, late.id], 2)
    ]
    assert "(UK time: 06:59, 20:00)" in november[0]["summary"]
    assert [(a["user_id"], a["entry_ids"]) for a in july] == [(owl, [summer_late.id])]
    assert "(UK time: 20:30)" in july[0]["summary"]


def test_reaching_a_shielded_record_is_flagged_except_for_index_managers(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    practitioner = users.create("health-visitor", Role.PRACTITIONER)
    manager = users.create("shield-reviewer", Role.INDEX_MANAGER)
    at = DAY + timedelta(hours=10)
    with transaction(factory) as session:
        shielded = child(session, "Stone", shielded=True)
        # Shielded from 11:00 to 13:00 only, as the trail records.
        briefly = child(session, "Field")
        write(
            session,
            AuditAction.SHIELD,
            at=at + timedelta(hours=1),
            actor_id=manager,
            child_id=briefly,
        )
        write(
            session,
            AuditAction.UNSHIELD,
            at=at + timedelta(hours=3),
            actor_id=manager,
            child_id=briefly,
        )

        def open_(user: str, child_id: str, hours: float) -> AuditRow:
            return write(
                session,
                AuditAction.OPEN,
                at=at + timedelta(hours=hours),
                actor_id=user,
                child_id=child_id,
                reason_code="safeguarding",
            )

        flagged = [open_(practitioner, shielded, 0), open_(practitioner, briefly, 2)]
        open_(practitioner, briefly, 0.5)
        open_(practitioner, briefly, 4)
        open_(manager, shielded, 0)

    found = fetch(api, auditor, "shielded_record")

    assert [(a["user_id"], a["child_id"], a["entry_ids"]) for a in found] == [
        (practitioner, shielded, [flagged[0].id]),
        (practitioner, briefly, [flagged[1].id]),
    ]


def test_looking_up_children_who_share_the_users_family_name_is_flagged(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    worker = users.create("s-okafor", Role.PRACTITIONER, display_name="Sam Okafor")
    at = DAY + timedelta(hours=10)
    with transaction(factory) as session:
        relative = child(session, "OKAFOR")
        double_barrelled = child(session, "Smith-Okafor")
        stranger = child(session, "Hart")
        flagged = [
            write(
                session,
                AuditAction.OPEN,
                at=at,
                actor_id=worker,
                child_id=relative,
                reason_code="service_provision",
            ),
            write(
                session,
                AuditAction.OPEN,
                at=at + timedelta(minutes=1),
                actor_id=worker,
                child_id=double_barrelled,
                reason_code="service_provision",
            ),
            write(
                session,
                AuditAction.SEARCH,
                at=at + timedelta(minutes=2),
                actor_id=worker,
                details={"criteria": {"family_name": "Okafor", "date_of_birth": "2016-05-04"}},
            ),
        ]
        write(
            session,
            AuditAction.OPEN,
            at=at + timedelta(minutes=3),
            actor_id=worker,
            child_id=stranger,
            reason_code="service_provision",
        )
        write(
            session,
            AuditAction.SEARCH,
            at=at + timedelta(minutes=4),
            actor_id=worker,
            details={"criteria": {"family_name": "Hart", "date_of_birth": "2016-05-04"}},
        )

    found = fetch(api, auditor, "own_family_name")

    assert [(a["user_id"], a["child_id"], a["entry_ids"]) for a in found] == [
        (worker, relative, [flagged[0].id]),
        (worker, double_barrelled, [flagged[1].id]),
        (worker, None, [flagged[2].id]),
    ]


def test_use_while_suspended_is_flagged_but_not_before_or_after(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    admin = users.create("user-admin", Role.USER_ADMIN)
    worker = users.create("suspended-worker", Role.PRACTITIONER)
    at = DAY + timedelta(hours=9)
    with transaction(factory) as session:
        write(
            session,
            AuditAction.OPEN,
            at=at,
            actor_id=worker,
            child_id="C1",
            reason_code="service_provision",
        )
        write(
            session,
            AuditAction.ADMIN,
            at=at + timedelta(hours=1),
            actor_id=admin,
            details={"action": "suspend_user", "target_user_id": worker},
        )
        flagged = [
            # Done offline on a laptop after the suspension, pushed later.
            write(
                session,
                AuditAction.OPEN,
                at=at + timedelta(hours=2),
                actor_id=worker,
                child_id="C2",
                reason_code="service_provision",
                device_id="laptop-1",
            ),
            write(
                session,
                AuditAction.LOGIN_FAILED,
                at=at + timedelta(hours=3),
                actor_id=worker,
                details={"username": "suspended-worker", "error": "account_suspended"},
            ),
        ]
        write(
            session,
            AuditAction.ADMIN,
            at=at + timedelta(hours=4),
            actor_id=admin,
            details={"action": "reinstate_user", "target_user_id": worker},
        )
        write(
            session,
            AuditAction.OPEN,
            at=at + timedelta(hours=5),
            actor_id=worker,
            child_id="C3",
            reason_code="service_provision",
        )

    found = fetch(api, auditor, "use_after_suspension")

    assert [(a["user_id"], a["entry_ids"], a["count"]) for a in found] == [
        (worker, [e.id for e in flagged], 2)
    ]


def test_work_after_a_suspension_through_the_admin_api_raises_an_alert(
    api: TestClient,
    users: Users,
    factory: sessionmaker[Session],
    auditor: dict[str, str],
    clock: Clock,
) -> None:
    users.create("user-admin", Role.USER_ADMIN)
    worker = users.create("suspended-worker", Role.PRACTITIONER)
    with transaction(factory) as session:
        before = write(
            session,
            AuditAction.OPEN,
            at=clock.now,
            actor_id=worker,
            child_id="C1",
            reason_code="service_provision",
        )
    clock.advance(minutes=10)  # within the auditor's access-token lifetime
    # The API's entries (the suspension, the refused sign-in) carry the index's time.
    suspended = api.post(
        f"/api/v1/admin/users/{worker}/suspend", headers=sign_in(api, "user-admin")
    )
    assert suspended.status_code == 200, suspended.text
    refused = api.post(
        "/api/v1/auth/login",
        json={"username": "suspended-worker", "password": PASSWORD, "device_id": "dev-00000009"},
    )
    assert refused.json()["error"] == "account_suspended"
    with transaction(factory) as session:
        # Work done offline on a laptop after the suspension reaches the index later.
        after = write(
            session,
            AuditAction.OPEN,
            at=clock.now + timedelta(minutes=10),
            actor_id=worker,
            child_id="C2",
            reason_code="service_provision",
            device_id="laptop-1",
        )
    window = {
        "since": (clock.now - timedelta(hours=1)).isoformat(),
        "until": (clock.now + timedelta(hours=1)).isoformat(),
    }

    found = fetch(api, auditor, "use_after_suspension", window)

    assert [(a["user_id"], a["count"]) for a in found] == [(worker, 2)]
    assert after.id == found[0]["entry_ids"][1]
    assert before.id not in found[0]["entry_ids"]


def test_ordinary_daytime_work_raises_no_alerts_and_alerts_are_stable(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    worker = users.create("health-visitor", Role.PRACTITIONER, display_name="Pat Jones")
    with transaction(factory) as session:
        own = child(session, "Hart", involved=worker)
        for hour in range(9, 17):
            write(
                session,
                AuditAction.SEARCH,
                at=DAY + timedelta(hours=hour),
                actor_id=worker,
                details={"criteria": {"family_name": "Hart"}},
            )
            write(
                session,
                AuditAction.OPEN,
                at=DAY + timedelta(hours=hour, minutes=5),
                actor_id=worker,
                child_id=own,
                reason_code="other",
                reason_text="Following up the home visit",
            )
        write(
            session,
            AuditAction.OPEN,
            at=DAY + timedelta(hours=23),
            actor_id="someone",
            child_id=own,
            reason_code="other",
            reason_text="An unknown actor at night",
        )

    first = api.get(ALERTS, params=WINDOW, headers=auditor).json()
    second = api.get(ALERTS, params=WINDOW, headers=auditor).json()

    assert [a for a in first["alerts"] if a["user_id"] == worker] == []
    assert first["alerts"] == second["alerts"]
    assert first["since"] == "2026-11-10T00:00:00Z"


def test_the_alert_window_must_be_forwards_and_bounded(
    api: TestClient, auditor: dict[str, str]
) -> None:
    backwards = api.get(
        ALERTS,
        params={"since": "2026-11-11T00:00:00Z", "until": "2026-11-10T00:00:00Z"},
        headers=auditor,
    )
    too_long = api.get(
        ALERTS,
        params={"since": "2026-01-01T00:00:00Z", "until": "2026-11-10T00:00:00Z"},
        headers=auditor,
    )

    assert (backwards.status_code, backwards.json()["error"]) == (422, "invalid_request")
    assert (too_long.status_code, too_long.json()["field"]) == (422, "since")
    assert "92 days" in too_long.json()["message"]


def test_an_alert_is_the_same_whichever_window_finds_it(
    api: TestClient, users: Users, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    admin = users.create("user-admin", Role.USER_ADMIN)
    worker = users.create("suspended-worker", Role.PRACTITIONER)
    with transaction(factory) as session:
        write(
            session,
            AuditAction.ADMIN,
            at=DAY + timedelta(hours=9),
            actor_id=admin,
            details={"action": "suspend_user", "target_user_id": worker},
        )
        flagged = [
            write(
                session,
                AuditAction.OPEN,
                at=DAY + timedelta(hours=hour),
                actor_id=worker,
                child_id=f"C{hour}",
                reason_code="service_provision",
                device_id="laptop-1",
            )
            for hour in (6, 11, 21)
        ]
    afternoon = {"since": "2026-11-10T11:30:00Z", "until": "2026-11-10T13:00:00Z"}
    evening = {"since": "2026-11-10T20:00:00", "until": "2026-11-11T08:00:00"}
    lunchtime = {"since": "2026-11-10T12:00:00Z", "until": "2026-11-10T13:00:00Z"}

    whole_day = fetch(api, auditor, "use_after_suspension")
    later = fetch(api, auditor, "use_after_suspension", evening)
    nights = [fetch(api, auditor, "out_of_hours", w) for w in (WINDOW, evening)]

    # The rules judge whole UK days: a window that cuts the day finds the same alert,
    # with the whole day's evidence, so a review keyed on its id stays attached.
    assert [(a["count"], a["entry_ids"]) for a in whole_day] == [(2, [e.id for e in flagged[1:]])]
    assert later == whole_day
    assert nights[0] == nights[1]
    assert [a["entry_ids"] for a in nights[0]] == [[flagged[0].id, flagged[2].id]]
    assert whole_day[0]["id"].startswith("20261110-")
    # A window holding none of an alert's evidence does not list it.
    assert fetch(api, auditor, "use_after_suspension", afternoon) == []
    assert fetch(api, auditor, "out_of_hours", lunchtime) == []


def test_unknown_actors_get_alerts_of_their_own(
    api: TestClient, factory: sessionmaker[Session], auditor: dict[str, str]
) -> None:
    with transaction(factory) as session:
        for actor in ("former-user-1", "former-user-2"):
            write(session, AuditAction.SEARCH, at=DAY + timedelta(hours=23), actor_id=actor)

    found = fetch(api, auditor, "out_of_hours")

    assert sorted((a["user_id"], a["username"]) for a in found) == [
        ("former-user-1", None),
        ("former-user-2", None),
    ]
    assert len({a["id"] for a in found}) == 2
