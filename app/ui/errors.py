"""Two kinds of failure, shown two ways (STYLE.md: qutebrowser's ``KnownError``/``BugError``).

* **Expected trouble** — a ``DomainError`` from the rules, the cache (``StoreError``) or
  the index (``SyncError``): a wrong password, an unreachable index, an expired offline
  lease. It is shown as a plain message in the practitioner's words, saying what to do
  next (:func:`report`, :func:`message_for`). Windows that have a place for it (the
  sign-in window, the reason dialog) show it inline instead of in a box.
* **A bug** — anything else. It goes to :class:`CrashDialog`, through ``sys.excepthook``
  for exceptions raised in Qt callbacks (:func:`install_excepthook`) and directly for
  failed background jobs. The dialog's details name the exception's type and where it
  was raised — files, lines and functions — and never its message, arguments or local
  variables, which could hold a child's name. They are shown for the user to copy into
  a support request and are never written to disk.

Neither ever shows a traceback as the message.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from collections.abc import Callable
from pathlib import PurePath
from types import TracebackType

import PySide6
from PySide6.QtCore import QCoreApplication, QObject, Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]

#: Frames shown per exception: the innermost ones say where it went wrong.
MAX_FRAMES = 40

#: Top-level packages whose files are named from the package down; any other path is cut
#: to its file name, so a home folder (which may carry the user's name) never appears.
_OUR_PACKAGES = ("app", "server", "resources")


def _tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def message_for(error: DomainError) -> str:
    """The message to show for expected trouble: the error's own, translated if we can.

    The store, the sync engine and the index write their messages for the practitioner
    already (and never put a child's details in them); a translation catalogue may
    carry them under the ``KnownError`` context.
    """
    return QCoreApplication.translate("KnownError", error.message)


_unowned_boxes: list[QMessageBox] = []


def show_known_error(error: DomainError, parent: QWidget | None = None) -> QMessageBox:
    """Show expected trouble in a window-modal message box; returns it (already open)."""
    log.info("showing known error %s", error.code)
    owner = parent if parent is not None else QApplication.activeWindow()
    box = QMessageBox(owner)
    box.setObjectName("knownErrorBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_tr("Everychild"))
    box.setText(message_for(error))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName(_tr("Message"))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if owner is None:
        # Nothing else holds a box without a parent: keep it until it is closed.
        _unowned_boxes.append(box)
        box.finished.connect(lambda _result: _unowned_boxes.remove(box))
    box.open()
    return box


def report(error: BaseException, parent: QObject | None = None) -> None:
    """Show ``error`` as expected trouble if it is, or as a bug otherwise."""
    widget = parent if isinstance(parent, QWidget) else None
    if isinstance(error, DomainError):
        show_known_error(error, widget)
        return
    handle_bug(type(error), error, error.__traceback__)


# -- bugs ------------------------------------------------------------------------------------


def _where(filename: str) -> str:
    parts = PurePath(filename).parts
    for position in range(len(parts) - 1, -1, -1):
        if parts[position] in _OUR_PACKAGES and position < len(parts) - 1:
            return "/".join(parts[position:])
        if parts[position] == "site-packages" and position < len(parts) - 1:
            return "/".join(parts[position + 1 :])
    return PurePath(filename).name


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def bug_details(
    error_type: type[BaseException], tb: TracebackType | None, error: BaseException | None = None
) -> str:
    """What support needs to find a bug: types and places only, never values."""
    lines = [
        f"Everychild hit an unexpected error: {error_type.__module__}.{error_type.__qualname__}",
    ]
    if isinstance(error, DomainError):
        lines.append(f"Code: {error.code}")
    for position, link in enumerate(_chain(error) if error is not None else []):
        frames = traceback.extract_tb(link.__traceback__ if position else tb, limit=-MAX_FRAMES)
        if position:
            kind = type(link)
            lines.append(f"Caused by: {kind.__module__}.{kind.__qualname__}")
        lines += [f"  {_where(frame.filename)}:{frame.lineno} in {frame.name}" for frame in frames]
    if error is None:
        lines += [
            f"  {_where(frame.filename)}:{frame.lineno} in {frame.name}"
            for frame in traceback.extract_tb(tb, limit=-MAX_FRAMES)
        ]
    lines.append(
        f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {PySide6.__version__}, "
        f"{platform.system()} {platform.release()}"
    )
    return "\n".join(lines)


class CrashDialog(QDialog):
    """Says something went wrong, with details the user can copy for support."""

    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle(self.tr("Everychild: something went wrong"))
        self.setAccessibleName(self.tr("Something went wrong"))
        explanation = QLabel(
            self.tr(
                "Everychild hit an error it did not expect. What you were doing may not have "
                "finished; anything already saved is safe. If it happens again, copy the "
                "details below into a message to your IT support. They name no child and "
                "no person."
            )
        )
        explanation.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setObjectName("crashDetails")
        self.details.setReadOnly(True)
        self.details.setPlainText(details)
        self.details.setAccessibleName(self.tr("Error details"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(self.tr("Close"))
        self.copy_button = QPushButton(self.tr("&Copy details"))
        self.copy_button.setAccessibleName(self.tr("Copy error details"))
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 80, self.sizeHint().height())

    def add_details(self, details: str) -> None:
        """Add a further error's details (several bugs in a row share one dialog)."""
        self.details.appendPlainText("\n" + details)

    def copy_details(self) -> None:
        """Put the details on the clipboard."""
        QGuiApplication.clipboard().setText(self.details.toPlainText())


_open_dialog: CrashDialog | None = None


def current_crash_dialog() -> CrashDialog | None:
    """The crash dialog on screen, if any."""
    return _open_dialog


def handle_bug(
    error_type: type[BaseException], error: BaseException | None, tb: TracebackType | None
) -> CrashDialog | None:
    """Log a bug (types and places only) and show it in the crash dialog."""
    global _open_dialog  # noqa: PLW0603 - one crash dialog per process, however many bugs
    details = bug_details(error_type, tb, error)
    log.error("unexpected error:\n%s", details)
    if QApplication.instance() is None:
        return None
    if _open_dialog is not None:
        _open_dialog.add_details(details)
        _open_dialog.raise_()
        return _open_dialog
    dialog = CrashDialog(details)
    dialog.finished.connect(_forget_dialog)
    _open_dialog = dialog
    dialog.open()
    return dialog


def _forget_dialog() -> None:
    global _open_dialog  # noqa: PLW0603 - see handle_bug
    if _open_dialog is not None:
        _open_dialog.deleteLater()
    _open_dialog = None


def install_excepthook() -> Callable[[], None]:
    """Route uncaught exceptions to the crash dialog; returns a function that undoes it."""
    previous: ExceptHook = sys.excepthook

    def hook(
        error_type: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(error_type, KeyboardInterrupt):
            previous(error_type, error, tb)
            return
        if isinstance(error, DomainError):
            # Expected trouble that a callback let escape: still the user's kind of message.
            report(error)
            return
        try:
            handle_bug(error_type, error, tb)
        except RecursionError:
            # Raised so deep that even describing it overflows: Python's own report will do.
            previous(error_type, error, tb)

    sys.excepthook = hook

    def uninstall() -> None:
        sys.excepthook = previous

    return uninstall
