"""Who may close an unusual-activity alert: oversight roles, not about themselves."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.policy import alert_review_permission
from app.domain.roles import Role, User

TODAY = date(2026, 11, 21)


def _user(role: Role, user_id: str = "user-reviewer") -> User:
    return User(
        id=user_id,
        username=user_id,
        display_name="Rev Iewer",
        roles=frozenset({role}),
        organisation="Brighton and Hove",
        local_authority="Brighton and Hove",
        training_completed_on=date(2026, 1, 5),
        vetted_on=date(2025, 6, 1),
    )


@pytest.mark.parametrize("role", [Role.USER_ADMIN, Role.INDEX_MANAGER])
def test_an_oversight_role_closes_alerts_about_others_but_not_its_own(role: Role) -> None:
    reviewer = _user(role)
    assert alert_review_permission(reviewer, subject_id="user-other", today=TODAY).allowed
    own = alert_review_permission(reviewer, subject_id=reviewer.id, today=TODAY)
    assert not own.allowed
    assert own.refusal is not None
    assert own.refusal.code == "own_alert"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PRACTITIONER, Role.ESSENTIAL])
def test_frontline_roles_close_no_alert(role: Role) -> None:
    refused = alert_review_permission(_user(role), subject_id="user-other", today=TODAY)
    assert not refused.allowed
    assert refused.refusal is not None
    assert refused.refusal.code == "forbidden"
