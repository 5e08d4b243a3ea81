"""The seven demo users of PRODUCT.md §8, one per role, all with password ``Everychild-demo-1``.

Created through ``server.auth.service.create_user`` like any other user; a demo user
that already exists (by username) is left exactly as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.roles import Role
from server.auth.models import UserRow
from server.auth.service import create_user

DEMO_PASSWORD = "Everychild-demo-1"  # noqa: S105 - the published demo password (PRODUCT.md §8)
DEMO_LOCAL_AUTHORITY = "Brighton and Hove"

#: Recent enough that nobody's training or vetting lapses during a demo.
TRAINED_DAYS_AGO = 60
VETTED_DAYS_AGO = 200


@dataclass(frozen=True, slots=True)
class DemoUser:
    """What the seed creates for one demo user."""

    username: str
    display_name: str
    roles: frozenset[Role]
    job_title: str
    organisation: str
    service_code: str | None = None
    reception_desk: bool = False
    phone: str | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        username="demo-viewer",
        display_name="Priya Shah",
        roles=frozenset({Role.VIEWER}),
        job_title="GP surgery receptionist",
        organisation="Harbour Surgery",
        service_code="general_practice",
        reception_desk=True,
        phone="01632 960101",
    ),
    DemoUser(
        username="demo-practitioner",
        display_name="Hannah Cole",
        roles=frozenset({Role.PRACTITIONER}),
        job_title="Health visitor",
        organisation="Seafield Health Trust",
        service_code="health_visiting",
        phone="01632 960102",
    ),
    DemoUser(
        username="demo-sensitive",
        display_name="Omar Reid",
        roles=frozenset({Role.PRACTITIONER}),
        job_title="CAMHS clinician",
        organisation="Downland CAMHS",
        service_code="camhs",
        phone="01632 960103",
    ),
    DemoUser(
        username="demo-essential",
        display_name="Sam Okafor",
        roles=frozenset({Role.ESSENTIAL}),
        job_title="Social worker",
        organisation="Brighton and Hove Children's Services",
        service_code="childrens_social_care",
        phone="01632 960104",
    ),
    DemoUser(
        username="demo-index-manager",
        display_name="Jo Whitfield",
        roles=frozenset({Role.INDEX_MANAGER}),
        job_title="Index manager",
        organisation="Brighton and Hove Index Team",
        phone="01632 960105",
    ),
    DemoUser(
        username="demo-user-admin",
        display_name="Alex Morgan",
        roles=frozenset({Role.USER_ADMIN}),
        job_title="User administrator",
        organisation="Brighton and Hove Index Team",
        phone="01632 960106",
    ),
    DemoUser(
        username="demo-data-manager",
        display_name="Chris Edwards",
        roles=frozenset({Role.DATA_MANAGER}),
        job_title="Data manager",
        organisation="Brighton and Hove Index Team",
        phone="01632 960107",
    ),
)


def ensure_demo_users(session: Session, *, today: date) -> tuple[dict[str, UserRow], int]:
    """Every demo user's row by username, and how many of them were created just now."""
    existing = {
        row.username: row
        for row in session.scalars(
            select(UserRow).where(UserRow.username.in_([u.username for u in DEMO_USERS]))
        )
    }
    created = 0
    for user in DEMO_USERS:
        if user.username in existing:
            continue
        existing[user.username] = create_user(
            session,
            username=user.username,
            password=DEMO_PASSWORD,
            display_name=user.display_name,
            roles=user.roles,
            organisation=user.organisation,
            local_authority=DEMO_LOCAL_AUTHORITY,
            service_code=user.service_code,
            job_title=user.job_title,
            phone=user.phone,
            email=f"{user.username}@example.org",
            reception_desk=user.reception_desk,
            training_completed_on=today - timedelta(days=TRAINED_DAYS_AGO),
            vetted_on=today - timedelta(days=VETTED_DAYS_AGO),
        )
        created += 1
    return existing, created
