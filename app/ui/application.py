"""The desktop client's windows in sequence: sign in, work, lock, sign in again, quit.

:class:`ClientController` owns the cache worker and the one open
:class:`~app.ui.session.Session`. It shows the sign-in window; on success the main
window; on Ctrl+L, on inactivity (the device policy's idle time) or when the index ends
the session, it closes every open record, locks the cache (audited) and shows the
sign-in window again with the same profile picked. Quitting locks first and then stops
the worker, so the cache is always closed — and SQLCipher's copy of the key wiped —
before the process ends.

:func:`run` builds the ``QApplication`` (system fonts, the stylesheet, the crash
dialog's excepthook, translations for the system locale when they exist), keeps the
startup heap out of later garbage collections (:func:`freeze_startup_heap`) and runs it.

The look (:func:`apply_look`) follows the system: text keeps the system's font and
size, and in high contrast (:func:`app.ui.contrast.high_contrast`, whose docstring says
how it is detected) the banners take the system palette's own colours instead of the
stylesheet's tints. When the palette or the system's contrast setting changes while the
client runs — Windows' Left Alt+Left Shift+Print Screen — the look is applied afresh.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Sequence
from importlib import resources

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QObject,
    QTimer,
    QTranslator,
    Signal,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.domain.session import DevicePolicy
from app.ui import session as ops
from app.ui.banners import high_contrast_rules
from app.ui.contrast import high_contrast
from app.ui.errors import install_excepthook
from app.ui.idle_lock import IdleWatcher
from app.ui.main_window import MainWindow
from app.ui.session import Session, UiContext
from app.ui.signin import SignInWindow
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker

log = logging.getLogger(__name__)

APPLICATION_NAME = "Everychild"
MILLISECONDS_PER_MINUTE = 60_000


class ClientController(QObject):
    """Moves the user between the sign-in window and the main window."""

    #: The main window is on show for a new session.
    session_started = Signal(object)
    #: The session was locked (by the user, inactivity or the index).
    locked = Signal()

    def __init__(self, context: UiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.worker = CacheWorker(self)
        self.relay = StatusRelay(self)
        self.sign_in_window: SignInWindow | None = None
        self.main_window: MainWindow | None = None
        self.session: Session | None = None
        self._idle: IdleWatcher | None = None
        self._quitting = False

    def start(self, *, preselect: str | None = None, message: str = "") -> SignInWindow:
        """Show the sign-in window."""
        window = SignInWindow(
            self.worker,
            self.context,
            on_status=self.relay.publish,
            on_progress=self.relay.publish_progress,
            preselect=preselect,
        )
        window.signed_in.connect(self._signed_in)
        if message:
            window.show_message(message)
        self.sign_in_window = window
        window.show()
        return window

    def _signed_in(self, session: Session) -> None:
        self.session = session
        online = session.client.signed_in is not None
        window = MainWindow(self.worker, self.context, session, self.relay, online=online)
        window.lock_requested.connect(self.lock)
        window.session_ended.connect(lambda message: self.lock(message=message))
        window.closed.connect(self._main_window_closed)
        self.main_window = window
        # Shown before the sign-in window closes: closing the last window would quit.
        window.show()
        if self.sign_in_window is not None:
            self.sign_in_window.close()
            self.sign_in_window.deleteLater()
            self.sign_in_window = None
        # Started once the window has been painted: the caseload and the sync then run
        # on the worker while the window already answers (bench/bench_gui.py).
        QTimer.singleShot(0, window, window.start)
        self._watch_idle(session)
        self.session_started.emit(window)

    def _watch_idle(self, session: Session) -> None:
        self._idle = IdleWatcher(15 * MILLISECONDS_PER_MINUTE, self)
        self._idle.idle.connect(self._idle_timeout)
        self.worker.task(session.cache.device_policy, owner=self).success(self._policy).start()

    def _policy(self, policy: DevicePolicy) -> None:
        if self._idle is not None:
            self._idle.set_timeout(policy.idle_lock_minutes * MILLISECONDS_PER_MINUTE)

    def _idle_timeout(self) -> None:
        minutes = (self._idle.timeout_ms // MILLISECONDS_PER_MINUTE) if self._idle else 0
        self.lock(
            message=self.tr(
                "Everychild locked itself after {minutes} minutes without use. Type your "
                "password to carry on."
            ).format(minutes=minutes)
        )

    def lock(self, *, message: str = "") -> None:
        """Close the records and the main window, lock the cache, and show sign-in."""
        session = self.session
        if session is None:
            return
        self.session = None
        # Thread-safe: a sync running on the worker stops after its current batch or
        # page, so the lock queued behind it runs promptly.
        session.engine.cancel()
        if self._idle is not None:
            self._idle.stop()
            self._idle.deleteLater()
            self._idle = None
        window = self.main_window
        self.main_window = None
        if window is not None:
            window.closed.disconnect(self._main_window_closed)
            window.close_records()
        context = self.context
        self.worker.task(lambda: ops.lock(context, session), owner=self).start()
        if not self._quitting:
            # Shown before the main window closes: closing the last window would quit.
            self.start(preselect=session.profile.profile_id, message=message)
        if window is not None:
            window.close()
            window.deleteLater()
        self.locked.emit()

    def _main_window_closed(self) -> None:
        self.quit()

    def quit(self) -> None:
        """Lock whatever is open, stop the worker and end the application (once)."""
        if self._quitting:
            return
        self._quitting = True
        self.lock()
        if self.sign_in_window is not None:
            self.sign_in_window.close()
        self.worker.stop()
        application = QCoreApplication.instance()
        if application is not None:
            application.quit()


def _install_translations(application: QApplication) -> None:
    locale = QLocale.system()
    qt_translator = QTranslator(application)
    if qt_translator.load(
        locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    ):
        application.installTranslator(qt_translator)
    ours = QTranslator(application)
    folder = resources.files("resources").joinpath("ui", "translations")
    if folder.is_dir() and ours.load(locale, "everychild", "_", str(folder)):
        application.installTranslator(ours)


def _stylesheet() -> str:
    sheet = resources.files("resources").joinpath("ui", "everychild.qss")
    return sheet.read_text(encoding="utf-8") if sheet.is_file() else ""


def look_sheet(palette: QPalette) -> str:
    """The stylesheet for ``palette``: ours, with the system's colours in high contrast."""
    sheet = _stylesheet()
    if high_contrast(palette):
        sheet += "\n/* High contrast: the system's own colours. */\n" + high_contrast_rules(palette)
    return sheet


class _LookKeeper(QObject):
    """Applies the stylesheet, and again when the system's palette or contrast changes.

    Only while the application's stylesheet is still the one it applied: a tool or a
    test that put another back is left alone.
    """

    def __init__(self, application: QApplication) -> None:
        super().__init__(application)
        self._application = application
        # Held: the accessibility hints' wrapper lasts only as long as this one (PySide).
        self._hints = application.styleHints()
        self._applied: str | None = None
        # Qt 6 prefers the ApplicationPaletteChange event, but an object other than a
        # widget only sees it by filtering every event of the application; the signal
        # still comes (Qt 6.12).
        application.paletteChanged.connect(self._system_changed)
        self._hints.accessibility().contrastPreferenceChanged.connect(self._system_changed)

    def apply(self) -> None:
        """Apply the stylesheet for the application's palette as it is now."""
        sheet = look_sheet(self._application.palette())
        self._applied = sheet
        # Setting a stylesheet polishes every widget again: not for nothing.
        if self._application.styleSheet() != sheet:
            self._application.setStyleSheet(sheet)

    def _system_changed(self, *_: object) -> None:
        if self._application.styleSheet() == self._applied:
            self.apply()


def apply_look(application: QApplication) -> None:
    """Our name and stylesheet on ``application``; fonts stay the system's.

    The stylesheet follows the system's palette from then on (see the module's docstring).
    """
    application.setApplicationName(APPLICATION_NAME)
    keeper = application.findChild(_LookKeeper)
    if keeper is None:
        keeper = _LookKeeper(application)
    keeper.apply()


def create_application(argv: Sequence[str]) -> QApplication:
    """The ``QApplication``, with our look and the translations for the system locale."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    application = QApplication(list(argv))
    apply_look(application)
    _install_translations(application)
    return application


def freeze_startup_heap() -> None:
    """Keep what exists at startup out of every later garbage collection.

    Modules, classes and the application's own objects live as long as the process. A
    full collection scans every object it tracks while holding Python's interpreter lock
    — on whichever thread happens to trigger it, the cache worker included — and the GUI
    thread cannot run meanwhile: with the startup heap in view a full collection during
    a large sync took about 140 ms, a visible freeze; frozen, about 20 ms
    (bench/bench_gui.py; docs/performance.md, "Desktop client").
    """
    gc.collect()
    gc.freeze()


def run(context: UiContext, argv: Sequence[str] | None = None) -> int:
    """Run the desktop client until the user quits; returns the exit status."""
    application = create_application(sys.argv[:1] if argv is None else argv)
    uninstall = install_excepthook()
    freeze_startup_heap()
    controller = ClientController(context)
    application.aboutToQuit.connect(controller.quit)
    controller.start()
    try:
        status = application.exec()
    finally:
        controller.quit()
        uninstall()
    log.info("desktop client ended")
    return int(status)
