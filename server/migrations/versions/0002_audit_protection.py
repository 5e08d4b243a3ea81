"""audit protection: append-only triggers and the application role

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 13:00:00

PostgreSQL only (on SQLite this migration does nothing: an embedded file has no second
user to protect the trail from, and verification still detects tampering).

* ``audit_entries`` refuses UPDATE, DELETE and TRUNCATE for everyone, owner and
  superuser included, through triggers. Only a superuser who deliberately disables
  triggers (``SET session_replication_role = replica``) can get past them, and the hash
  chain then shows what was done.
* ``audit_chain_heads`` may only move forward: no DELETE, no TRUNCATE, and an UPDATE may
  not lower ``last_pos`` or change the hash without advancing. Otherwise deleting the
  newest entries and winding the head back would go unnoticed.
* The role ``everychild_app`` (NOLOGIN) carries what the running index needs: SELECT,
  INSERT, UPDATE, DELETE on every table and USAGE on sequences, but only SELECT and
  INSERT on ``audit_entries`` and SELECT, INSERT, UPDATE on ``audit_chain_heads``, with
  UPDATE, DELETE and TRUNCATE on the trail revoked. Operators run migrations as the
  owning role and let the service sign in as a separate login role that is a member of
  this one, e.g.::

      CREATE ROLE everychild_service LOGIN PASSWORD '…' IN ROLE everychild_app;

  Roles are cluster-wide, so the role is created only if absent and is left in place on
  downgrade while another database still uses it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "everychild_app"

_CREATE_FUNCTIONS = """
CREATE OR REPLACE FUNCTION everychild_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE FUNCTION everychild_audit_head_forward_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE'
        OR NEW.chain <> OLD.chain
        OR NEW.last_pos < OLD.last_pos
        OR (NEW.last_pos = OLD.last_pos AND NEW.last_hash <> OLD.last_hash) THEN
        RAISE EXCEPTION 'audit chain heads only move forward: % on % refused',
            TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""

_TRIGGERS = (
    (
        "audit_entries_append_only",
        "audit_entries",
        "UPDATE OR DELETE",
        "ROW",
        "everychild_audit_append_only",
    ),
    (
        "audit_entries_no_truncate",
        "audit_entries",
        "TRUNCATE",
        "STATEMENT",
        "everychild_audit_append_only",
    ),
    (
        "audit_chain_heads_forward_only",
        "audit_chain_heads",
        "UPDATE OR DELETE",
        "ROW",
        "everychild_audit_head_forward_only",
    ),
    (
        "audit_chain_heads_no_truncate",
        "audit_chain_heads",
        "TRUNCATE",
        "STATEMENT",
        "everychild_audit_head_forward_only",
    ),
)

# A concurrent migration of another database in the same cluster may create the role
# between the check and the CREATE; that is not an error.
_CREATE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
"""


def _grants(schema: str) -> list[str]:
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}",
        # Tables that later migrations create are reachable too; the trail's own
        # restrictions below are table-specific and stay.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM {APP_ROLE}",
        f"REVOKE DELETE, TRUNCATE ON audit_chain_heads FROM {APP_ROLE}",
        # The schema version is the migrating role's business.
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {APP_ROLE}",
    ]


def _schema(bind: sa.Connection) -> str:
    name = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    return bind.dialect.identifier_preparer.quote_identifier(str(name))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(_CREATE_FUNCTIONS)
    # DROP + CREATE rather than CREATE OR REPLACE TRIGGER, which needs PostgreSQL 14.
    for name, table, events, level, function in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
            f"FOR EACH {level} EXECUTE FUNCTION {function}()"
        )
    op.execute(_CREATE_ROLE)
    for statement in _grants(_schema(bind)):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _schema(bind)
    for name, table, *_ in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS everychild_audit_append_only()")
    op.execute("DROP FUNCTION IF EXISTS everychild_audit_head_forward_only()")
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
    ).first()
    if exists is None:
        return
    for statement in (
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}",
        # Built from constants and a quoted schema name, not from input.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "  # noqa: S608
        f"REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {APP_ROLE}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {APP_ROLE}",
        f"REVOKE ALL ON SCHEMA {schema} FROM {APP_ROLE}",
    ):
        op.execute(statement)
    # Still granted in another database of the cluster: keep it for that one.
    op.execute(
        f"""
        DO $$
        BEGIN
            DROP ROLE {APP_ROLE};
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'role {APP_ROLE} is still used by another database; kept';
        END
        $$;
        """
    )
