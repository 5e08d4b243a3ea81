"""The main window: the caseload, searches, open records, changes, sync state and notices.

PRODUCT.md §3 and §6. Three kinds of tab:

* **Caseload** — the children in the offline cache (:mod:`app.ui.caseload_model`), with
  their postcode district, lead professional, indicators and changes not yet sent.
  Typing in the search box (Ctrl+F) searches the cache as you type — the query runs on
  the cache worker, and while one runs only the latest text typed waits behind it, so
  typing never queues a backlog.
* **Search the index** (Ctrl+Shift+F) — the whole index, online, with its two-criteria
  rule explained (:mod:`app.ui.online_search`).
* **A record** per child opened. Opening always asks for a reason first
  (:mod:`app.ui.reason_dialog`); the record opens from the index when signed in, from
  the cache otherwise. Its tab offers the changes the rules allow
  (:mod:`app.ui.record_changes`); a change is saved through the cache and synced in
  the background.

Sync runs by itself (:mod:`app.ui.sync_runner`): on start, after every change, every few
minutes, and when the network comes back; F5 or Ctrl+R syncs now, Shift+F5 stops a long
sync. A session unlocked offline asks for the password on F5 and then syncs. The status
bar shows online or offline, items waiting, the last sync and a long sync's progress;
notices above the tabs say when the offline lease has run out, when changes need the
user (conflicts to resolve, changes refused) and when the network is back. The *View*
menu opens the conflicts (Ctrl+Shift+R), the refused changes (Ctrl+Shift+X) and the
user's own access log (Ctrl+Shift+L). Ctrl+L locks; Ctrl+W closes the record tab on show.

The window never talks to the cache itself: every read and write is a task on the worker.
Writes say what they changed, and the window refreshes the list only then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QModelIndex, Qt, Signal
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
from app.domain.records import ChildRecord
from app.store.models import CaseloadRow
from app.sync.engine import SyncReport, SyncStatus
from app.ui import session as ops
from app.ui.access_log_dialog import AccessLogDialog
from app.ui.banners import demo_banner
from app.ui.caseload_model import (
    CaseloadFilter,
    CaseloadModel,
    ChildRow,
    Column,
    Show,
    format_date,
)
from app.ui.conflicts_dialog import ConflictsDialog
from app.ui.errors import message_for, report
from app.ui.explanations import copy_destroyed, lease_expired, show_explanation
from app.ui.guidance.guidance_viewer import GuidanceWindow
from app.ui.list_dialog import ListDialog
from app.ui.notices import Notices
from app.ui.online_search import OnlineSearchPage
from app.ui.reason_dialog import ReasonDialog
from app.ui.record_changes import RecordChanges
from app.ui.record_tab import RecordTab
from app.ui.record_view import RecordView
from app.ui.rejected_dialog import RejectedDialog
from app.ui.session import ChangeMade, LeaseState, OpenedRecord, Session, UiContext
from app.ui.sign_in_prompt import SignInPrompt
from app.ui.sync_runner import SESSION_ENDING_CODES, SyncRunner
from app.ui.sync_status import StatusRelay, SyncStatusBar, format_moment
from app.ui.tasks import CacheWorker

log = logging.getLogger(__name__)

#: The tabs that are always there: the caseload and the search of the index.
FIXED_TABS = 2
ONLINE_SEARCH_TAB = 1


class MainWindow(QMainWindow):
    """The caseload, the searches, open records and the sync state of one session."""

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
    #: A change was made to a record (the :class:`~app.ui.session.ChangeMade`).
    change_made = Signal(object)
    #: A dialog opened from the window is on show (for screen readers' sake and tests).
    dialog_opened = Signal(object)

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
        self._search_running: str | None = None
        self._search_wanted = ""
        self._ended = False
        self.reason_dialog: ReasonDialog | None = None
        self.sign_in_prompt: SignInPrompt | None = None
        self.list_dialogs: dict[str, ListDialog] = {}
        self.setObjectName("mainWindow")
        title = self.tr("Everychild — {user}").format(user=session.display_name)
        if context.demo:
            title = self.tr("DEMO — ") + title
        self.setWindowTitle(title)
        self.setAccessibleName(self.tr("Everychild main window"))

        self.model = CaseloadModel(self)
        self.proxy = CaseloadFilter(self)
        self.proxy.setSourceModel(self.model)

        self._parts(relay, online=online)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setAccessibleName(self.tr("Caseload, search and open records"))
        self.tabs.tabBar().setAccessibleName(self.tr("Caseload, search and open records"))
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.addTab(self._caseload_page(), self.tr("Caseload"))
        self.tabs.addTab(self.online_page, self.tr("Search the index"))
        for position in range(FIXED_TABS):
            # The fixed tabs are the window's home: they cannot be closed.
            self.tabs.tabBar().setTabButton(
                position, self.tabs.tabBar().ButtonPosition.RightSide, None
            )
        self.tabs.currentChanged.connect(self._tab_changed)

        central = QWidget()
        layout = QVBoxLayout(central)
        if context.demo:
            layout.addWidget(demo_banner())
        layout.addWidget(self.notices)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)

        self._actions()
        relay.status.connect(self.show_status)
        self.show_status(session.engine.status())
        self.resize(self.fontMetrics().averageCharWidth() * 140, self.fontMetrics().height() * 42)
        self.search_box.setFocus()

    # -- building -----------------------------------------------------------------------------

    def _parts(self, relay: StatusRelay, *, online: bool) -> None:
        """The status bar, the sync runner, the change actions, the notices, the search."""
        worker, context, session = self._worker, self._context, self.session
        self.status_bar = SyncStatusBar()
        self.setStatusBar(self.status_bar)
        self.status_bar.show_user(session.display_name, online=online)
        self._guidance: GuidanceWindow | None = None
        self.runner = SyncRunner(
            worker, context, session, relay, self.status_bar.progress, signed_in=online, parent=self
        )
        self.runner.finished.connect(self._sync_finished)
        self.runner.signed_in_changed.connect(self._signed_in_changed)
        self.runner.network_returned.connect(self._network_returned)
        #: The periodic sync's timer (kept under its old name for the window's callers).
        self.auto_sync = self.runner.timer
        self.changes = RecordChanges(
            self, worker, context, session, signed_in=lambda: self.runner.signed_in
        )
        self.changes.changed.connect(self._changed)
        self.changes.dialog_opened.connect(self.dialog_opened)
        self.changes.session_failed.connect(self._session_failed)
        self.notices = Notices()
        self.notices.lease_sign_in.clicked.connect(self.sync_now)
        self.notices.network_sign_in.clicked.connect(self.sync_now)
        self.notices.resolve.clicked.connect(self.show_conflicts)
        self.notices.read_refused.clicked.connect(self.show_rejected)
        self.online_page = OnlineSearchPage(worker, session)
        self.online_page.set_signed_in(signed_in=online)
        self.online_page.open_requested.connect(self.open_child)
        self.online_page.session_failed.connect(self._session_failed)

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
        # Sizing a column to its contents asks every row measured for its text: the rows
        # on screen are enough, and measuring a 5,000-child caseload would hold up the
        # window for a tenth of a second at each refresh (bench/bench_gui.py).
        header.setResizeContentsPrecision(0)
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

    def _action(self, text: str, keys: list[QKeySequence], slot: object) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcuts(keys)
        action.triggered.connect(slot)
        # Shortcuts work from any tab, including an open record.
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(action)
        return action

    def _actions(self) -> None:
        menu = self.menuBar()
        menu.setAccessibleName(self.tr("Menu bar"))
        everychild = menu.addMenu(self.tr("&Everychild"))
        self.sync_action = self._action(
            self.tr("&Sync now"),
            [QKeySequence(Qt.Key.Key_F5), QKeySequence(self.tr("Ctrl+R"))],
            self.sync_now,
        )
        self.stop_sync_action = self._action(
            self.tr("S&top syncing"), [QKeySequence(self.tr("Shift+F5"))], self.runner.cancel
        )
        self.stop_sync_action.setEnabled(False)
        self.runner.started.connect(lambda: self.stop_sync_action.setEnabled(True))
        self.lock_action = self._action(
            self.tr("&Lock"), [QKeySequence(self.tr("Ctrl+L"))], self._request_lock
        )
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.quit_action.triggered.connect(self.close)
        everychild.addActions([self.sync_action, self.stop_sync_action, self.lock_action])
        everychild.addSeparator()
        everychild.addAction(self.quit_action)

        records = menu.addMenu(self.tr("&Record"))
        self.find_action = self._action(
            self.tr("&Find in caseload"),
            _with(QKeySequence.StandardKey.Find, QKeySequence(self.tr("Ctrl+F"))),
            self.focus_search,
        )
        self.online_action = self._action(
            self.tr("Search the &index"),
            [QKeySequence(self.tr("Ctrl+Shift+F"))],
            self.focus_online_search,
        )
        self.open_action = QAction(self.tr("&Open selected record…"), self)
        self.open_action.triggered.connect(self.open_selected)
        self.close_tab_action = self._action(
            self.tr("&Close record"),
            _with(QKeySequence.StandardKey.Close, QKeySequence(self.tr("Ctrl+W"))),
            lambda: self.close_tab(self.tabs.currentIndex()),
        )
        records.addActions(
            [self.find_action, self.online_action, self.open_action, self.close_tab_action]
        )
        records.addSeparator()
        records.addActions(self.changes.actions)

        view = menu.addMenu(self.tr("&View"))
        self.conflicts_action = self._action(
            self.tr("Changes to &resolve…"),
            [QKeySequence(self.tr("Ctrl+Shift+R"))],
            self.show_conflicts,
        )
        self.rejected_action = self._action(
            self.tr("Changes the index re&fused…"),
            [QKeySequence(self.tr("Ctrl+Shift+X"))],
            self.show_rejected,
        )
        self.access_log_action = self._action(
            self.tr("My &access log…"),
            [QKeySequence(self.tr("Ctrl+Shift+L"))],
            self.show_access_log,
        )
        view.addActions([self.conflicts_action, self.rejected_action, self.access_log_action])

        guidance = menu.addMenu(self.tr("&Guidance"))
        self.guidance_action = self._action(
            self.tr("Information-sharing &guidance…"),
            [QKeySequence(QKeySequence.StandardKey.HelpContents), QKeySequence(Qt.Key.Key_F1)],
            self.show_guidance,
        )
        guidance.addAction(self.guidance_action)

    def _request_lock(self) -> None:
        self.lock_requested.emit()

    def show_guidance(self) -> None:
        """The golden rules and the flowcharts, colour-coded for the user's roles."""
        user = self.session.user
        roles = user.roles if user is not None else ()
        if self._guidance is None:
            self._guidance = GuidanceWindow(roles=roles, parent=self)
        self._guidance.show()
        self._guidance.raise_()
        self._guidance.activateWindow()

    # -- start ------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the cached caseload, check the offline lease, and sync if signed in."""
        self.search(self.search_box.text())
        context, session = self._context, self.session
        (
            self._worker.task(lambda: ops.offline_lease(context, session), owner=self)
            .success(self._lease_checked)
            .failure(lambda _error: None)
            .start()
        )
        self.runner.start()

    def _lease_checked(self, state: LeaseState) -> None:
        self.notices.show_lease(None if self.runner.signed_in else state)

    # -- the list -----------------------------------------------------------------------------

    def focus_search(self) -> None:
        """Go to the search box (Ctrl+F), on the caseload tab."""
        self.tabs.setCurrentIndex(0)
        self.search_box.setFocus()
        self.search_box.selectAll()

    def focus_online_search(self) -> None:
        """Go to the search of the whole index (Ctrl+Shift+F)."""
        self.tabs.setCurrentIndex(ONLINE_SEARCH_TAB)
        self.online_page.focus_first()

    def search(self, text: str) -> None:
        """Show the children matching ``text`` (the whole caseload when it is empty)."""
        self._search_wanted = text.strip()
        if self._search_running is None:
            self._run_search(self._search_wanted)

    def refresh(self) -> None:
        """Read the list again (after a sync or a change altered records)."""
        self.search(self._search_wanted)

    def _run_search(self, text: str) -> None:
        self._search_running = text
        session = self.session

        # The rows are built on the worker too: a caseload of thousands of children
        # must not be converted on the GUI thread.
        def rows() -> list[ChildRow]:
            if text:
                return [ChildRow.from_hit(hit) for hit in ops.search(session, text)]
            return [ChildRow.from_caseload(row) for row in ops.caseload(session)]

        (
            self._worker.task(rows, owner=self)
            .success(lambda found: self._search_done(text, found))
            .failure(self._search_failed)
            .start()
        )

    def _search_done(self, text: str, rows: list[ChildRow]) -> None:
        self._search_running = None
        if text != self._search_wanted:
            # The user typed on while this ran: only the latest text is worth answering.
            self._run_search(self._search_wanted)
            return
        current = self.selected_row()
        self.model.set_rows(rows)
        for column in Column:
            self.table.setColumnHidden(column, not self.model.column_has_data(column))
        self.count_label.setText(self._count_text(text, len(rows)))
        self._reselect(current)
        self.rows_shown.emit(len(rows))

    def _reselect(self, previous: ChildRow | None) -> None:
        if not self.proxy.rowCount():
            return
        if previous is not None:
            source_row = self.model.row_of(previous.index_id)
            if source_row is not None:
                shown = self.proxy.mapFromSource(self.model.index(source_row, 0))
                if shown.isValid():
                    self.table.setCurrentIndex(shown)
                    return
        self.table.setCurrentIndex(self.proxy.index(0, 0))

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
                "of birth or postcode — or search the whole index (Ctrl+Shift+F)."
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
        label = self.tr("{name}, born {date}").format(
            name=row.display_name, date=format_date(row.date_of_birth, "d MMMM yyyy")
        )
        self.open_child(row.index_id, label)

    def open_child(self, index_id: str, label: str) -> None:
        """Ask for a reason, then open a child's record (from the caseload or a search)."""
        if self.reason_dialog is not None:
            self.reason_dialog.raise_()
            return
        dialog = ReasonDialog(label, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.reason_given.connect(lambda reason: self._open(index_id, reason))
        dialog.finished.connect(self._reason_dialog_closed)
        self.reason_dialog = dialog
        dialog.open()

    def _reason_dialog_closed(self) -> None:
        self.reason_dialog = None

    def _open(self, index_id: str, reason: AccessReason) -> None:
        context, session = self._context, self.session
        self.status_bar.showMessage(self.tr("Opening the record…"))
        (
            self._worker.task(
                lambda: ops.open_record(context, session, index_id, reason), owner=self
            )
            .success(self._show_record)
            .failure(self._open_failed)
            .finally_(self.status_bar.clearMessage)
            .start()
        )

    def _open_failed(self, error: Exception) -> None:
        if not isinstance(error, DomainError):
            report(error, parent=self)
            return
        log.info("record not opened: %s", error.code)
        if error.code == "lease_expired":
            context, session = self._context, self.session
            (
                self._worker.task(lambda: ops.offline_lease(context, session), owner=self)
                .success(self._explain_lease)
                .start()
            )
            return
        if error.code in SESSION_ENDING_CODES:
            self._session_failed(error)
            return
        report(error, parent=self)

    def _explain_lease(self, state: LeaseState) -> None:
        self.notices.show_lease(state)
        self.dialog_opened.emit(
            show_explanation(lease_expired(state.last_contact, state.lease_hours), self)
        )

    def _show_record(self, opened: OpenedRecord) -> None:
        record = opened.record
        name = f"record-{record.index_id}"
        for position in range(FIXED_TABS, self.tabs.count()):
            widget = self.tabs.widget(position)
            if widget is not None and widget.objectName() == name:
                # Opening again is a new access, for a new reason: show the fresh copy.
                self.close_tab(position)
                break
        tab = RecordTab(
            record,
            opened.row,
            from_cache=opened.source == "cache",
            actions=self.changes.actions,
            decisions_recordable=self.changes.decisions_recordable(record, cached=bool(opened.row)),
        )
        tab.withdraw_requested.connect(lambda decision: self.changes.ask_withdraw(tab, decision))
        position = self.tabs.addTab(tab, record.display_name)
        self.tabs.setCurrentIndex(position)
        self.changes.set_tab(tab)
        tab.view.setFocus()
        self.record_opened.emit(tab.view)

    def _tab_changed(self, position: int) -> None:
        widget = self.tabs.widget(position)
        self.changes.set_tab(widget if isinstance(widget, RecordTab) else None)

    def record_tabs(self) -> list[RecordTab]:
        """The records open in tabs."""
        return [
            widget
            for position in range(FIXED_TABS, self.tabs.count())
            if isinstance(widget := self.tabs.widget(position), RecordTab)
        ]

    def record_views(self) -> list[RecordView]:
        """The record views of the records open in tabs."""
        return [tab.view for tab in self.record_tabs()]

    def close_tab(self, position: int) -> None:
        """Close a record's tab (the caseload and search tabs stay)."""
        if position < FIXED_TABS:
            return
        widget = self.tabs.widget(position)
        self.tabs.removeTab(position)
        if widget is not None:
            widget.deleteLater()

    def close_records(self) -> None:
        """Close every open record and dialog (before locking)."""
        self.changes.close_dialog()
        if self.reason_dialog is not None:
            self.reason_dialog.reject()
        for dialog in list(self.list_dialogs.values()):
            dialog.close()
        if self.sign_in_prompt is not None:
            self.sign_in_prompt.reject()
        while self.tabs.count() > FIXED_TABS:
            self.close_tab(self.tabs.count() - 1)
        self.changes.set_tab(None)

    # -- changes ---------------------------------------------------------------------------------

    def _changed(self, made: ChangeMade) -> None:
        self.change_made.emit(made)
        if made.queued:
            self.refresh()
            self._refresh_counts()
        self.runner.request()

    def _refresh_counts(self) -> None:
        engine = self.session.engine
        self._worker.task(engine.refresh_status, owner=self).failure(lambda _e: None).start()

    # -- sync ----------------------------------------------------------------------------------

    def sync_now(self) -> None:
        """Sync now (F5, Ctrl+R); a session unlocked offline signs in first."""
        if self._ended:
            return
        if self.runner.signed_in:
            self.runner.request()
        else:
            self.ask_to_sign_in()

    @property
    def syncing(self) -> bool:
        """True while a sync runs."""
        return self.runner.running

    def _sync_finished(self, result: object) -> None:
        self.stop_sync_action.setEnabled(False)
        if isinstance(result, SyncReport):
            log.info("sync done: %d upserted, %d removed", result.upserted, result.removed)
            if result.upserted or result.removed or result.resynced:
                self.refresh()
                self._reread_open_records()
            self.notices.show_lease(None)
            self.sync_finished.emit(result)
            return
        self.sync_finished.emit(result)
        if not isinstance(result, DomainError):
            if isinstance(result, Exception):
                report(result, parent=self)
            return
        if result.code in SESSION_ENDING_CODES:
            self._session_failed(result)
        elif result.code in ("wrong_account",):
            report(result, parent=self)

    def _reread_open_records(self) -> None:
        """Show open cached records as the sync left them; close those it took away."""
        cached = {tab.record.index_id: tab for tab in self.record_tabs() if tab.cached}
        if not cached:
            return
        session = self.session
        (
            self._worker.task(lambda: ops.reread_open(session, list(cached)), owner=self)
            .success(lambda found: self._show_reread(cached, found))
            .failure(lambda error: report(error, parent=self))
            .start()
        )

    def _show_reread(
        self,
        tabs: dict[str, RecordTab],
        found: dict[str, tuple[ChildRecord, CaseloadRow]],
    ) -> None:
        closed: list[str] = []
        for index_id, tab in tabs.items():
            if not shiboken6.isValid(tab) or self.tabs.indexOf(tab) < 0:
                continue
            if index_id not in found:
                closed.append(tab.record.display_name)
                self.close_tab(self.tabs.indexOf(tab))
                continue
            record, row = found[index_id]
            tab.row = row
            if record != tab.record:
                tab.show_record(record, row)
                tab.show_note(
                    self.tr("Updated by the sync at {time}.").format(
                        time=format_moment(self._context.clock())
                    )
                )
        if closed:
            self.notices.show_closed(closed)
        self.changes.refresh()

    def _session_failed(self, error: object) -> None:
        """The index has ended this session and the offline copy is gone: say so, once."""
        if self._ended or not isinstance(error, DomainError):
            return
        self._ended = True
        self.runner.stop()
        self.session_ended.emit(copy_destroyed(error).text)

    def _signed_in_changed(self, signed_in: bool) -> None:
        self.status_bar.show_user(self.session.display_name, online=signed_in)
        self.online_page.set_signed_in(signed_in=signed_in)
        self.changes.refresh()
        if signed_in:
            self.notices.show_lease(None)
            self.notices.show_network_back(back=False)
        else:
            self.status_bar.showMessage(
                self.tr("Your session with the index has ended. Press F5 to sign in again."),
                60_000,
            )

    def _network_returned(self) -> None:
        self.notices.show_network_back(back=True)

    def show_status(self, status: SyncStatus) -> None:
        """Show a sync status (the relay does this as statuses arrive)."""
        self.status_bar.show_status(status)
        self.notices.show_status(status)
        self.stop_sync_action.setEnabled(self.runner.running)

    # -- signing in to sync ---------------------------------------------------------------------

    def ask_to_sign_in(self, reason: str = "") -> None:
        """Ask for the password, sign in to the index, then sync."""
        if self.sign_in_prompt is not None:
            self.sign_in_prompt.raise_()
            return
        prompt = SignInPrompt(self.session.profile.username, reason=reason, parent=self)
        prompt.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        prompt.password_given.connect(self._sign_in)
        prompt.finished.connect(self._prompt_closed)
        self.sign_in_prompt = prompt
        prompt.open()
        self.dialog_opened.emit(prompt)

    def _prompt_closed(self) -> None:
        self.sign_in_prompt = None

    def _sign_in(self, password: str) -> None:
        context, session = self._context, self.session
        (
            self._worker.task(lambda: ops.sign_in_to_sync(context, session, password), owner=self)
            .success(self._signed_in_to_sync)
            .failure(self._sign_in_failed)
            .start()
        )

    def _signed_in_to_sync(self, _user: object) -> None:
        if self.sign_in_prompt is not None:
            self.sign_in_prompt.succeeded()
        self.runner.set_signed_in()

    def _sign_in_failed(self, error: Exception) -> None:
        prompt = self.sign_in_prompt
        if not isinstance(error, DomainError):
            if prompt is not None:
                prompt.set_busy(busy=False)
            report(error, parent=self)
            return
        if error.code in SESSION_ENDING_CODES:
            if prompt is not None:
                prompt.reject()
            self._session_failed(error)
            return
        text = message_for(error)
        if error.code in ops.UNREACHABLE_CODES:
            text = self.tr(
                "Everychild cannot reach the index just now. Keep working offline; your "
                "changes are kept safely on this computer. Try again when you are connected."
            )
        if prompt is not None:
            prompt.show_message(text)

    # -- lists ------------------------------------------------------------------------------

    def _show_list(self, key: str, make: Callable[[], ListDialog]) -> ListDialog:
        dialog = self.list_dialogs.get(key)
        if dialog is None:
            dialog = make()
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(lambda: self.list_dialogs.pop(key, None))
            self.list_dialogs[key] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.reload()
        self.dialog_opened.emit(dialog)
        return dialog

    def show_conflicts(self) -> ListDialog:
        """The changes to resolve (Ctrl+Shift+R)."""

        def make() -> ListDialog:
            dialog = ConflictsDialog(self._worker, self._context, self.session, self)
            dialog.resolved.connect(self._resolved)
            return dialog

        return self._show_list("conflicts", make)

    def _resolved(self, _mutation_id: str, keep: str) -> None:
        self.refresh()
        self._refresh_counts()
        if keep == "mine":
            self.runner.request()

    def show_rejected(self) -> ListDialog:
        """The changes the index refused (Ctrl+Shift+X)."""

        def make() -> ListDialog:
            dialog = RejectedDialog(self._worker, self.session, self)
            dialog.dismissed.connect(lambda _item: self._refresh_counts())
            return dialog

        return self._show_list("rejected", make)

    def show_access_log(self) -> ListDialog:
        """The user's own access log (Ctrl+Shift+L)."""
        return self._show_list(
            "access_log", lambda: AccessLogDialog(self._worker, self.session, self)
        )

    # -- closing -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Closing the window ends the session; the controller locks and quits."""
        self.runner.stop()
        self.close_records()
        self.closed.emit()
        super().closeEvent(event)


def _with(standard: QKeySequence.StandardKey, ours: QKeySequence) -> list[QKeySequence]:
    """The platform's keys for ``standard``, plus ours if the platform lacks it.

    Some platforms (and the offscreen one) bind Close to Ctrl+F4 only; practitioners are
    told Ctrl+W and Ctrl+F everywhere.
    """
    keys = QKeySequence.keyBindings(standard)
    return keys if ours in keys else [*keys, ours]
