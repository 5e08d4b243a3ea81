"""The item models: pytest-qt's model tester, sorting by real values, filtering."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from app.domain.roles import Role
from app.store.models import CaseloadRow, MatchKind, SearchHit
from app.store.profiles import Profile
from app.ui.caseload_model import (
    INDEX_ID_ROLE,
    CaseloadFilter,
    CaseloadModel,
    ChildRow,
    Column,
    Show,
)
from app.ui.profile_list import PROFILE_ROLE, ProfileListModel
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
                )
            )
        )
    return rows


def test_the_caseload_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = CaseloadModel()
    model.set_rows(_caseload_rows())
    check(qtmodeltester)(model, force_py=True)
    model.set_rows([])
    check(qtmodeltester)(model, force_py=True)


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
    assert names == [
        "Hartwell, Amelia",
        "Marshwood, Leonard",
        "Stonebridge, Ruby",
        "Smith, Johnathan",
        "Smyth, Janette",
    ]
    shielded = [model.index(r, Column.SHIELDED).data() for r in range(model.rowCount())]
    assert shielded == ["", "", "Shielded", "", ""]
    ruby = model.index(2, Column.SHIELDED)
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
