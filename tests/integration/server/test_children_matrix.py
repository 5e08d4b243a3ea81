"""The role × action matrix, over HTTP against the real app (PRODUCT.md §1, §9).

Every role performs every action on a fresh record set up so that the action could
succeed (its own involvement and indicator exist; the record is shielded for unshield),
and the answer must be exactly the table's: allowed, or the named refusal code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.roles import Role
from tests.integration.server import builders
from tests.integration.server.conftest import Users, sign_in

OK = "allowed"
NO = "forbidden"

ACTIONS = (
    "search",
    "open",
    "add_involvement",
    "end_own_involvement",
    "set_own_indicator",
    "clear_own_indicator",
    "record_decision",
    "shield",
    "unshield",
)

#: role → the answer to each action in ``ACTIONS``, in order.
MATRIX: dict[Role, tuple[str, ...]] = {
    Role.VIEWER: (OK, OK, NO, NO, NO, NO, NO, NO, NO),
    Role.PRACTITIONER: (OK, OK, OK, OK, OK, OK, OK, NO, NO),
    Role.ESSENTIAL: (OK, OK, OK, OK, OK, OK, OK, NO, NO),
    Role.INDEX_MANAGER: (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    Role.USER_ADMIN: (NO, NO, NO, NO, NO, NO, NO, NO, NO),
    Role.DATA_MANAGER: (OK, OK, NO, NO, NO, NO, NO, NO, NO),
}


def _perform(
    action: str, api: TestClient, app: FastAPI, headers: dict[str, str], user_id: str
) -> Any:
    """Set up a record for ``action`` and perform it; return the response."""
    indicator = builders.indicator(user_id)
    own = builders.involvement(user_id, indicators=(indicator,))
    record = builders.child(
        family_name=f"Matrixson{action.replace('_', '')}",
        involvements=() if action == "add_involvement" else (own,),
        shielded=action == "unshield",
    )
    builders.store(app, record)
    base = f"/api/v1/children/{record.index_id}"
    calls: dict[str, Callable[[], Any]] = {
        "search": lambda: api.get(
            "/api/v1/children",
            params={"family_name": record.family_name, "date_of_birth": "2015-03-14"},
            headers=headers,
        ),
        "open": lambda: builders.open_record(api, headers, record.index_id),
        "add_involvement": lambda: api.post(
            f"{base}/involvements",
            headers=headers,
            json={
                "involvement_id": builders.new_id(),
                "start_date": "2026-11-20",
                "practitioner_role": "Health visitor",
            },
        ),
        "end_own_involvement": lambda: api.post(
            f"{base}/involvements/{own.id}/end",
            headers=headers,
            json={"end_date": "2026-11-21", "base_version": 1},
        ),
        "set_own_indicator": lambda: api.post(
            f"{base}/indicators",
            headers=headers,
            json={
                "indicator_id": builders.new_id(),
                "involvement_id": own.id,
                "indicator": "action_under_way",
            },
        ),
        "clear_own_indicator": lambda: api.delete(
            f"{base}/indicators/{indicator.id}", params={"base_version": 1}, headers=headers
        ),
        "record_decision": lambda: api.post(
            f"{base}/decisions",
            headers=headers,
            json={
                "decision_id": builders.new_id(),
                "outcome": "share",
                "basis": "explicit_consent",
                "reasons": "Parent agreed to share with the school nurse.",
            },
        ),
        "shield": lambda: api.post(
            f"{base}/shield",
            headers=headers,
            json={"reason": "Whereabouts must be protected", "review_date": "2027-05-01"},
        ),
        "unshield": lambda: api.request(
            "DELETE",
            f"{base}/shield",
            headers=headers,
            json={"reason": "Court order has been lifted"},
        ),
    }
    return calls[action]()


def _outcome(response: Any) -> str:
    if response.status_code in (200, 201):
        return OK
    return str(response.json()["error"])


@pytest.mark.parametrize("role", list(MATRIX), ids=lambda r: r.value)
def test_each_role_gets_exactly_the_matrix_answer_for_each_action(
    role: Role, api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create(f"matrix-{role.value}", role)
    headers = sign_in(api, f"matrix-{role.value}")

    got = {
        action: _outcome(_perform(action, api, server_app, headers, user_id)) for action in ACTIONS
    }

    assert got == dict(zip(ACTIONS, MATRIX[role], strict=True))


def test_a_refusal_is_403_with_a_message_and_writes_no_change_audit_entry(
    api: TestClient, users: Users, server_app: FastAPI
) -> None:
    user_id = users.create("matrix-viewer", Role.VIEWER)
    headers = sign_in(api, "matrix-viewer")

    response = _perform("add_involvement", api, server_app, headers, user_id)

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "record your involvement" in response.json()["message"]
    assert builders.audit_rows(server_app, "add_involvement") == []
