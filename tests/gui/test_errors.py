"""Known errors in plain words; bugs in a crash dialog whose details name no one."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.store.errors import StoreError
from app.ui import errors


def _raise_chained() -> None:
    try:
        addresses: dict[str, str] = {}
        addresses["Amelia Hartwell, 12 Lantern Street"]
    except KeyError as exc:
        raise ValueError("Hartwell born 2015-03-14") from exc


@pytest.fixture
def installed() -> Iterator[None]:
    uninstall = errors.install_excepthook()
    yield
    uninstall()
    dialog = errors.current_crash_dialog()
    if dialog is not None:
        dialog.reject()


def test_bug_details_name_types_and_places_never_values() -> None:
    with pytest.raises(ValueError, match="Hartwell") as caught:
        _raise_chained()
    details = errors.bug_details(caught.type, caught.tb, caught.value)
    assert details.startswith("Everychild hit an unexpected error: builtins.ValueError")
    assert "Caused by: builtins.KeyError" in details
    assert "test_errors.py:" in details
    assert "in _raise_chained" in details
    for personal in ("Amelia", "Hartwell", "Lantern", "2015-03-14", "/root", "/home"):
        assert personal not in details


def test_an_uncaught_bug_opens_the_crash_dialog_with_copyable_details(
    qtbot: QtBot, installed: None
) -> None:
    with pytest.raises(ValueError, match="Hartwell") as caught:
        _raise_chained()
    sys.excepthook(caught.type, caught.value, caught.tb)
    dialog = errors.current_crash_dialog()
    assert dialog is not None
    assert dialog.isVisible()
    QTest.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.details.toPlainText()
    assert "builtins.ValueError" in copied
    assert "Hartwell" not in copied
    # A second bug joins the same dialog rather than stacking windows.
    sys.excepthook(caught.type, caught.value, caught.tb)
    assert errors.current_crash_dialog() is dialog
    assert dialog.details.toPlainText().count("builtins.ValueError") == 2


def test_known_trouble_that_escapes_is_still_a_plain_message(qtbot: QtBot, installed: None) -> None:
    error = StoreError("disk_full")
    sys.excepthook(StoreError, error, None)
    assert errors.current_crash_dialog() is None
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert [box.text() for box in boxes if box.isVisible()] == [error.message]
    for box in boxes:
        box.close()


def test_uninstalling_restores_the_previous_hook() -> None:
    before = sys.excepthook
    uninstall = errors.install_excepthook()
    assert sys.excepthook is not before
    uninstall()
    assert sys.excepthook is before
