"""alert reviews: one final review per unusual-activity alert

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 16:30:00

Adds ``alert_reviews`` (``server.audit.models.AlertReviewRow``; written by hand to match
the model, as autogenerate would). A review closes an alert for good, so on PostgreSQL
the table gets the trail's treatment from 0002:

* a trigger refuses UPDATE, DELETE and TRUNCATE for everyone, owner and superuser
  included (only deliberately disabling triggers gets past it);
* the role ``everychild_app`` may only SELECT and INSERT: the default privileges that
  0002 set up would otherwise grant it UPDATE and DELETE on a new table.

On SQLite only the table is created.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "everychild_app"
TABLE = "alert_reviews"
FUNCTION = "everychild_alert_reviews_final"

_CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'alert reviews are final: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

_TRIGGERS = (
    (f"{TABLE}_final", "UPDATE OR DELETE", "ROW"),
    (f"{TABLE}_no_truncate", "TRUNCATE", "STATEMENT"),
)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("alert_id", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=False),
        sa.Column("reviewed_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert_reviews")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_CREATE_FUNCTION)
    for name, events, level in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {events} ON {TABLE} "
            f"FOR EACH {level} EXECUTE FUNCTION {FUNCTION}()"
        )
    # Explicit, not left to 0002's default privileges: those apply only to tables
    # created by the role that set them.
    op.execute(f"GRANT SELECT, INSERT ON {TABLE} TO {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {TABLE} FROM {APP_ROLE}")


def downgrade() -> None:
    # Dropping the table drops its triggers and grants with it.
    op.drop_table(TABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
