"""The main window: the user's caseload, search as you type, opened records, sync state.

PRODUCT.md §3 and §6. The caseload tab lists the children in the offline cache
(:mod:`app.ui.caseload_model`); typing in the search box (Ctrl+F) searches the cache as
you type — the query runs on the cache worker, and while one runs only the latest text
typed waits behind it, so typing never queues a backlog. Opening a child (Enter or a
double click) always asks for a reason first (:mod:`app.ui.reason_dialog`); the record
then opens in a tab of its own (:mod:`app.ui.record_view`), from the index when signed
in, from the cache otherwise.

The status bar shows online or offline, items waiting to be sent and the last sync
(:mod:`app.ui.sync_status`). A signed-in window syncs every few minutes by itself; F5 or
Ctrl+R syncs now; Ctrl+L locks; Ctrl+W closes the record tab on show. The window never
talks to the cache itself: every read and write is a task on the worker, and the window
refreshes the list only when a sync reports that records changed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.reasons import AccessReason
from app.store.models import CaseloadRow, SearchHit
from app.sync.engine import SyncReport, SyncStatus
from app.sync.errors import REVOCATION_CODES
from app.ui import session as ops
from app.ui.banners import demo_banner
from app.ui.caseload_model import (
    CaseloadFilter,
    CaseloadModel,
    ChildRow,
    Column,
    Show,
    format_date,
)
from app.ui.errors import message_for, report
from app.ui.reason_dialog import ReasonDialog
from app.ui.record_view import RecordView
from app.ui.session import OpenedRecord, Session, UiContext
from app.ui.sync_status import StatusRelay, SyncStatusBar
from app.ui.tasks import CacheWorker

log = logging.getLogger(__name__)

#: How often a signed-in window syncs by itself (PRODUCT.md §6: sync runs in the background).
AUTO_SYNC_MINUTES = 5
#: Sync failures after which this session cannot go on (the cache has been destroyed).
SESSION_ENDING_CODES = REVOCATION_CODES | {"cache_wiped"}


class MainWindow(QMainWindow):
    """The caseload, the search box, open records and the sync state of one session."""

    #: The user asked to lock (Ctrl+L).
    lock_requested = Signal()
    #: The session cannot go on (revoked, wiped); carries the message to show at sign-in.
    session_ended = Signal(str)
    #: The window was closed.
    closed = Signal()
    #: The list shows a fresh set of rows (their number).
    rows_shown = Signal(int)
    #: A record was opened and is on show (the :class:`RecordView`).
    record_opened = Signal(object)
    #: A sync finished (the :class:`SyncReport`), or failed (the error).
    sync_finished = Signal(object)

    def __init__(
        self,
        worker: CacheWorker,
        context: UiContext,
        session: Session,
        relay: StatusRelay,
        *,
        online: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._context = context
        self.session = session
        self._online = online
        self._search_running: str | None = None
        self._search_wanted = ""
        self._syncing = False
        self.reason_dialog: ReasonDialog | None = None
        self.setObjectName("mainWindow")
        title = self.tr("Everychild — {user}").format(user=session.display_name)
        if context.demo:
            title = self.tr("DEMO — ") + title
        self.setWindowTitle(title)
        self.setAccessibleName(self.tr("Everychild main window"))

        self.model = CaseloadModel(self)
        self.proxy = CaseloadFilter(self)
        self.proxy.setSourceModel(self.model)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setAccessibleName(self.tr("Caseload and open records"))
        self.tabs.tabBar().setAccessibleName(self.tr("Caseload and open records"))
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.addTab(self._caseload_page(), self.tr("Caseload"))
        # The caseload tab is the window's home: it cannot be closed.
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)

        central = QWidget()
        layout = QVBoxLayout(central)
        if context.demo:
            layout.addWidget(demo_banner())
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)

        self.status_bar = SyncStatusBar()
        self.setStatusBar(self.status_bar)
        self.status_bar.show_user(session.display_name, online=online)
        self.status_bar.show_status(session.engine.status())
        relay.status.connect(self.status_bar.show_status)

        self._actions()
        self.auto_sync = QTimer(self)
        self.auto_sync.setInterval(AUTO_SYNC_MINUTES * 60_000)
        self.auto_sync.timeout.connect(self.sync_now)
        self.resize(self.fontMetrics().averageCharWidth() * 130, self.fontMetrics().height() * 40)
        self.search_box.setFocus()

    # -- building -----------------------------------------------------------------------------

    def _caseload_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("caseloadPage")
        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setPlaceholderText(
            self.tr("Search your caseload: name, date of birth, postcode (Ctrl+F)")
        )
        self.search_box.setAccessibleName(self.tr("Search your caseload"))
        self.search_box.textChanged.connect(self.search)
        self.search_box.returnPressed.connect(self._focus_results)
        search_label = QLabel(self.tr("&Search:"))
        search_label.setBuddy(self.search_box)

        self.show_filter = QComboBox()
        self.show_filter.setObjectName("showFilter")
        self.show_filter.setAccessibleName(self.tr("Which children to show"))
        for show, text in (
            (Show.ALL, self.tr("All children")),
            (Show.PINNED, self.tr("Pinned")),
            (Show.PENDING, self.tr("With changes not yet sent")),
            (Show.SHIELDED, self.tr("Shielded")),
        ):
            self.show_filter.addItem(text, show)
        self.show_filter.currentIndexChanged.connect(self._filter_changed)
        show_label = QLabel(self.tr("S&how:"))
        show_label.setBuddy(self.show_filter)

        self.table = QTableView()
        self.table.setObjectName("caseloadTable")
        self.table.setAccessibleName(self.tr("Children"))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.activated.connect(self._row_activated)

        self.count_label = QLabel()
        self.count_label.setObjectName("resultCount")

        bar = QHBoxLayout()
        bar.addWidget(search_label)
        bar.addWidget(self.search_box, 1)
        bar.addWidget(show_label)
        bar.addWidget(self.show_filter)
        layout = QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        QWidget.setTabOrder(self.search_box, self.show_filter)
        QWidget.setTabOrder(self.show_filter, self.table)
        return page

    def _actions(self) -> None:
        menu = self.menuBar()
        menu.setAccessibleName(self.tr("Menu bar"))
        everychild = menu.addMenu(self.tr("&Everychild"))
        self.sync_action = QAction(self.tr("&Sync now"), self)
        self.sync_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_F5), QKeySequence(self.tr("Ctrl+R"))]
        )
        self.sync_action.triggered.connect(self.sync_now)
        self.lock_action = QAction(self.tr("&Lock"), self)
        self.lock_action.setShortcut(QKeySequence(self.tr("Ctrl+L")))
        self.lock_action.triggered.connect(self._request_lock)
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.quit_action.triggered.connect(self.close)
        everychild.addActions([self.sync_action, self.lock_action])
        everychild.addSeparator()
        everychild.addAction(self.quit_action)

        records = menu.addMenu(self.tr("&Record"))
        self.find_action = QAction(self.tr("&Find in caseload"), self)
        self.find_action.setShortcuts(
            _with(QKeySequence.StandardKey.Find, QKeySequence(self.tr("Ctrl+F")))
        )
        self.find_action.triggered.connect(self.focus_search)
        self.open_action = QAction(self.tr("&Open selected record…"), self)
        self.open_action.triggered.connect(self.open_selected)
        self.close_tab_action = QAction(self.tr("&Close record"), self)
        self.close_tab_action.setShortcuts(
            _with(QKeySequence.StandardKey.Close, QKeySequence(self.tr("Ctrl+W")))
        )
        self.close_tab_action.triggered.connect(lambda: self.close_tab(self.tabs.currentIndex()))
        records.addActions([self.find_action, self.open_action, self.close_tab_action])
        for action in (self.sync_action, self.lock_action, self.find_action, self.close_tab_action):
            # Shortcuts work from any tab, including an open record.
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

    def _request_lock(self) -> None:
        self.lock_requested.emit()

    # -- start ------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the cached caseload, and sync if signed in."""
        self.search(self.search_box.text())
        if self._online:
            self.sync_now()
            # Only a signed-in session can sync; an offline unlock would only be refused.
            self.auto_sync.start()

    # -- the list -----------------------------------------------------------------------------

    def focus_search(self) -> None:
        """Go to the search box (Ctrl+F), on the caseload tab."""
        self.tabs.setCurrentIndex(0)
        self.search_box.setFocus()
        self.search_box.selectAll()

    def search(self, text: str) -> None:
        """Show the children matching ``text`` (the whole caseload when it is empty)."""
        self._search_wanted = text.strip()
        if self._search_running is None:
            self._run_search(self._search_wanted)

    def refresh(self) -> None:
        """Read the list again (after a sync changed records)."""
        self.search(self._search_wanted)

    def _run_search(self, text: str) -> None:
        self._search_running = text
        session = self.session
        if text:
            (
                self._worker.task(lambda: ops.search(session, text), owner=self)
                .success(lambda hits: self._search_done(text, hits))
                .failure(self._search_failed)
                .start()
            )
        else:
            (
                self._worker.task(lambda: ops.caseload(session), owner=self)
                .success(lambda rows: self._search_done(text, rows))
                .failure(self._search_failed)
                .start()
            )

    def _search_done(self, text: str, found: list[SearchHit] | list[CaseloadRow]) -> None:
        self._search_running = None
        if text != self._search_wanted:
            # The user typed on while this ran: only the latest text is worth answering.
            self._run_search(self._search_wanted)
            return
        rows = [
            ChildRow.from_hit(item) if isinstance(item, SearchHit) else ChildRow.from_caseload(item)
            for item in found
        ]
        self.model.set_rows(rows)
        for column in Column:
            self.table.setColumnHidden(column, not self.model.column_has_data(column))
        self.count_label.setText(self._count_text(text, len(rows)))
        if rows and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))
        self.rows_shown.emit(len(rows))

    def _search_failed(self, error: Exception) -> None:
        self._search_running = None
        report(error, parent=self)

    def _count_text(self, text: str, count: int) -> str:
        if not text:
            if count == 0:
                return self.tr(
                    "No children in the copy on this computer yet. Sync (F5) to fetch "
                    "your caseload."
                )
            return (
                self.tr("1 child in your caseload")
                if count == 1
                else self.tr("{count} children in your caseload").format(count=count)
            )
        if count == 0:
            return self.tr(
                "No child in your caseload matches. Check the spelling, or search by date "
                "of birth or postcode."
            )
        return self.tr("1 match") if count == 1 else self.tr("{count} matches").format(count=count)

    def _filter_changed(self, position: int) -> None:
        self.proxy.set_show(Show(self.show_filter.itemData(position)))

    def _focus_results(self) -> None:
        if self.proxy.rowCount() > 0:
            self.table.setFocus()
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    # -- opening records -----------------------------------------------------------------------

    def selected_row(self) -> ChildRow | None:
        """The child selected in the list."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(index).row())

    def _row_activated(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        self.open_selected()

    def open_selected(self) -> None:
        """Ask for a reason, then open the selected child's record."""
        row = self.selected_row()
        if row is None:
            return
        if self.reason_dialog is not None:
            self.reason_dialog.raise_()
            return
        label = self.tr("{name}, born {date}").format(
            name=row.display_name, date=format_date(row.date_of_birth, "d MMMM yyyy")
        )
        dialog = ReasonDialog(label, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.reason_given.connect(lambda reason: self._open(row, reason))
        dialog.finished.connect(self._reason_dialog_closed)
        self.reason_dialog = dialog
        dialog.open()

    def _reason_dialog_closed(self) -> None:
        self.reason_dialog = None

    def _open(self, row: ChildRow, reason: AccessReason) -> None:
        context, session = self._context, self.session
        self.status_bar.showMessage(self.tr("Opening the record…"))
        (
            self._worker.task(
                lambda: ops.open_record(context, session, row.index_id, reason), owner=self
            )
            .success(self._show_record)
            .failure(self._open_failed)
            .finally_(self.status_bar.clearMessage)
            .start()
        )

    def _open_failed(self, error: Exception) -> None:
        if isinstance(error, DomainError):
            log.info("record not opened: %s", error.code)
        report(error, parent=self)

    def _show_record(self, opened: OpenedRecord) -> None:
        record = opened.record
        name = f"record-{record.index_id}"
        for position in range(1, self.tabs.count()):
            widget = self.tabs.widget(position)
            if widget is not None and widget.objectName() == name:
                # Opening again is a new access, for a new reason: show the fresh copy.
                self.close_tab(position)
                break
        view = RecordView(record, from_cache=opened.source == "cache")
        view.setObjectName(name)
        position = self.tabs.addTab(view, record.display_name)
        self.tabs.setCurrentIndex(position)
        view.setFocus()
        self.record_opened.emit(view)

    def record_views(self) -> list[RecordView]:
        """The records open in tabs."""
        return [
            widget
            for position in range(1, self.tabs.count())
            if isinstance(widget := self.tabs.widget(position), RecordView)
        ]

    def close_tab(self, position: int) -> None:
        """Close a record's tab (the caseload tab stays)."""
        if position <= 0:
            return
        widget = self.tabs.widget(position)
        self.tabs.removeTab(position)
        if widget is not None:
            widget.deleteLater()

    def close_records(self) -> None:
        """Close every open record (before locking)."""
        while self.tabs.count() > 1:
            self.close_tab(self.tabs.count() - 1)

    # -- sync ----------------------------------------------------------------------------------

    def sync_now(self) -> None:
        """Push and pull now (F5, Ctrl+R), unless a sync is running."""
        if self._syncing:
            return
        self._syncing = True
        self.sync_action.setEnabled(False)
        session = self.session
        (
            self._worker.task(lambda: ops.sync(session), owner=self)
            .success(self._synced)
            .failure(self._sync_failed)
            .finally_(self._sync_over)
            .start()
        )

    @property
    def syncing(self) -> bool:
        """True while a sync runs."""
        return self._syncing

    def _sync_over(self) -> None:
        self._syncing = False
        self.sync_action.setEnabled(True)

    def _synced(self, sync_report: SyncReport) -> None:
        log.info("sync done: %d upserted, %d removed", sync_report.upserted, sync_report.removed)
        if sync_report.upserted or sync_report.removed or sync_report.resynced:
            self.refresh()
        self.sync_finished.emit(sync_report)

    def _sync_failed(self, error: Exception) -> None:
        self.sync_finished.emit(error)
        if not isinstance(error, DomainError):
            report(error, parent=self)
            return
        if error.code in SESSION_ENDING_CODES:
            self.session_ended.emit(message_for(error))
            return
        # The status bar says what went wrong; a message only for what needs the user.
        if error.code in ("sign_in_required", "not_signed_in", "wrong_account"):
            report(error, parent=self)

    def show_status(self, status: SyncStatus) -> None:
        """Show a sync status (the relay does this as statuses arrive)."""
        self.status_bar.show_status(status)

    # -- closing -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Closing the window ends the session; the controller locks and quits."""
        self.auto_sync.stop()
        if self.reason_dialog is not None:
            self.reason_dialog.reject()
        self.closed.emit()
        super().closeEvent(event)


def _with(standard: QKeySequence.StandardKey, ours: QKeySequence) -> list[QKeySequence]:
    """The platform's keys for ``standard``, plus ours if the platform lacks it.

    Some platforms (and the offscreen one) bind Close to Ctrl+F4 only; practitioners are
    told Ctrl+W and Ctrl+F everywhere.
    """
    keys = QKeySequence.keyBindings(standard)
    return keys if ours in keys else [*keys, ours]
