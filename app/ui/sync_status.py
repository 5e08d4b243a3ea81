"""The sync state in the status bar: online or offline, changes waiting, last sync.

PRODUCT.md §6: sync "shows its state (online/offline, pending items, last sync)". The
sync engine reports a :class:`~app.sync.engine.SyncStatus` — and, during a sync, its
:class:`~app.sync.engine.Progress` — through callbacks on the cache worker's thread;
:class:`StatusRelay` carries both to the GUI thread as signals, and
:class:`SyncStatusBar` shows them in words (never colour alone). A long sync shows a
progress bar with a *Stop* button (:class:`SyncProgress`).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, QObject, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStatusBar,
    QWidget,
)

from app.sync.engine import Progress, SyncState, SyncStatus


class StatusRelay(QObject):
    """Carries sync statuses and progress from the worker thread to the GUI thread."""

    status = Signal(object)
    progress = Signal(object)

    def publish(self, status: SyncStatus) -> None:
        """Called by the sync engine on the worker; delivered queued on the GUI thread."""
        self.status.emit(status)

    def publish_progress(self, progress: Progress) -> None:
        """Called by the sync engine on the worker after each batch or page."""
        self.progress.emit(progress)


def format_moment(moment: datetime) -> str:
    """A moment in the user's time zone, with the month in words (never 03/04 ambiguity)."""
    local = QDateTime.fromSecsSinceEpoch(int(moment.timestamp())).toLocalTime()
    return QLocale().toString(local, "d MMM yyyy, HH:mm")


def items_waiting(count: int) -> str:
    """How many outbox items (changes and audit entries) wait to be sent."""
    if count == 0:
        return QCoreApplication.translate("SyncStatusBar", "Nothing waiting to be sent")
    if count == 1:
        return QCoreApplication.translate("SyncStatusBar", "1 item waiting to be sent")
    return QCoreApplication.translate("SyncStatusBar", "{count} items waiting to be sent").format(
        count=count
    )


def progress_text(progress: Progress) -> str:
    """How far a sync has got, in words."""
    if progress.phase == "push":
        if progress.total:
            return QCoreApplication.translate(
                "SyncStatusBar", "Sending changes: {done} of {total}"
            ).format(done=progress.done, total=progress.total)
        return QCoreApplication.translate("SyncStatusBar", "Sending changes…")
    if progress.phase == "resync":
        return QCoreApplication.translate(
            "SyncStatusBar", "Fetching your whole caseload again: {done} records"
        ).format(done=progress.done)
    return QCoreApplication.translate("SyncStatusBar", "Fetching changes: {done} records").format(
        done=progress.done
    )


class SyncProgress(QWidget):
    """A long sync's progress, with a button to stop it after the current page."""

    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncProgress")
        self.label = QLabel()
        self.label.setObjectName("syncProgressText")
        self.bar = QProgressBar()
        self.bar.setObjectName("syncProgressBar")
        self.bar.setAccessibleName(self.tr("Sync progress"))
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(self.fontMetrics().averageCharWidth() * 20)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setObjectName("stopSyncButton")
        self.stop_button.setAccessibleName(self.tr("Stop syncing"))
        self.stop_button.setToolTip(self.tr("Stop syncing after the current step (Shift+F5)"))
        self.stop_button.clicked.connect(self.stop_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.stop_button)
        self._stopping = False

    def start(self) -> None:
        """Show a sync under way whose size is not known yet."""
        self._stopping = False
        self.label.setText(self.tr("Syncing…"))
        self.bar.setRange(0, 0)
        self.stop_button.setEnabled(True)

    def show_progress(self, progress: Progress) -> None:
        """Show how far the sync has got (still saying it will stop, once asked to)."""
        if not self._stopping:
            self.label.setText(progress_text(progress))
            self.bar.setAccessibleDescription(self.label.text())
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(progress.done)
        else:
            # Pulling: the index does not say how much is coming.
            self.bar.setRange(0, 0)

    def stopping(self) -> None:
        """Say the sync will stop after the current step."""
        self._stopping = True
        self.label.setText(self.tr("Stopping after the current step…"))
        self.stop_button.setEnabled(False)


def _separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class SyncStatusBar(QStatusBar):
    """A status bar with the user, the connection, changes waiting and the last sync."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatusBar")
        self.state_label = QLabel()
        self.state_label.setObjectName("syncState")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("syncPending")
        self.last_sync_label = QLabel()
        self.last_sync_label.setObjectName("lastSync")
        self.user_label = QLabel()
        self.user_label.setObjectName("signedInUser")
        self.addWidget(self.state_label)
        self.addWidget(_separator())
        self.addWidget(self.pending_label)
        self.addWidget(_separator())
        self.addWidget(self.last_sync_label)
        self.progress = SyncProgress()
        self.progress.setVisible(False)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.user_label)
        self.status: SyncStatus | None = None

    def show_user(self, name: str, *, online: bool) -> None:
        """Say who is using Everychild, and how they got in."""
        text = self.tr("Signed in as {name}") if online else self.tr("Unlocked offline as {name}")
        self.user_label.setText(text.format(name=name))

    def show_status(self, status: SyncStatus) -> None:
        """Show a status from the sync engine."""
        self.status = status
        self.state_label.setText(self.state_text(status))
        self.state_label.setProperty("state", status.state.value)
        parts = [items_waiting(status.pending)]
        if status.conflicts:
            parts.append(self.tr("{count} to resolve").format(count=status.conflicts))
        if status.rejected:
            parts.append(self.tr("{count} refused by the index").format(count=status.rejected))
        self.pending_label.setText(" · ".join(parts))
        self.last_sync_label.setText(
            self.tr("Never synced")
            if status.last_success is None
            else self.tr("Last synced {moment}").format(moment=format_moment(status.last_success))
        )

    def state_text(self, status: SyncStatus) -> str:
        """The connection state in words."""
        if status.state == SyncState.ONLINE:
            return self.tr("Online")
        if status.state == SyncState.SYNCING:
            return self.tr("Syncing…")
        if status.state == SyncState.OFFLINE:
            return self.tr("Offline: working from the copy on this computer")
        if status.error_message:
            return self.tr("Sync problem: {message}").format(message=status.error_message)
        return self.tr("Sync problem")
