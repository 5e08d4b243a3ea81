"""The caseload list's item models: children of the offline cache, as table rows.

:class:`CaseloadModel` is a ``QAbstractTableModel`` over a row cache of :class:`ChildRow`
— built from the cache's caseload rows (``CaseloadRow``) or from its search hits
(``SearchHit``), whichever the list is showing. :class:`CaseloadFilter` sorts it (by
family name, date of birth, …, not by the text shown) and filters it (pinned, changes
not yet sent, shielded).

A column the cache does not supply for the rows on show (the caseload rows carry no
postcode district yet, a search hit no lead professional) holds no data, and
:meth:`CaseloadModel.column_has_data` lets the view hide it rather than show an empty
column. Shielding is shown as a word, never by colour alone.
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


def _optional(row: object, name: str) -> Any:
    # The cache's caseload rows do not carry these columns yet (a request to the store
    # is open); when they do, the list shows them without any change here.
    return getattr(row, name, None)


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
        district = _optional(row, "postcode_district")
        lead = _optional(row, "lead_professional")
        indicators = _optional(row, "indicator_count")
        return cls(
            index_id=row.index_id,
            given_names=row.given_names,
            family_name=row.family_name,
            date_of_birth=row.date_of_birth,
            shielded=row.shielded,
            postcode_district=district if isinstance(district, str) else None,
            lead_professional=lead if isinstance(lead, str) else None,
            indicators=indicators if isinstance(indicators, int) else None,
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


class CaseloadModel(QAbstractTableModel):
    """Children as table rows; replaced whole by :meth:`set_rows`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ChildRow] = []

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
            return _tr(_HEADERS[Column(section)])
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
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
            return None if row.indicators is None else str(row.indicators)
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

    def set_rows(self, rows: Sequence[ChildRow]) -> None:
        """Show these rows instead of the current ones."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> ChildRow:
        """The child on row ``row``."""
        return self._rows[row]

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
    """Sorts the caseload by real values and filters it by what the user picked."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show = Show.ALL
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

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
        row = model.data(model.index(source_row, 0, source_parent), ROW_ROLE)
        if not isinstance(row, ChildRow):
            return False
        if self._show == Show.PINNED:
            return row.pinned
        if self._show == Show.PENDING:
            return row.pending_changes > 0
        return row.shielded
