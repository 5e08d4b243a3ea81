"""Whether the system asks for high contrast, and how much contrast two colours have.

The issue: the client must be "readable in a high-contrast theme". Under Windows' "High
Contrast Black" (white text on black, yellow and cyan highlights), "High Contrast
White", or a desktop's high-contrast scheme, the user has chosen their own text and
background colours — often because pale backgrounds hurt or blur — so the client takes
its colours from the system's palette there, rather than painting its own pale
banners and charts (:func:`app.ui.application.apply_look`,
:func:`app.ui.banners.high_contrast_rules`, :class:`app.ui.guidance.chart_view.Palette`).
On an ordinary palette the client keeps its own look.

How high contrast is detected (:func:`high_contrast`), first match wins:

1. **The system says so.** Qt 6.10 added ``QStyleHints.accessibility().contrastPreference()``,
   which is ``Qt.ContrastPreference.HighContrast`` when Windows' contrast themes, macOS's
   "Increase contrast" or (through the desktop portal) a Linux desktop's high-contrast
   setting is on. It is the only reliable signal for themes whose colours look
   ordinary, such as Windows 11's "Desert" (dark grey text on cream).
2. **The palette says so.** Some platforms and Qt setups (X11 without the portal, a
   high-contrast colour scheme picked in KDE, an application started with a
   high-contrast palette, the offscreen platform in our tests) report no preference
   but hand Qt a high-contrast palette. A palette counts as one when its window
   background is pure black or pure white and its window text stands at least
   :data:`PALETTE_CONTRAST`:1 against it — as in "High Contrast Black" (21:1),
   "High Contrast White" (21:1), "#1" (yellow on black, 19.6:1) and "#2" (green on
   black, 15.3:1). The ordinary palettes of Windows (#f0f0f0), macOS (#ececec), Fusion
   (#efefef), Breeze and Adwaita have an off-white or grey window, so they keep the
   client's own look.

``QStyleHints.colorScheme()`` is not used: it tells dark from light, and a dark scheme
is not a high-contrast one (the client's banners carry their own dark text, so they read
in a dark scheme too).

Contrast is WCAG 2's: the ratio of the lighter colour's relative luminance to the
darker's, each plus 0.05, from 1:1 to 21:1. AA asks 4.5:1 for text, AAA 7:1.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

#: The least contrast between window and window text for a palette to count as high contrast.
PALETTE_CONTRAST = 15.0
#: WCAG 2 AA for text.
AA = 4.5
#: WCAG 2 AAA for text: what high contrast is held to.
AAA = 7.0


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: QColor) -> float:
    """WCAG 2's relative luminance of ``colour``: 0 for black, 1 for white."""
    return (
        0.2126 * _linear(colour.red())
        + 0.7152 * _linear(colour.green())
        + 0.0722 * _linear(colour.blue())
    )


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG 2's contrast ratio of two colours, from 1.0 (the same) to 21.0 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def palette_is_high_contrast(palette: QPalette) -> bool:
    """True if ``palette`` is a high-contrast one: a black or white window, text far from it."""
    window = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText)
    pure = (window.rgb() & 0xFFFFFF) in (0x000000, 0xFFFFFF)
    return pure and contrast_ratio(window, text) >= PALETTE_CONTRAST


def system_prefers_high_contrast() -> bool:
    """True if the platform reports that the user asked for high contrast."""
    if QGuiApplication.instance() is None:
        return False
    # Held in a variable: a temporary QStyleHints wrapper takes its accessibility hints'
    # wrapper with it when it goes (PySide 6.12), and the call then fails.
    hints = QGuiApplication.styleHints()
    preference = hints.accessibility().contrastPreference()
    return bool(preference == Qt.ContrastPreference.HighContrast)


def high_contrast(palette: QPalette | None = None) -> bool:
    """True if the look should follow the system's colours (see the module's docstring).

    ``palette`` defaults to the application's.
    """
    if system_prefers_high_contrast():
        return True
    return palette_is_high_contrast(palette if palette is not None else QGuiApplication.palette())
