"""Grabbing a widget to a PNG file, for the screenshot scripts (``make screenshots``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QWidget


def settle(milliseconds: int = 50) -> None:
    """Run the event loop a while: queued layout and paint events, answers from the worker."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def save_grab(widget: QWidget, folder: Path, name: str) -> Path:
    """``widget`` as drawn now, in ``folder/name.png``; the path written."""
    settle()
    path = folder / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    return path
