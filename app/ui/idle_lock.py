"""Locking after inactivity (PRODUCT.md §6: "the app locks after inactivity").

:class:`IdleWatcher` watches the whole application's keyboard and mouse input and emits
:attr:`IdleWatcher.idle` once none has arrived for the policy's idle time (the index's
device policy, kept in the cache; shorter on reception desks). It only watches: what
locking means is the controller's business.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

#: The input that counts as someone using the computer.
_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatcher(QObject):
    """Emits :attr:`idle` after ``timeout_ms`` without keyboard or mouse input."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.idle)
        application = QCoreApplication.instance()
        if application is not None:
            application.installEventFilter(self)
        self._timer.start()

    @property
    def timeout_ms(self) -> int:
        """How long without input before :attr:`idle`."""
        return self._timer.interval()

    def set_timeout(self, timeout_ms: int) -> None:
        """Change the idle time (when the policy arrives) and start counting again."""
        self._timer.setInterval(timeout_ms)
        self._timer.start()

    def stop(self) -> None:
        """Stop watching."""
        self._timer.stop()
        application = QCoreApplication.instance()
        if application is not None:
            application.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Restart the count on any input; never consumes the event."""
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False
