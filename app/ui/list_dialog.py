"""A dialog that lists rows read from the cache, with an explanation and row actions.

The conflicts, the changes the index refused and the access log are each a short list
the user reads and acts on. :class:`ListDialog` reads its rows on the cache worker
(:meth:`ListDialog.reload`; never on the GUI thread), shows them in a table over a
:class:`~app.ui.table_model.RowTable`, says so in words when there are none, and shows
a refusal from an action inline. It is not modal: the user can keep the record it is
about open beside it. Escape closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.ui.banners import Banner, Tone
from app.ui.change_dialog import heading_label, paragraph
from app.ui.errors import message_for, report
from app.ui.table_model import Column, RowTable
from app.ui.tasks import CacheWorker


class ListDialog(QDialog):
    """Rows from the cache, with buttons that act on the selected one."""

    #: The rows on show were read again (their number).
    rows_loaded = Signal(int)

    def __init__(
        self,
        worker: CacheWorker,
        load: Callable[[], Sequence[Any]],
        columns: Sequence[Column],
        *,
        name: str,
        title: str,
        explanation: str,
        empty_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._load = load
        self._empty_text = empty_text
        #: How many times the rows have been read (for screen readers' sake and tests).
        self.loads = 0
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.model = RowTable(columns, self)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(title))
        layout.addWidget(paragraph(explanation, f"{name}Explanation"))
        self.table = QTableView()
        self.table.setObjectName(f"{name}Table")
        self.table.setAccessibleName(title)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        # Rows grow to their wrapped text: a reason cut off mid-sentence is no reason.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName(f"{name}Count")
        self.count_label.setWordWrap(True)
        layout.addWidget(self.count_label)
        self.details = QVBoxLayout()
        layout.addLayout(self.details)
        self.problem = Banner("", Tone.WARNING, name=f"{name}Problem")
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox()
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setObjectName("closeButton")
        self.close_button.setAccessibleName(self.tr("Close"))
        self.close_button.setAutoDefault(False)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 132, metrics.height() * 28)

    # -- for subclasses --------------------------------------------------------------------

    def action_button(self, text: str, name: str, accessible: str) -> QPushButton:
        """A button that acts on the selected row; enabled only while one is selected."""
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setAutoDefault(False)
        button.setEnabled(False)
        self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        return button

    def row_changed(self, item: Any | None) -> None:
        """The selected row changed (``None``: nothing selected)."""

    # -- rows ------------------------------------------------------------------------------

    def selected(self) -> Any | None:
        """The object on the selected row, if any."""
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def reload(self) -> None:
        """Read the rows again on the cache worker."""
        (
            self._worker.task(self._load, owner=self)
            .success(self._loaded)
            .failure(self._failed)
            .start()
        )

    def _loaded(self, rows: Sequence[Any]) -> None:
        self.loads += 1
        self.model.set_rows(rows)
        self.count_label.setText(self._empty_text if not rows else "")
        self.count_label.setVisible(not rows)
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.row_changed(None)
        self.rows_loaded.emit(len(rows))

    def _current_changed(self) -> None:
        self.row_changed(self.selected())

    # -- acting -----------------------------------------------------------------------------

    def run(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``job`` on the worker; on success call ``done`` and read the rows again."""
        self.problem.setVisible(False)

        def succeeded(result: Any) -> None:
            done(result)
            self.reload()

        self._worker.task(job, owner=self).success(succeeded).failure(self._failed).start()

    def _failed(self, error: Exception) -> None:
        if isinstance(error, DomainError):
            self.problem.set_text(message_for(error))
            self.problem.setVisible(True)
            return
        report(error, parent=self)

    @property
    def problem_text(self) -> str:
        """The refusal on show, or ""."""
        return "" if self.problem.isHidden() else self.problem.text
