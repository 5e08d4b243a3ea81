"""``python -m server retention``: counts only, ``--dry-run`` changes nothing.

The command uses today's real date, so the records here are built relative to it.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI

from app.domain.audit import AuditAction
from app.domain.roles import Role
from server.children.models import ChildRow
from server.cli import main
from server.db import utcnow
from tests.integration.server import builders
from tests.integration.server.conftest import Users


def test_dry_run_counts_and_the_real_run_destroys(
    database_url: str,
    server_app: FastAPI,
    users: Users,
    capsys: pytest.CaptureFixture[str],
) -> None:
    today = utcnow().date()
    worker = users.create("sw-retention", Role.ESSENTIAL, service_code="childrens_social_care")
    adult = builders.child(
        given_names="Oisín",
        family_name="Nguyễn",
        date_of_birth=date(today.year - 20, 1, 1),
        involvements=(builders.involvement(worker, service_code="childrens_social_care"),),
    )
    young = builders.child(date_of_birth=date(today.year - 10, 6, 1))
    builders.store(server_app, adult, young)

    assert main(["retention", "--dry-run", "--database-url", database_url]) == 0
    dry = capsys.readouterr().out
    assert dry.startswith("1 record would be destroyed (children aged 19 or over on ")
    assert "nothing was changed" in dry
    assert builders.count_rows(server_app, ChildRow) == 2
    assert builders.audit_rows(server_app, AuditAction.RETENTION_DESTROY.value) == []

    assert main(["retention", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 record destroyed (children aged 19 or over on ")
    assert "Oisín" not in out
    assert "Nguyễn" not in out
    assert builders.count_rows(server_app, ChildRow) == 1
    assert builders.stored(server_app, young.index_id).index_id == young.index_id
    destroyed = builders.audit_rows(server_app, AuditAction.RETENTION_DESTROY.value)
    assert [row.child_id for row in destroyed] == [adult.index_id]

    assert main(["retention", "--database-url", database_url]) == 0
    assert capsys.readouterr().out.startswith("0 records destroyed")
