"""The colour, pattern and name of each role, for guidance colour-coded by who it is for.

Seed 004: the guidance is "colour-coded, user specific" — and "not all organisations
will be able to print in colour", so a version legible in black and white is needed.
Every role therefore has three signals, never colour alone: its **name**, written beside
every swatch; a **pattern** (hatching) that survives a black-and-white printer; and a
**colour** for screens and colour printers. The colours are dark enough to carry white
text — at least 4.5:1, WCAG AA (GOV.UK's brown and turquoise, at about 3.2:1, are
darkened for that) — and distinct for the common forms of colour blindness (after the
GOV.UK palette).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPixmap

from app.domain.roles import ROLE_LABELS, Role


@dataclass(frozen=True)
class RoleStyle:
    """How guidance for one role is marked."""

    colour: str
    pattern: Qt.BrushStyle
    #: The pattern in words, for the key printed with the guidance.
    pattern_name: str


ROLE_STYLES: dict[Role, RoleStyle] = {
    Role.VIEWER: RoleStyle("#1d70b8", Qt.BrushStyle.HorPattern, "horizontal lines"),
    Role.PRACTITIONER: RoleStyle("#00703c", Qt.BrushStyle.BDiagPattern, "diagonal lines"),
    Role.ESSENTIAL: RoleStyle("#d4351c", Qt.BrushStyle.DiagCrossPattern, "cross-hatching"),
    Role.INDEX_MANAGER: RoleStyle("#4c2c92", Qt.BrushStyle.VerPattern, "vertical lines"),
    Role.USER_ADMIN: RoleStyle("#916d33", Qt.BrushStyle.Dense5Pattern, "dots"),
    Role.DATA_MANAGER: RoleStyle("#208179", Qt.BrushStyle.CrossPattern, "squares"),
}

#: The order roles are listed in: as PRODUCT.md §1 lists them.
ROLE_ORDER: tuple[Role, ...] = tuple(Role)


def role_name(role: Role) -> str:
    """The role's name as practitioners read it, translated."""
    return QCoreApplication.translate("roles", ROLE_LABELS[role])


def role_names(roles: tuple[Role, ...] | frozenset[Role]) -> str:
    """Several roles' names, in the usual order, joined for a sentence."""
    return ", ".join(role_name(r) for r in ROLE_ORDER if r in roles)


def paint_swatch(painter: QPainter, rect: QRectF, role: Role, *, colour: bool) -> None:
    """Fill ``rect`` with the role's pattern (over its colour, when printing in colour)."""
    style = ROLE_STYLES[role]
    ink = QColor(style.colour) if colour else QColor("black")
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    if colour:
        painter.setBrush(QColor(style.colour).lighter(185))
        painter.drawRect(rect)
    else:
        painter.setBrush(QColor("white"))
        painter.drawRect(rect)
    painter.setBrush(QBrush(ink, style.pattern))
    painter.drawRect(rect)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(ink, 1.5))
    painter.drawRect(rect.adjusted(0.75, 0.75, -0.75, -0.75))
    painter.restore()


def swatch_image(role: Role, *, colour: bool, size: int = 32) -> QImage:
    """A square swatch for the role, as an image (for text documents and lists)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_swatch(painter, QRectF(0, 0, size, size), role, colour=colour)
    painter.end()
    return image


def swatch_pixmap(role: Role, *, colour: bool = True, size: int = 16) -> QPixmap:
    """The swatch as a pixmap, for icons beside list entries."""
    return QPixmap.fromImage(swatch_image(role, colour=colour, size=size))
