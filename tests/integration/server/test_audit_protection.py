"""PostgreSQL protects the trail itself: triggers refuse edits, the app role lacks the rights.

The same holds for the reviews that close unusual-activity alerts: a review is final.
Migrations 0002 and 0003 protect them on PostgreSQL only, so these tests are
PostgreSQL's. The test connection is a superuser, which the triggers still stop (only
disabling triggers gets past them, and verification catches that:
``test_audit_chain.py``). ``SET ROLE everychild_app`` shows what the running index may
and may not do once it signs in as a member of that role.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.domain.audit import AuditAction
from server.audit import trail
from server.audit.models import AlertReviewRow
from server.db import make_engine
from server.migrate import alembic_config
from tests.support import postgres

pytestmark = pytest.mark.postgres

APP_ROLE = "everychild_app"
AT = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(postgres_admin_url: str) -> Iterator[Engine]:
    """A migrated PostgreSQL database holding two audit entries and one alert review."""
    url = postgres.create_database(postgres_admin_url, template=postgres.TEMPLATE)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        trail.record(session, AuditAction.LOGIN, now=AT, actor_id="user-1")
        trail.record(session, AuditAction.LOGOUT, now=AT, actor_id="user-1")
        session.add(review("20261121-00000000000000000001"))
    yield engine
    engine.dispose()
    postgres.drop_database(postgres_admin_url, url)


def refused(engine: Engine, statement: str, *, as_app: bool = False) -> str:
    """Run ``statement`` in its own transaction and return the refusal's message."""
    with engine.connect() as connection:
        if as_app:
            connection.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
        with pytest.raises(DBAPIError) as caught:
            connection.exec_driver_sql(statement)
        connection.rollback()
    return str(caught.value.orig)


def review(alert_id: str) -> AlertReviewRow:
    return AlertReviewRow(
        alert_id=alert_id,
        rule="out_of_hours",
        user_id="user-1",
        reviewed_by="auditor-1",
        reviewed_at=AT,
        outcome="no_concern",
        note="On call that night; confirmed with the rota.",
    )


def count(connection: Connection, table: str = "audit_entries") -> int:
    # The table name is one of this module's constants, never input.
    return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


def test_alert_reviews_are_final_even_for_their_owner(engine: Engine) -> None:
    for statement in (
        "UPDATE alert_reviews SET outcome = 'disciplinary'",
        "UPDATE alert_reviews SET note = 'Rewritten afterwards'",
        "DELETE FROM alert_reviews",
        "TRUNCATE alert_reviews",
    ):
        assert "alert reviews are final" in refused(engine, statement), statement

    with engine.connect() as connection:
        outcome, note = connection.execute(text("SELECT outcome, note FROM alert_reviews")).one()
        assert (outcome, note) == ("no_concern", "On call that night; confirmed with the rota.")


def test_the_trail_refuses_updates_deletes_and_truncation_even_from_its_owner(
    engine: Engine,
) -> None:
    for statement in (
        "UPDATE audit_entries SET reason_text = 'tidied up' WHERE chain_pos = 1",
        "DELETE FROM audit_entries WHERE chain_pos = 2",
        "TRUNCATE audit_entries",
    ):
        assert "audit entries are append-only" in refused(engine, statement), statement

    with engine.connect() as connection:
        assert count(connection) == 2
        assert (
            connection.execute(
                text("SELECT reason_text FROM audit_entries WHERE chain_pos = 1")
            ).scalar_one()
            is None
        )


def test_chain_heads_only_move_forward(engine: Engine) -> None:
    for statement in (
        "UPDATE audit_chain_heads SET last_pos = 1",
        "UPDATE audit_chain_heads SET last_hash = repeat('a', 64)",
        "UPDATE audit_chain_heads SET chain = 'elsewhere'",
        "DELETE FROM audit_chain_heads",
        "TRUNCATE audit_chain_heads",
    ):
        assert "audit chain heads only move forward" in refused(engine, statement), statement

    with engine.begin() as connection:
        assert connection.execute(text("SELECT last_pos FROM audit_chain_heads")).scalar_one() == 2
        # Advancing, as every append does, is allowed.
        connection.exec_driver_sql(
            "UPDATE audit_chain_heads SET last_pos = 3, last_hash = repeat('b', 64)"
        )


def test_the_app_role_may_read_and_append_to_the_trail_but_not_change_it(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        role = connection.execute(
            text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :role"), {"role": APP_ROLE}
        ).one()
        assert role.rolcanlogin is False

        def may(table: str, privilege: str) -> bool:
            return bool(
                connection.execute(
                    text("SELECT has_table_privilege(:role, :table, :privilege)"),
                    {"role": APP_ROLE, "table": table, "privilege": privilege},
                ).scalar_one()
            )

        assert [may("audit_entries", p) for p in ("SELECT", "INSERT")] == [True, True]
        assert [may("audit_entries", p) for p in ("UPDATE", "DELETE", "TRUNCATE")] == [
            False,
            False,
            False,
        ]
        assert [may("audit_chain_heads", p) for p in ("UPDATE", "DELETE", "TRUNCATE")] == [
            True,
            False,
            False,
        ]
        assert [may("alert_reviews", p) for p in ("SELECT", "INSERT")] == [True, True]
        assert [may("alert_reviews", p) for p in ("UPDATE", "DELETE", "TRUNCATE")] == [
            False,
            False,
            False,
        ]
        for table in ("children", "involvements", "users", "tokens", "change_log"):
            assert all(may(table, p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE")), table
        assert connection.execute(
            text(
                "SELECT has_sequence_privilege(:role, "
                "pg_get_serial_sequence('audit_entries', 'seq'), 'USAGE')"
            ),
            {"role": APP_ROLE},
        ).scalar_one()

    assert "permission denied" in refused(engine, "TRUNCATE audit_entries", as_app=True)
    assert "permission denied" in refused(
        engine, "UPDATE audit_entries SET reason_text = 'x'", as_app=True
    )
    assert "permission denied" in refused(engine, "DELETE FROM audit_entries", as_app=True)
    for statement in (
        "UPDATE alert_reviews SET outcome = 'disciplinary'",
        "DELETE FROM alert_reviews",
        "TRUNCATE alert_reviews",
    ):
        assert "permission denied" in refused(engine, statement, as_app=True), statement
    # Appending is exactly what the running index does, and it works under the role.
    with engine.begin() as connection:
        connection.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
        with Session(bind=connection) as session:
            trail.record(session, AuditAction.LOGIN, now=AT, actor_id="user-2")
            session.add(review("20261121-00000000000000000002"))
            session.flush()
        assert count(connection) == 3
        assert count(connection, "alert_reviews") == 2


def test_the_protection_downgrades_and_upgrades_cleanly(engine: Engine) -> None:
    def triggers(connection: Connection) -> set[str]:
        return set(
            connection.execute(
                text(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass"
                    "::text IN ('audit_entries', 'audit_chain_heads', 'alert_reviews')"
                )
            ).scalars()
        )

    def migrate(step: str) -> None:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            if step == "down":
                command.downgrade(config, "0001")
            else:
                command.upgrade(config, "head")

    migrate("down")
    with engine.begin() as connection:
        assert triggers(connection) == set()
        assert connection.execute(text("SELECT to_regclass('alert_reviews')")).scalar() is None
        # Without the trigger a plain UPDATE goes through: the trigger is what stopped it.
        connection.exec_driver_sql("UPDATE audit_entries SET reason_text = NULL")

    migrate("up")
    with engine.connect() as connection:
        assert triggers(connection) == {
            "audit_entries_append_only",
            "audit_entries_no_truncate",
            "audit_chain_heads_forward_only",
            "audit_chain_heads_no_truncate",
            "alert_reviews_final",
            "alert_reviews_no_truncate",
        }
    assert "append-only" in refused(engine, "DELETE FROM audit_entries")
    # Recreated empty: TRUNCATE, a statement trigger, still shows the protection is back.
    assert "final" in refused(engine, "TRUNCATE alert_reviews")
