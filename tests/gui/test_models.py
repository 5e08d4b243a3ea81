"""The item models: pytest-qt's model tester, sorting by real values, filtering."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import cast

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from app.domain.audit import AuditAction
from app.domain.changes import EndInvolvement, Mutation, Pin
from app.domain.policy import SearchResult
from app.domain.roles import Role
from app.store.models import (
    CaseloadRow,
    Conflict,
    MatchKind,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    SearchHit,
)
from app.store.profiles import Profile
from app.ui.access_log_dialog import access_columns
from app.ui.caseload_model import (
    INDEX_ID_ROLE,
    CaseloadFilter,
    CaseloadModel,
    ChildRow,
    Column,
    Show,
)
from app.ui.conflicts_dialog import conflict_columns
from app.ui.online_search import result_columns
from app.ui.profile_list import PROFILE_ROLE, ProfileListModel
from app.ui.rejected_dialog import rejected_columns
from app.ui.session import AccessLine, ConflictLine, RejectedLine
from app.ui.table_model import SORT_ROLE, RowTable
from tests.gui import synthetic


def check(tester: ModelTester) -> Callable[..., None]:
    """pytest-qt's model check, typed (pytest-qt ships it without annotations)."""
    return cast(Callable[..., None], tester.check)


def _caseload_rows() -> list[ChildRow]:
    rows = []
    for position, record in enumerate(synthetic.caseload_for(synthetic.user(Role.PRACTITIONER))):
        rows.append(
            ChildRow.from_caseload(
                CaseloadRow(
                    index_id=record.index_id,
                    given_names=record.given_names,
                    family_name=record.family_name,
                    date_of_birth=record.date_of_birth,
                    shielded=record.shielded,
                    pinned=position == 0,
                    pending_changes=2 if position == 1 else 0,
                    version=1,
                    postcode_district=None
                    if record.address is None
                    else record.address.postcode[:3],
                    lead_professional="Sam Okafor" if position == 0 else None,
                    indicator_count=1 if position == 0 else 0,
                )
            )
        )
    return rows


def test_the_caseload_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = CaseloadModel()
    model.set_rows(_caseload_rows())
    check(qtmodeltester)(model, force_py=True)
    # The tester stays connected: it checks the sort (rows moving under persistent
    # indexes) and the reset that follow as they happen.
    model.sort(Column.DATE_OF_BIRTH, Qt.SortOrder.DescendingOrder)
    assert model.row_at(0).given_names == "Amelia"
    model.set_rows([])


def test_the_caseload_filter_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = CaseloadModel()
    model.set_rows(_caseload_rows())
    proxy = CaseloadFilter()
    proxy.setSourceModel(model)
    proxy.sort(Column.DATE_OF_BIRTH, Qt.SortOrder.DescendingOrder)
    proxy.set_show(Show.SHIELDED)
    check(qtmodeltester)(proxy, force_py=True)


def test_the_profile_list_passes_the_model_tester(
    qtmodeltester: ModelTester, make_profile: Callable[..., Profile]
) -> None:
    model = ProfileListModel()
    model.set_profiles([make_profile("reception.one"), make_profile("reception.two")])
    check(qtmodeltester)(model, force_py=True)
    assert model.data(model.index(0), Qt.ItemDataRole.DisplayRole) == "reception.one — 127.0.0.1:9"
    assert isinstance(model.data(model.index(1), PROFILE_ROLE), Profile)


def test_rows_show_names_family_first_and_shielding_in_words() -> None:
    model = CaseloadModel()
    model.set_rows(_caseload_rows())
    names = [model.index(r, Column.NAME).data() for r in range(model.rowCount())]
    # The model keeps its rows sorted by family name, whatever order they came in.
    assert names == [
        "Hartwell, Amelia",
        "Marshwood, Leonard",
        "Smith, Johnathan",
        "Smyth, Janette",
        "Stonebridge, Ruby",
    ]
    shielded = [model.index(r, Column.SHIELDED).data() for r in range(model.rowCount())]
    assert shielded == ["", "", "", "", "Shielded"]
    ruby = model.index(4, Column.SHIELDED)
    assert ruby.data(Qt.ItemDataRole.AccessibleTextRole) == "Shielded"
    assert model.index(1, Column.PENDING).data() == "2"
    assert model.index(0, Column.NAME).data(INDEX_ID_ROLE) == synthetic.AMELIA.index_id


def test_sorting_is_by_value_not_by_the_text_shown() -> None:
    model = CaseloadModel()
    model.set_rows(_caseload_rows())
    proxy = CaseloadFilter()
    proxy.setSourceModel(model)
    proxy.sort(Column.DATE_OF_BIRTH, Qt.SortOrder.AscendingOrder)
    born = [proxy.index(r, Column.DATE_OF_BIRTH).data() for r in range(proxy.rowCount())]
    # "14 Mar 2015" would sort before "2 Jan 2014" as text.
    assert born == ["20 Nov 2010", "2 Jul 2012", "6 May 2013", "2 Jan 2014", "14 Mar 2015"]
    proxy.sort(Column.NAME, Qt.SortOrder.AscendingOrder)
    first = [proxy.index(r, Column.NAME).data() for r in range(proxy.rowCount())]
    assert first[0] == "Hartwell, Amelia"
    assert first[-1] == "Stonebridge, Ruby"


def test_a_child_is_found_on_its_row_after_every_sort_and_refresh() -> None:
    model = CaseloadModel()
    rows = _caseload_rows()
    model.set_rows(rows)
    for column, order in (
        (Column.DATE_OF_BIRTH, Qt.SortOrder.DescendingOrder),
        (Column.NAME, Qt.SortOrder.AscendingOrder),
    ):
        model.sort(column, order)
        for row in rows:
            found = model.row_of(row.index_id)
            assert found is not None
            assert model.index(found, 0).data(INDEX_ID_ROLE) == row.index_id
    model.set_rows(rows[1:])
    assert model.row_of(rows[0].index_id) is None
    assert model.row_of(rows[1].index_id) is not None


def test_the_filter_shows_pinned_pending_or_shielded_children() -> None:
    model = CaseloadModel()
    model.set_rows(_caseload_rows())
    proxy = CaseloadFilter()
    proxy.setSourceModel(model)

    def shown() -> list[str]:
        return [proxy.index(r, Column.NAME).data() for r in range(proxy.rowCount())]

    proxy.set_show(Show.PINNED)
    assert shown() == ["Hartwell, Amelia"]
    proxy.set_show(Show.PENDING)
    assert shown() == ["Marshwood, Leonard"]
    proxy.set_show(Show.SHIELDED)
    assert shown() == ["Stonebridge, Ruby"]
    proxy.set_show(Show.ALL)
    assert len(shown()) == 5


def test_columns_without_data_are_reported_empty() -> None:
    model = CaseloadModel()
    hit = SearchHit(
        index_id=synthetic.AMELIA.index_id,
        given_names="Amelia",
        family_name="Hartwell",
        date_of_birth=date(2015, 3, 14),
        postcode_district="BN1",
        shielded=False,
        match=MatchKind.EXACT,
    )
    model.set_rows([ChildRow.from_hit(hit)])
    assert model.column_has_data(Column.DISTRICT)
    assert not model.column_has_data(Column.LEAD)
    assert not model.column_has_data(Column.PENDING)
    model.set_rows(_caseload_rows())
    assert model.column_has_data(Column.PENDING)


NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def _conflict_lines() -> list[ConflictLine]:
    mutation = Mutation(
        id="mutation-end-1",
        child_id=synthetic.LEO.index_id,
        created_at=NOW,
        payload=EndInvolvement(involvement_id="involvement-3", end_date=NOW.date(), base_version=1),
    )
    return [
        ConflictLine(
            conflict=Conflict(
                mutation_id=mutation.id,
                child_id=mutation.child_id,
                mutation=mutation,
                current=None,
                created_at=NOW,
            ),
            child_name="Leonard Marshwood",
        )
    ]


def _rejected_lines() -> list[RejectedLine]:
    mutation = Mutation(
        id="mutation-pin-1",
        child_id=synthetic.JOHN.index_id,
        created_at=NOW,
        payload=Pin(reason_code="service_provision"),
    )
    return [
        RejectedLine(
            item=OutboxItem(
                item_id=mutation.id,
                kind=OutboxKind.MUTATION,
                mutation=mutation,
                created_at=NOW,
                attempts=1,
                status=OutboxStatus.REJECTED,
                rejected_code="forbidden",
                rejected_message="Your role does not allow you to open children's records.",
            ),
            child_name="Johnathan Smith",
        )
    ]


def _access_lines() -> list[AccessLine]:
    return [
        AccessLine(
            at=NOW,
            action=AuditAction.OPEN,
            child_id=synthetic.AMELIA.index_id,
            child_name="Amelia Hartwell",
            reason_code="mediated_request",
            reason_text=None,
            on_behalf_of="sam.okafor",
            sent=True,
        ),
        AccessLine(
            at=NOW,
            action=AuditAction.SET_INDICATOR,
            child_id=synthetic.JOHN.index_id,
            child_name=None,
            reason_code=None,
            reason_text=None,
            on_behalf_of=None,
            sent=False,
        ),
    ]


def _results() -> list[SearchResult]:
    return [
        SearchResult(
            index_id=synthetic.AMELIA.index_id,
            given_names="Amelia",
            family_name="Hartwell",
            date_of_birth=date(2015, 3, 14),
            town="Brighton",
            postcode_district="BN1",
        ),
        SearchResult(
            index_id=synthetic.RUBY.index_id,
            given_names="Ruby",
            family_name="Stonebridge",
            date_of_birth=date(2010, 11, 20),
            shielded=True,
        ),
    ]


def test_the_list_models_pass_the_model_tester(qtmodeltester: ModelTester) -> None:
    for columns, rows in (
        (conflict_columns(), _conflict_lines()),
        (rejected_columns(), _rejected_lines()),
        (access_columns(), _access_lines()),
        (result_columns(), _results()),
    ):
        model = RowTable(columns)
        model.set_rows(rows)
        check(qtmodeltester)(model, force_py=True)
        model.set_rows([])
        check(qtmodeltester)(model, force_py=True)


def test_the_list_models_say_what_happened_in_words() -> None:
    conflicts = RowTable(conflict_columns())
    conflicts.set_rows(_conflict_lines())
    assert conflicts.texts(1) == ["End your involvement on 21 Nov 2026"]
    assert conflicts.texts(3) == ["You can no longer see this record on the index."]
    refused = RowTable(rejected_columns())
    refused.set_rows(_rejected_lines())
    assert refused.texts(1) == ["Pin the record"]
    log = RowTable(access_columns())
    log.set_rows(_access_lines())
    # A child no longer in the copy here is named by index id.
    assert log.texts(1) == ["Amelia Hartwell", synthetic.JOHN.index_id]
    assert log.texts(3) == ["Asked by another practitioner (asked by sam.okafor)", ""]
    assert log.texts(4) == ["Yes", "Not yet"]
    results = RowTable(result_columns())
    results.set_rows(_results())
    assert results.texts(5) == ["", "Shielded"]
    shielded = results.index(1, 5)
    assert shielded.data(Qt.ItemDataRole.AccessibleTextRole) == "Shielded"
    assert results.index(0, 1).data(SORT_ROLE) == "2015-03-14"
    assert results.headerData(0, Qt.Orientation.Horizontal) == "Name"


def test_caseload_rows_carry_the_list_columns_typed() -> None:
    row = ChildRow.from_caseload(
        CaseloadRow(
            index_id=synthetic.AMELIA.index_id,
            given_names="Amelia",
            family_name="Hartwell",
            date_of_birth=date(2015, 3, 14),
            shielded=False,
            pinned=False,
            pending_changes=0,
            version=3,
            postcode_district="BN1",
            lead_professional="Sam Okafor",
            indicator_count=2,
        )
    )
    model = CaseloadModel()
    model.set_rows([row])
    assert [
        model.index(0, c).data() for c in (Column.DISTRICT, Column.LEAD, Column.INDICATORS)
    ] == [
        "BN1",
        "Sam Okafor",
        "2",
    ]
    assert model.index(0, Column.INDICATORS).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "2 indicators"
    )
    assert model.column_has_data(Column.LEAD)
    assert model.column_has_data(Column.INDICATORS)
