"""Changing a record online: involvements, indicators, decisions, pins (PRODUCT.md §2, §4, §7).

Each change goes through the same ``apply`` the sync push uses; these tests check what an
API client sees — status, error code, the record returned — and what the index then
holds: the record, its version, the audit trail and the change log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.records import ChildRecord
from app.domain.roles import Role
from server.auth.models import UserRow
from server.db import transaction
from tests.integration.server import builders
from tests.integration.server.conftest import Users, sign_in

OVERRIDE_JUSTIFICATION = "Disclosure of serious harm at home; child protection concern."


@dataclass
class Case:
    """A signed-in practitioner with one involvement (and indicator) on a child's record."""

    user_id: str
    headers: dict[str, str]
    record: ChildRecord
    involvement_id: str
    indicator_id: str

    @property
    def url(self) -> str:
        return f"/api/v1/children/{self.record.index_id}"


@pytest.fixture
def case(api: TestClient, users: Users, server_app: FastAPI) -> Case:
    user_id = users.create("chg-hv", Role.PRACTITIONER)
    indicator = builders.indicator(user_id)
    own = builders.involvement(user_id, indicators=(indicator,))
    record = builders.child(involvements=(own,))
    builders.store(server_app, record)
    return Case(user_id, sign_in(api, "chg-hv"), record, own.id, indicator.id)


def _involvement_body(**extra: Any) -> dict[str, Any]:
    return {
        "involvement_id": builders.new_id(),
        "start_date": "2026-11-20",
        "practitioner_role": "Clinician",
        **extra,
    }


def _unchanged(app: FastAPI, record: ChildRecord, *actions: str) -> None:
    """The record is exactly as stored and no change of these kinds was audited."""
    assert builders.stored(app, record.index_id) == record
    for action in actions:
        assert builders.audit_rows(app, action) == [], action


# --- adding an involvement -------------------------------------------------------------


def test_adding_an_involvement_records_the_caller_and_is_audited(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("chg-hv", Role.PRACTITIONER, display_name="Robin Fairweather")
    record = builders.child()
    builders.store(server_app, record)
    body = _involvement_body(is_lead=True)

    response = api.post(
        f"/api/v1/children/{record.index_id}/involvements",
        headers=sign_in(api, "chg-hv"),
        json=body,
    )

    assert response.status_code == 201, response.text
    [added] = response.json()["involvements"]
    assert added["id"] == body["involvement_id"]
    assert (added["practitioner_id"], added["practitioner_name"]) == (
        user_id,
        "Robin Fairweather",
    )
    assert (added["organisation"], added["service_code"]) == (
        "Seafield Health Trust",
        "health_visiting",
    )
    assert added["contact"]["phone"] == "01632 960000"
    assert (added["is_lead"], added["sensitive"], added["end_date"]) == (True, False, None)
    assert response.json()["version"] == record.version + 1
    [entry] = builders.audit_rows(server_app, "add_involvement")
    assert (entry.actor_id, entry.child_id) == (user_id, record.index_id)
    assert entry.details["involvement_id"] == body["involvement_id"]
    assert "Robin" not in str(entry.details)
    assert builders.change_log(server_app, record.index_id)[-2:] == [
        (None, "upsert", None),
        (user_id, "upsert", None),
    ]


def test_a_sensitive_service_needs_consent_or_a_justified_override(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("chg-camhs", Role.PRACTITIONER, service_code="camhs")
    headers = sign_in(api, "chg-camhs")
    record = builders.child()
    builders.store(server_app, record)
    url = f"/api/v1/children/{record.index_id}/involvements"
    refused = [
        (None, "consent_required"),
        (
            {"basis": "explicit_consent", "recorded_on": "2026-11-20"},
            "consent_giver_required",
        ),
        (
            {"basis": "explicit_consent", "given_by": "child", "recorded_on": "2026-11-20"},
            "competence_judgement_required",
        ),
        (
            {
                "basis": "explicit_consent",
                "given_by": "child",
                "competence_judgement": "   ",
                "recorded_on": "2026-11-20",
            },
            "competence_judgement_required",
        ),
        (
            {"basis": "child_protection_override", "recorded_on": "2026-11-20"},
            "override_justification_required",
        ),
        (
            {
                "basis": "child_protection_override",
                "recorded_on": "2026-11-20",
                "justification": "concern",
            },
            "override_justification_required",
        ),
    ]

    for consent, code in refused:
        response = api.post(url, headers=headers, json=_involvement_body(consent=consent))
        assert response.status_code == 400, code
        assert response.json()["error"] == code
    _unchanged(server_app, record, "add_involvement")

    override = {
        "basis": "child_protection_override",
        "recorded_on": "2026-11-20",
        "justification": OVERRIDE_JUSTIFICATION,
    }
    response = api.post(url, headers=headers, json=_involvement_body(consent=override))

    assert response.status_code == 201, response.text
    [added] = response.json()["involvements"]
    assert added["sensitive"] is True
    assert added["consent"]["flagged_for_review"] is True
    assert added["consent"]["justification"] == OVERRIDE_JUSTIFICATION
    [stored] = builders.stored(server_app, record.index_id).involvements
    assert stored.sensitive
    assert stored.consent is not None
    assert stored.consent.flagged_for_review
    assert len(builders.audit_rows(server_app, "add_involvement")) == 1


def test_explicit_consent_is_stored_unflagged(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("chg-camhs", Role.PRACTITIONER, service_code="camhs")
    record = builders.child()
    builders.store(server_app, record)
    consent = {
        "basis": "explicit_consent",
        "given_by": "child",
        "competence_judgement": "  Aged 14; explained back who would see it.  ",
        "recorded_on": "2026-11-20",
    }

    response = api.post(
        f"/api/v1/children/{record.index_id}/involvements",
        headers=sign_in(api, "chg-camhs"),
        json=_involvement_body(consent=consent),
    )

    assert response.status_code == 201
    [stored] = builders.stored(server_app, record.index_id).involvements
    assert stored.consent is not None
    assert (stored.consent.given_by, stored.consent.flagged_for_review) == ("child", False)
    assert stored.consent.competence_judgement == "Aged 14; explained back who would see it."


def test_adding_needs_a_service_and_no_active_involvement_already(
    api: TestClient, users: Users, server_app: FastAPI, case: Case
) -> None:
    users.create("chg-noservice", Role.PRACTITIONER, service_code=None)

    response = api.post(
        f"{case.url}/involvements", headers=sign_in(api, "chg-noservice"), json=_involvement_body()
    )
    assert (response.status_code, response.json()["error"]) == (403, "no_service")

    response = api.post(f"{case.url}/involvements", headers=case.headers, json=_involvement_body())
    assert (response.status_code, response.json()["error"]) == (409, "already_involved")

    # Reusing an id that already names another involvement is refused, not merged.
    users.create("chg-other", Role.PRACTITIONER)
    response = api.post(
        f"{case.url}/involvements",
        headers=sign_in(api, "chg-other"),
        json=_involvement_body(involvement_id=case.involvement_id),
    )
    assert (response.status_code, response.json()["error"]) == (409, "id_taken")
    _unchanged(server_app, case.record, "add_involvement")


def test_a_practitioner_cannot_add_themselves_to_a_shielded_record(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("chg-hv", Role.PRACTITIONER)
    record = builders.child(shielded=True)
    builders.store(server_app, record)

    response = api.post(
        f"/api/v1/children/{record.index_id}/involvements",
        headers=sign_in(api, "chg-hv"),
        json=_involvement_body(),
    )

    assert (response.status_code, response.json()["error"]) == (403, "record_shielded")
    _unchanged(server_app, record, "add_involvement")


# --- ending an involvement -------------------------------------------------------------


def test_ending_ones_own_involvement_takes_the_child_out_of_the_caseload(
    api: TestClient, server_app: FastAPI, case: Case
) -> None:
    response = api.post(
        f"{case.url}/involvements/{case.involvement_id}/end",
        headers=case.headers,
        json={"end_date": "2026-11-21", "base_version": 1},
    )

    assert response.status_code == 200, response.text
    [ended] = response.json()["involvements"]
    assert (ended["end_date"], ended["version"]) == ("2026-11-21", 2)
    assert builders.stored(server_app, case.record.index_id).version == case.record.version + 1
    assert builders.change_log(server_app, case.record.index_id)[-1] == (
        case.user_id,
        "remove",
        "left_caseload",
    )
    [entry] = builders.audit_rows(server_app, "end_involvement")
    assert entry.details["involvement_id"] == case.involvement_id


def test_a_stale_or_repeated_end_is_a_conflict_with_the_current_record(
    api: TestClient, server_app: FastAPI, case: Case
) -> None:
    url = f"{case.url}/involvements/{case.involvement_id}/end"

    response = api.post(
        url, headers=case.headers, json={"end_date": "2026-11-21", "base_version": 7}
    )

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "conflict"
    assert body["message"]
    assert body["current"]["index_id"] == case.record.index_id
    assert body["current"]["involvements"][0]["version"] == 1
    _unchanged(server_app, case.record, "end_involvement")

    first = api.post(url, headers=case.headers, json={"end_date": "2026-11-21", "base_version": 1})
    assert first.status_code == 200
    again = api.post(url, headers=case.headers, json={"end_date": "2026-11-21", "base_version": 1})
    assert again.status_code == 409
    assert again.json()["current"]["involvements"][0]["end_date"] == "2026-11-21"
    assert len(builders.audit_rows(server_app, "end_involvement")) == 1


def test_an_end_before_the_start_is_refused(
    api: TestClient, server_app: FastAPI, case: Case
) -> None:
    response = api.post(
        f"{case.url}/involvements/{case.involvement_id}/end",
        headers=case.headers,
        json={"end_date": "2025-01-01", "base_version": 1},
    )

    assert (response.status_code, response.json()["error"]) == (400, "invalid_end_date")
    _unchanged(server_app, case.record, "end_involvement")


# --- ownership --------------------------------------------------------------------------


def test_nobody_changes_another_users_involvement_or_indicator(
    api: TestClient, users: Users, server_app: FastAPI, case: Case
) -> None:
    users.create("chg-other", Role.ESSENTIAL)
    other = sign_in(api, "chg-other")

    attempts = {
        "end": api.post(
            f"{case.url}/involvements/{case.involvement_id}/end",
            headers=other,
            json={"end_date": "2026-11-21", "base_version": 1},
        ),
        "set": api.post(
            f"{case.url}/indicators",
            headers=other,
            json={
                "indicator_id": builders.new_id(),
                "involvement_id": case.involvement_id,
                "indicator": "information_to_share",
            },
        ),
        "clear": api.delete(
            f"{case.url}/indicators/{case.indicator_id}",
            params={"base_version": 1},
            headers=other,
        ),
    }

    assert {k: (r.status_code, r.json()["error"]) for k, r in attempts.items()} == {
        "end": (403, "not_your_involvement"),
        "set": (403, "not_your_involvement"),
        "clear": (403, "not_your_involvement"),
    }
    _unchanged(server_app, case.record, "end_involvement", "set_indicator", "clear_indicator")


def test_unknown_involvements_and_indicators_are_not_found(
    api: TestClient, server_app: FastAPI, case: Case
) -> None:
    missing = builders.new_id()

    end = api.post(
        f"{case.url}/involvements/{missing}/end",
        headers=case.headers,
        json={"end_date": "2026-11-21", "base_version": 1},
    )
    clear = api.delete(
        f"{case.url}/indicators/{missing}", params={"base_version": 1}, headers=case.headers
    )

    assert (end.status_code, end.json()["error"]) == (404, "not_found")
    assert (clear.status_code, clear.json()["error"]) == (404, "not_found")
    _unchanged(server_app, case.record, "end_involvement", "clear_indicator")


# --- indicators -------------------------------------------------------------------------


def test_setting_and_clearing_ones_own_indicator(
    api: TestClient, server_app: FastAPI, case: Case
) -> None:
    new = builders.new_id()

    response = api.post(
        f"{case.url}/indicators",
        headers=case.headers,
        json={
            "indicator_id": new,
            "involvement_id": case.involvement_id,
            "indicator": "assessment_initiated",
        },
    )

    assert response.status_code == 201, response.text
    indicators = response.json()["involvements"][0]["indicators"]
    assert [(i["id"], i["kind"]) for i in indicators][-1] == (new, "assessment_initiated")
    assert indicators[-1]["set_by"] == case.user_id

    stale = api.delete(
        f"{case.url}/indicators/{new}", params={"base_version": 2}, headers=case.headers
    )
    assert stale.status_code == 409
    assert new in stale.text

    cleared = api.delete(
        f"{case.url}/indicators/{new}", params={"base_version": 1}, headers=case.headers
    )
    assert cleared.status_code == 200
    assert [i["id"] for i in cleared.json()["involvements"][0]["indicators"]] == [case.indicator_id]
    again = api.delete(
        f"{case.url}/indicators/{new}", params={"base_version": 1}, headers=case.headers
    )
    assert again.status_code == 409
    assert [
        e.details["indicator_id"] for e in builders.audit_rows(server_app, "set_indicator")
    ] == [new]
    assert len(builders.audit_rows(server_app, "clear_indicator")) == 1


# --- decisions --------------------------------------------------------------------------


def test_recording_a_decision_and_withdrawing_consent(
    api: TestClient, users: Users, server_app: FastAPI, case: Case
) -> None:
    share = {
        "decision_id": builders.new_id(),
        "outcome": "share",
        "basis": "explicit_consent",
        "consent_from": "Mother (parental responsibility)",
        "information_shared": "Contact details of the health visitor",
        "shared_with": "School nurse",
        "purpose": "Coordinate support",
        "reasons": "Parent agreed after discussion.",
        "person_informed": True,
        "review_date": "2027-05-01",
        "flowchart_id": "information_sharing",
        "flowchart_version": "1.0",
        "answers": [["q1", "yes"], ["q2", "no"]],
    }

    response = api.post(f"{case.url}/decisions", headers=case.headers, json=share)

    assert response.status_code == 201, response.text
    [decision] = response.json()["decisions"]
    assert (decision["id"], decision["decided_by"]) == (share["decision_id"], case.user_id)
    assert decision["decided_at"].startswith("2026-11-21T10:00:00")
    assert decision["answers"] == [["q1", "yes"], ["q2", "no"]]
    [entry] = builders.audit_rows(server_app, "record_decision")
    assert entry.details["decision_id"] == share["decision_id"]

    refused = {
        "no target": {"outcome": "consent_withdrawn"},
        "unknown target": {"outcome": "consent_withdrawn", "withdraws": builders.new_id()},
    }
    for name, fields in refused.items():
        body = {"decision_id": builders.new_id(), "reasons": "Mother withdrew consent.", **fields}
        response = api.post(f"{case.url}/decisions", headers=case.headers, json=body)
        expected = "withdraws_required" if name == "no target" else "unknown_decision"
        assert (response.status_code, response.json()["error"]) == (400, expected), name

    withdrawal = {
        "decision_id": builders.new_id(),
        "outcome": "consent_withdrawn",
        "withdraws": share["decision_id"],
        "reasons": "Mother withdrew consent by phone.",
    }
    response = api.post(f"{case.url}/decisions", headers=case.headers, json=withdrawal)
    assert response.status_code == 201
    assert [d["withdraws"] for d in response.json()["decisions"]] == [None, share["decision_id"]]

    # Another practitioner does not see these decisions; essential staff would.
    users.create("chg-other", Role.PRACTITIONER)
    other_view = builders.open_record(api, sign_in(api, "chg-other"), case.record.index_id)
    assert other_view.json()["decisions"] == []


# --- pins -------------------------------------------------------------------------------


def test_pinning_puts_the_record_in_the_caseload_once(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("chg-viewer", Role.VIEWER)
    headers = sign_in(api, "chg-viewer")
    record = builders.child()
    builders.store(server_app, record)
    url = f"/api/v1/children/{record.index_id}/pin"
    reason = {"reason_code": "service_provision"}

    first = api.post(url, headers=headers, json=reason)
    assert (first.status_code, first.json()) == (200, {"index_id": record.index_id, "pinned": True})
    assert api.post(url, headers=headers, json=reason).status_code == 200
    pins = builders.audit_rows(server_app, "pin")
    assert len(pins) == 1
    assert pins[0].reason_code == "service_provision"
    assert builders.change_log(server_app, record.index_id)[-1] == (user_id, "upsert", None)

    response = api.delete(url, headers=headers)

    assert response.status_code == 200
    assert response.json()["index_id"] == record.index_id
    assert len(builders.audit_rows(server_app, "unpin")) == 1
    assert builders.change_log(server_app, record.index_id)[-1] == (
        user_id,
        "remove",
        "left_caseload",
    )
    # Pins change the caller's caseload, not the record everyone holds.
    assert builders.stored(server_app, record.index_id).version == record.version


def test_a_role_that_cannot_open_records_cannot_pin(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("chg-admin", Role.USER_ADMIN)
    record = builders.child()
    builders.store(server_app, record)

    response = api.post(
        f"/api/v1/children/{record.index_id}/pin",
        headers=sign_in(api, "chg-admin"),
        json={"reason_code": "service_provision"},
    )

    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    assert builders.audit_rows(server_app, "pin") == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "reason_required"),
        ({"reason_code": "other", "reason_text": "short"}, "reason_text_required"),
        (
            {"reason_code": "mediated_request", "on_behalf_of": "someone"},
            "mediated_pin_not_allowed",
        ),
    ],
)
def test_pinning_needs_a_reason_for_access_and_never_returns_the_record(
    api: TestClient, users: Users, server_app: FastAPI, body: dict[str, str], code: str
) -> None:
    users.create("chg-pinner", Role.PRACTITIONER)
    headers = sign_in(api, "chg-pinner")
    record = builders.child()
    builders.store(server_app, record)
    url = f"/api/v1/children/{record.index_id}/pin"

    refused = api.post(url, headers=headers, json=body)
    unpinned = api.delete(url, headers=headers)

    assert refused.json()["error"] == code
    assert "family_name" not in refused.text
    assert builders.audit_rows(server_app, "pin") == []
    # Unpinning a record never pinned answers with the pin state, not the record.
    assert unpinned.json() == {"index_id": record.index_id, "pinned": False}


def test_a_user_whose_vetting_lapsed_gets_no_record_from_pin_or_unpin(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("chg-lapsing", Role.PRACTITIONER)
    headers = sign_in(api, "chg-lapsing")
    record = builders.child()
    builders.store(server_app, record)
    with transaction(server_app.state.session_factory) as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        row.vetted_on = date(2020, 1, 1)  # lapses while the session is still valid
    url = f"/api/v1/children/{record.index_id}/pin"

    pinned = api.post(url, headers=headers, json={"reason_code": "service_provision"})
    unpinned = api.delete(url, headers=headers)

    assert (pinned.status_code, pinned.json()["error"]) == (403, "vetting_expired")
    assert unpinned.json() == {"index_id": record.index_id, "pinned": False}
    assert record.family_name not in pinned.text + unpinned.text


# --- idempotency ------------------------------------------------------------------------


def test_the_same_idempotency_key_applies_a_change_once(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    users.create("chg-hv", Role.PRACTITIONER)
    headers = {**sign_in(api, "chg-hv"), "Idempotency-Key": "retry-key-0001"}
    record = builders.child()
    builders.store(server_app, record)
    url = f"/api/v1/children/{record.index_id}/involvements"
    body = _involvement_body()

    first = api.post(url, headers=headers, json=body)
    second = api.post(url, headers=headers, json=body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert len(builders.stored(server_app, record.index_id).involvements) == 1
    assert len(builders.audit_rows(server_app, "add_involvement")) == 1
    assert builders.applied_mutations(server_app) == 1

    # The same key for a different change is refused, not taken as a retry.
    response = api.post(
        f"/api/v1/children/{record.index_id}/decisions",
        headers=headers,
        json={"decision_id": builders.new_id(), "outcome": "share", "reasons": "Agreed."},
    )
    assert (response.status_code, response.json()["error"]) == (409, "mutation_id_reused")

    # A key used by someone else is refused too.
    users.create("chg-other", Role.PRACTITIONER)
    other = {**sign_in(api, "chg-other"), "Idempotency-Key": "retry-key-0001"}
    response = api.post(url, headers=other, json=_involvement_body())
    assert (response.status_code, response.json()["error"]) == (409, "mutation_id_reused")
    assert len(builders.stored(server_app, record.index_id).involvements) == 1


# --- bad input --------------------------------------------------------------------------


def test_bad_input_is_refused_with_a_stable_code_and_changes_nothing(
    api: TestClient, server_app: FastAPI, case: Case
) -> None:
    json_headers = {**case.headers, "Content-Type": "application/json"}
    end_url = f"{case.url}/involvements/{case.involvement_id}/end"
    attempts: dict[str, tuple[Any, str, int]] = {
        "malformed json": (
            api.post(f"{case.url}/involvements", headers=json_headers, content=b'{"start_date":'),
            "malformed_json",
            400,
        ),
        "unknown field": (
            api.post(
                f"{case.url}/involvements",
                headers=case.headers,
                json=_involvement_body(reason_for_involvement="not stored, ever"),
            ),
            "invalid_request",
            422,
        ),
        "wrong type": (
            api.post(
                f"{case.url}/involvements",
                headers=case.headers,
                json=_involvement_body(is_lead={"yes": 1}),
            ),
            "invalid_request",
            422,
        ),
        "impossible date": (
            api.post(
                end_url, headers=case.headers, json={"end_date": "2026-02-30", "base_version": 1}
            ),
            "invalid_request",
            422,
        ),
        "version zero": (
            api.post(
                end_url, headers=case.headers, json={"end_date": "2026-11-21", "base_version": 0}
            ),
            "invalid_request",
            422,
        ),
        "unknown indicator kind": (
            api.post(
                f"{case.url}/indicators",
                headers=case.headers,
                json={
                    "indicator_id": builders.new_id(),
                    "involvement_id": case.involvement_id,
                    "indicator": "case_notes",
                },
            ),
            "invalid_request",
            422,
        ),
        "bad entity id": (
            api.post(
                f"{case.url}/involvements/short/end",
                headers=case.headers,
                json={"end_date": "2026-11-21", "base_version": 1},
            ),
            "invalid_request",
            422,
        ),
        "missing version": (
            api.delete(f"{case.url}/indicators/{case.indicator_id}", headers=case.headers),
            "invalid_request",
            422,
        ),
        "bad idempotency key": (
            api.post(
                f"{case.url}/involvements",
                headers={**case.headers, "Idempotency-Key": "no spaces allowed!"},
                json=_involvement_body(),
            ),
            "invalid_idempotency_key",
            400,
        ),
        "unknown child": (
            api.post(
                "/api/v1/children/NOPE/involvements", headers=case.headers, json=_involvement_body()
            ),
            "not_found",
            404,
        ),
    }

    got = {name: (r.status_code, r.json()["error"]) for name, (r, _, _) in attempts.items()}

    assert got == {name: (status, code) for name, (_, code, status) in attempts.items()}
    _unchanged(server_app, case.record, "add_involvement", "end_involvement", "set_indicator")
    assert builders.applied_mutations(server_app) == 0
