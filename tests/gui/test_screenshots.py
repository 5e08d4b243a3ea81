"""The screenshot script renders every screen (what ``make screenshots`` runs).

The showcase records among them come from a real index on loopback, seeded with the
demo data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from tests.gui import screenshots

EXPECTED = {
    "signin",
    "signin-demo",
    "lock-screen",
    "caseload",
    "reason-dialog",
    "reason-dialog-other",
    "record-in-window",
    "set-indicator",
    "end-involvement",
    "add-involvement-consent",
    "conflicts",
    "rejected",
    "access-log",
    "online-search",
    "lease-expired",
    "record",
    "record-restricted",
    "record-shielded",
    # From the index seeded with the demo data (tests/gui/live_screenshots.py).
    "leo-marsh-as-viewer",
    "leo-marsh-as-essential",
    "ruby-stone-shielded",
}


def test_every_screen_is_rendered_to_a_png(qtbot: QtBot, tmp_path: Path) -> None:
    written = screenshots.render_all(tmp_path)
    assert {path.stem for path in written} == EXPECTED
    for path in written:
        image = QImage(str(path))
        assert not image.isNull(), path.name
        assert image.width() >= 300, path.name
        assert image.height() >= 150, path.name
