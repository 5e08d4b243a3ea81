"""The caseload list's item models: children of the offline cache, as table rows.

:class:`CaseloadModel` is a ``QAbstractTableModel`` over a row cache of :class:`ChildRow`
— built from the cache's caseload rows (``CaseloadRow``) or from its search hits
(``SearchHit``), whichever the list is showing. The model sorts its own rows — by family
name, date of birth, …, not by the text shown — in Python, one key per row: a proxy
sorting 5,000 children would ask for some 95,000 sort keys through ``data()`` on the
GUI thread, holding the window for about 400 ms (bench/bench_gui.py).
:class:`CaseloadFilter` forwards sorting to it and only filters (pinned, changes not
yet sent, shielded).

A caseload row carries the child's postcode district, lead professional and number of
indicators (kept by the cache as the user sees the record, local changes included); a
search hit carries the district but neither of the others. A column the rows on show do
not supply holds no data, and :meth:`CaseloadModel.column_has_data` lets the view hide
it rather than show an empty column. Shielding is shown as a word, never by colour
alone; so are indicators and changes waiting to be sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from app.store.models import CaseloadRow, SearchHit

ModelIndex = QModelIndex | QPersistentModelIndex

#: Sort keys, so dates sort as dates and names by family name first.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The row's index id.
INDEX_ID_ROLE = Qt.ItemDataRole.UserRole + 2
#: The whole :class:`ChildRow`.
ROW_ROLE = Qt.ItemDataRole.UserRole + 3


def _tr(text: str) -> str:
    return QCoreApplication.translate("CaseloadModel", text)


def format_date(value: date, pattern: str = "d MMM yyyy") -> str:
    """A date as the user's locale writes it (month names translated)."""
    return QLocale().toString(QDate(value.year, value.month, value.day), pattern)


def changes_not_sent(count: int) -> str:
    """ "No changes" / "1 change" / "3 changes" not yet sent to the index."""
    if count == 0:
        return _tr("No changes waiting to be sent")
    if count == 1:
        return _tr("1 change waiting to be sent")
    return _tr("{count} changes waiting to be sent").format(count=count)


def indicators_text(count: int) -> str:
    """ "No indicators" / "1 indicator" / "3 indicators", for screen readers."""
    if count == 0:
        return _tr("No indicators")
    if count == 1:
        return _tr("1 indicator")
    return _tr("{count} indicators").format(count=count)


@dataclass(frozen=True)
class ChildRow:
    """One child in the list, whichever part of the cache it came from."""

    index_id: str
    given_names: str
    family_name: str
    date_of_birth: date
    shielded: bool
    postcode_district: str | None = None
    lead_professional: str | None = None
    indicators: int | None = None
    pinned: bool = False
    pending_changes: int = 0

    @classmethod
    def from_caseload(cls, row: CaseloadRow) -> ChildRow:
        """A row of the cached caseload."""
        return cls(
            index_id=row.index_id,
            given_names=row.given_names,
            family_name=row.family_name,
            date_of_birth=row.date_of_birth,
            shielded=row.shielded,
            postcode_district=row.postcode_district,
            lead_professional=row.lead_professional,
            indicators=row.indicator_count,
            pinned=row.pinned,
            pending_changes=row.pending_changes,
        )

    @classmethod
    def from_hit(cls, hit: SearchHit) -> ChildRow:
        """A search hit from the cache."""
        return cls(
            index_id=hit.index_id,
            given_names=hit.given_names,
            family_name=hit.family_name,
            date_of_birth=hit.date_of_birth,
            shielded=hit.shielded,
            postcode_district=hit.postcode_district,
        )

    @property
    def list_name(self) -> str:
        """Family name first, as the list sorts."""
        return f"{self.family_name}, {self.given_names}"

    @property
    def display_name(self) -> str:
        """Given names then family name, as practitioners say them."""
        return f"{self.given_names} {self.family_name}"


class Column(IntEnum):
    """The list's columns, in order."""

    NAME = 0
    DATE_OF_BIRTH = 1
    DISTRICT = 2
    LEAD = 3
    INDICATORS = 4
    SHIELDED = 5
    PENDING = 6


_HEADERS = {
    Column.NAME: "Name",
    Column.DATE_OF_BIRTH: "Date of birth",
    Column.DISTRICT: "Postcode district",
    Column.LEAD: "Lead professional",
    Column.INDICATORS: "Indicators",
    Column.SHIELDED: "Shielded",
    Column.PENDING: "Not yet sent",
}


#: The columns by position (indexing a tuple is far cheaper than ``Column(n)``, and the
#: view asks for every cell it paints).
_COLUMNS = tuple(Column)


class CaseloadModel(QAbstractTableModel):
    """Children as table rows; replaced whole by :meth:`set_rows`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ChildRow] = []
        self._positions: dict[str, int] = {}
        self._headers = tuple(_tr(_HEADERS[column]) for column in _COLUMNS)
        self._sort_column = Column.NAME
        self._sort_order = Qt.SortOrder.AscendingOrder

    # -- what the view asks -------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(Column)

    def headerData(  # noqa: N802 - Qt's name
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = _COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._accessible(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == INDEX_ID_ROLE:
            return row.index_id
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.SHIELDED and row.shielded:
            return _tr("Shielded record: only name, date of birth and parents' names are shown.")
        return None

    @staticmethod
    def _display(row: ChildRow, column: Column) -> str | None:
        if column == Column.NAME:
            return row.list_name
        if column == Column.DATE_OF_BIRTH:
            return format_date(row.date_of_birth)
        if column == Column.DISTRICT:
            return row.postcode_district
        if column == Column.LEAD:
            return row.lead_professional
        if column == Column.INDICATORS:
            return (
                None if row.indicators is None else (str(row.indicators) if row.indicators else "")
            )
        if column == Column.SHIELDED:
            return _tr("Shielded") if row.shielded else ""
        return str(row.pending_changes) if row.pending_changes else ""

    @staticmethod
    def _accessible(row: ChildRow, column: Column) -> str | None:
        if column == Column.SHIELDED:
            return _tr("Shielded") if row.shielded else _tr("Not shielded")
        if column == Column.DATE_OF_BIRTH:
            return format_date(row.date_of_birth, "d MMMM yyyy")
        if column == Column.PENDING:
            return changes_not_sent(row.pending_changes)
        if column == Column.INDICATORS and row.indicators is not None:
            return indicators_text(row.indicators)
        if column == Column.LEAD and row.lead_professional is None:
            return _tr("No lead professional recorded")
        return CaseloadModel._display(row, column)

    @staticmethod
    def _sort_key(row: ChildRow, column: Column) -> Any:
        if column == Column.NAME:
            return f"{row.family_name.casefold()}\x00{row.given_names.casefold()}"
        if column == Column.DATE_OF_BIRTH:
            return row.date_of_birth.isoformat()
        if column == Column.DISTRICT:
            return row.postcode_district or ""
        if column == Column.LEAD:
            return (row.lead_professional or "").casefold()
        if column == Column.INDICATORS:
            return row.indicators or 0
        if column == Column.SHIELDED:
            return int(row.shielded)
        return row.pending_changes

    # -- what the window does -----------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by ``column``'s values (a stable sort: ties keep their order)."""
        if not 0 <= column < len(Column):
            return
        self._sort_column, self._sort_order = Column(column), order
        self.layoutAboutToBeChanged.emit()
        before = self._rows
        self._rows = self._sorted(before)
        self._positions = {}
        position = {id(row): number for number, row in enumerate(self._rows)}
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent,
            [self.index(position[id(before[i.row()])], i.column()) for i in persistent],
        )
        self.layoutChanged.emit()

    def _sorted(self, rows: list[ChildRow]) -> list[ChildRow]:
        column = self._sort_column
        return sorted(
            rows,
            key=lambda row: self._sort_key(row, column),
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )

    def set_rows(self, rows: Sequence[ChildRow]) -> None:
        """Show these rows instead of the current ones, in the current sort order."""
        self.beginResetModel()
        self._rows = self._sorted(list(rows))
        self._positions = {}
        self.endResetModel()

    def row_at(self, row: int) -> ChildRow:
        """The child on row ``row``."""
        return self._rows[row]

    def row_of(self, index_id: str) -> int | None:
        """The row showing the child ``index_id``, or ``None`` if none does."""
        # Built on first use after a change of rows or order: a scan of 5,000 rows through
        # the proxy took 30 ms on the GUI thread, a look-up here takes microseconds.
        if not self._positions and self._rows:
            self._positions = {row.index_id: number for number, row in enumerate(self._rows)}
        return self._positions.get(index_id)

    def column_has_data(self, column: Column) -> bool:
        """True if any row on show has a value in ``column`` (name and date always do)."""
        if column in (Column.NAME, Column.DATE_OF_BIRTH, Column.SHIELDED):
            return True
        if column == Column.DISTRICT:
            return any(r.postcode_district for r in self._rows)
        if column == Column.LEAD:
            return any(r.lead_professional for r in self._rows)
        if column == Column.INDICATORS:
            return any(r.indicators is not None for r in self._rows)
        return any(r.pending_changes for r in self._rows)


class Show(IntEnum):
    """Which children the list shows."""

    ALL = 0
    PINNED = 1
    PENDING = 2
    SHIELDED = 3


class CaseloadFilter(QSortFilterProxyModel):
    """Filters the caseload by what the user picked; the caseload model sorts itself."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show = Show.ALL

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the source rows (see the module docstring); the filter keeps their order."""
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    @property
    def show(self) -> Show:
        """Which children pass."""
        return self._show

    def set_show(self, show: Show) -> None:
        """Show only pinned children, those with unsent changes, shielded ones, or all."""
        if show == self._show:
            return
        self.beginFilterChange()
        self._show = show
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:  # noqa: N802 - Qt's name
        if self._show == Show.ALL:
            return True
        model = self.sourceModel()
        if isinstance(model, CaseloadModel):
            row = model.row_at(source_row)
        else:
            found = model.data(model.index(source_row, 0, source_parent), ROW_ROLE)
            if not isinstance(found, ChildRow):
                return False
            row = found
        if self._show == Show.PINNED:
            return row.pinned
        if self._show == Show.PENDING:
            return row.pending_changes > 0
        return row.shielded
