"""Banners: a strip of text across a window that must not be missed.

The DEMO banner (PRODUCT.md §7–§8: a demo must be "clearly marked DEMO on screen"), the
"further information exists" notice on a record, the shielded notice, and messages in
the sign-in window. Each states its point in words (and a leading word such as "DEMO"
or "Note"), so it reads the same in black and white and to a screen reader; the
stylesheet adds colour only as a second signal. Text scales with the system font.

In high contrast (:func:`app.ui.contrast.high_contrast`) the stylesheet's pale tints
give way to :func:`high_contrast_rules`: every banner takes the system's own window and
text colours, told apart by its words and its border's weight, and the DEMO banner is
drawn in reverse (window text as its background) so it still cannot be missed.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class Tone(StrEnum):
    """How a banner looks; the stylesheet keys on it (``tone`` property)."""

    DEMO = "demo"
    NOTICE = "notice"
    WARNING = "warning"
    ERROR = "error"
    INFO = "info"


#: In high contrast a banner's border, in pixels: heavier for what must not be missed.
HIGH_CONTRAST_BORDER: dict[Tone, int] = {
    Tone.DEMO: 3,
    Tone.ERROR: 3,
    Tone.WARNING: 3,
    Tone.NOTICE: 2,
    Tone.INFO: 1,
}


def high_contrast_rules(palette: QPalette) -> str:
    """Stylesheet rules giving every banner ``palette``'s window and window-text colours.

    Appended after the stylesheet's own banner rules, whose selectors they repeat, so
    they win. The colours are written out rather than left to the stylesheet's
    ``palette(window)``, so a new palette makes a new sheet, which
    :func:`app.ui.application.apply_look` then applies afresh.
    """
    group = QPalette.ColorGroup.Active
    window = palette.color(group, QPalette.ColorRole.Window).name()
    text = palette.color(group, QPalette.ColorRole.WindowText).name()
    rules = []
    for tone in Tone:
        background, ink = (text, window) if tone is Tone.DEMO else (window, text)
        selector = f'QFrame[tone="{tone.value}"]'
        rules.append(
            f"{selector} {{ background: {background}; "
            f"border: {HIGH_CONTRAST_BORDER[tone]}px solid {text}; border-radius: 0px; }}\n"
            f"{selector} QLabel {{ color: {ink}; background: transparent; }}"
        )
    return "\n".join(rules) + "\n"


class Banner(QFrame):
    """A framed, word-wrapped message; the text is selectable so it can be copied."""

    def __init__(self, text: str, tone: Tone, *, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("tone", tone.value)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(text)
        self.label.setObjectName(f"{name}Text")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self.setAccessibleName(text)

    @property
    def text(self) -> str:
        """What the banner says."""
        return self.label.text()

    def set_text(self, text: str) -> None:
        """Change what the banner says."""
        self.label.setText(text)
        self.setAccessibleName(text)


def demo_banner(parent: QWidget | None = None) -> Banner:
    """The DEMO banner shown on every window in demo mode."""
    text = QCoreApplication.translate(
        "Banner",
        "DEMO — synthetic children on a throwaway index. Nothing here is about a real "
        "person, and this computer's copy is deleted when you quit.",
    )
    banner = Banner(text, Tone.DEMO, name="demoBanner", parent=parent)
    font = banner.label.font()
    font.setBold(True)
    banner.label.setFont(font)
    return banner
