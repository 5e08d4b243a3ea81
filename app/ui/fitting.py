"""Dialogs as tall as their wrapped text needs at the width they have.

A dialog opens at its size hint, which Qt works out for a width of its own choosing; when
the dialog is then wider (a minimum width, a long button row) word-wrapped paragraphs
need fewer lines than the hint allowed, and the spare height is spread as blank bands;
when it is narrower, or the system font is large, the last lines are cut. Asking the
layout for its height at the actual width gives neither.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def fit_height(window: QWidget, *, shrink: bool = True) -> None:
    """Make ``window`` as tall as its layout needs at its current width.

    ``shrink=False`` only ever grows it: for text that appears while the user works (a
    refusal shown), so a dialog they made taller is not snapped back at each keystroke.
    """
    layout = window.layout()
    if layout is None or not layout.hasHeightForWidth():
        return
    needed = max(layout.totalHeightForWidth(window.width()), window.minimumHeight())
    if needed > window.height() or (shrink and needed < window.height()):
        window.resize(window.width(), needed)
