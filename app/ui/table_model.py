"""A read-only table model over a row cache of plain objects, one column per :class:`Column`.

The lists that are not the caseload — conflicts, changes the index refused, the access
log, results of a search of the whole index — are each a handful of columns over a list
of domain objects. :class:`RowTable` holds the list (replaced whole by
:meth:`RowTable.set_rows`, as the caseload model does) and asks each column for the text
to show, the text a screen reader reads, a tooltip and a sort key. Every model built on
it is checked with pytest-qt's model tester.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

ModelIndex = QModelIndex | QPersistentModelIndex

#: The row's object.
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
#: A key to sort by (dates as dates, not as the text shown).
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column:
    """One column: its header (translated) and how to show a row's object in it."""

    header: str
    display: Callable[[Any], str]
    accessible: Callable[[Any], str] | None = None
    tooltip: Callable[[Any], str] | None = None
    sort_key: Callable[[Any], Any] | None = None


class RowTable(QAbstractTableModel):
    """Rows of objects, shown through :class:`Column`\\ s."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[Any] = []

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def headerData(  # noqa: N802 - Qt's name
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].header
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        item = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (column.accessible or column.display)(item)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(item)
        if role == SORT_ROLE:
            return (column.sort_key or column.display)(item)
        if role == ITEM_ROLE:
            return item
        return None

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Show these rows instead of the current ones."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def item(self, row: int) -> Any:
        """The object on row ``row``."""
        return self._rows[row]

    def texts(self, column: int) -> list[str]:
        """Every row's text in ``column`` (for tests and screen readers)."""
        return [self._columns[column].display(item) for item in self._rows]
