"""A flowchart drawn as boxes and arrows, with the path walked so far highlighted.

PRODUCT.md §4: the guided dialog "shows the chart with the path taken so far
highlighted". :class:`ChartScene` draws a chart laid out in layers by
:mod:`app.ui.guidance.chart_layout` — questions as six-sided boxes, steps to take as
plain boxes, outcomes as rounded boxes with a heavy border — and :meth:`ChartScene.set_path`
marks the way taken: each box passed gets a heavier border and its step number, the box
the practitioner is at is marked "You are here", and the arrows taken are drawn thick.
Shape, line weight, numbers and words carry every meaning, so the chart reads the same
in black and white (``colour=False``, used for printing) as on screen. In high contrast
(:func:`app.ui.contrast.high_contrast`) :class:`ChartView` draws in the system's colours
instead — its text on its base, no tints, no grey — while paper keeps ours.

:class:`ChartView` shows a scene; it zooms with Ctrl and +/−/0 and keeps the current box
in sight.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPolygonF,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.domain.flowcharts import ActionNode, Flowchart, OutcomeNode, QuestionNode
from app.ui.contrast import high_contrast
from app.ui.guidance.chart_layout import (
    ChartLayout,
    EdgeRoute,
    NodeBox,
    layout_chart,
    node_caption,
)

#: Width of the text in a box, in average characters (boxes grow downwards, not sideways).
TEXT_CHARS = 30
PADDING = 9.0
#: How far a question's side points stand out from its text.
POINT = 12.0
ARROW = 9.0
#: Zoomed out no further than this at first, so the words stay readable.
MIN_START_ZOOM = 0.75


@dataclass(frozen=True)
class Palette:
    """Pens and fills for a scene: on screen, in the system's colours, or in black and white."""

    ink: QColor
    faint: QColor
    fill: QColor
    action_fill: QColor
    visited: QBrush
    current: QBrush
    #: Behind arrow captions, step numbers and the "You are here" tag.
    label_back: QColor
    #: Behind the whole chart.
    background: QColor

    @staticmethod
    def for_view() -> Palette:
        """For a chart on screen: ours on an ordinary palette, the system's in high contrast."""
        system = QGuiApplication.palette()
        return Palette.for_system(system) if high_contrast(system) else Palette.for_screen()

    @staticmethod
    def for_screen() -> Palette:
        """Our own colours, as on an ordinary screen (and on a colour printer)."""
        return Palette(
            ink=QColor("#0b0c0c"),
            faint=QColor("#505a5f"),
            fill=QColor("#ffffff"),
            action_fill=QColor("#f3f2f1"),
            visited=QBrush(QColor("#fff2a8")),
            current=QBrush(QColor("#ffdd00")),
            label_back=QColor("#ffffff"),
            background=QColor("#ffffff"),
        )

    @staticmethod
    def for_system(palette: QPalette) -> Palette:
        """``palette``'s text on its base and nothing between: the path shows by its marks.

        Line weight, step numbers and the "You are here" tag mark the path; a tint
        would be a third colour the user did not choose, and grey would fade.
        """
        group = QPalette.ColorGroup.Active
        ink = palette.color(group, QPalette.ColorRole.Text)
        base = palette.color(group, QPalette.ColorRole.Base)
        return Palette(
            ink=ink,
            faint=ink,
            fill=base,
            action_fill=base,
            visited=QBrush(base),
            current=QBrush(base),
            label_back=base,
            background=base,
        )

    @staticmethod
    def for_print() -> Palette:
        black, white = QColor("black"), QColor("white")
        return Palette(
            ink=black,
            faint=black,
            fill=white,
            action_fill=white,
            visited=QBrush(white),
            current=QBrush(QColor("#d9d9d9")),
            label_back=white,
            background=white,
        )


def _kind(node: QuestionNode | ActionNode | OutcomeNode) -> str:
    if isinstance(node, QuestionNode):
        return "question"
    if isinstance(node, ActionNode):
        return "action"
    return "outcome"


class NodeItem(QGraphicsItem):
    """One box of the chart."""

    def __init__(
        self, box: NodeBox, kind: str, caption: str, font: QFont, palette: Palette
    ) -> None:
        super().__init__()
        self.box = box
        self.kind = kind
        self.caption = caption
        self._font = font
        self._palette = palette
        #: The step number on the path walked, or ``None`` off the path.
        self.step: int | None = None
        self.current = False
        #: The words on the current box's tag ("You are here", or "Decided here" for a replay).
        self.marker = ""
        self.setPos(box.left, box.top)
        self.setToolTip(caption)

    @property
    def node_id(self) -> str:
        """The chart node this box draws."""
        return self.box.node_id

    def recolour(self, palette: Palette) -> None:
        """Draw with ``palette`` from the next paint."""
        self._palette = palette
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The box, with room for its step number and the "You are here" tag."""
        return QRectF(-14, -14, self.box.width + 28, self.box.height + 28)

    def outline(self) -> QPainterPath:
        """The box's shape: six-sided for a question, rounded for an outcome."""
        w, h = self.box.width, self.box.height
        path = QPainterPath()
        if self.kind == "question":
            path.addPolygon(
                QPolygonF(
                    [
                        QPointF(POINT, 0),
                        QPointF(w - POINT, 0),
                        QPointF(w, h / 2),
                        QPointF(w - POINT, h),
                        QPointF(POINT, h),
                        QPointF(0, h / 2),
                        QPointF(POINT, 0),
                    ]
                )
            )
        elif self.kind == "outcome":
            path.addRoundedRect(QRectF(0, 0, w, h), 14, 14)
        else:
            path.addRect(QRectF(0, 0, w, h))
        return path

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        """Draw the box, its words and, on the path, its number."""
        palette = self._palette
        on_path = self.step is not None
        weight = 1.5
        if self.kind == "outcome":
            weight = 3.0
        if on_path:
            weight += 1.5
        if self.current:
            weight += 1.0
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.current:
            fill = palette.current
        elif on_path:
            fill = palette.visited
        else:
            fill = QBrush(palette.action_fill if self.kind == "action" else palette.fill)
        painter.setPen(QPen(palette.ink, weight))
        painter.setBrush(fill)
        painter.drawPath(self.outline())
        if self.kind == "outcome":
            # A second, inner line: an outcome is an end, whatever the printer does.
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(palette.ink, 0.8))
            inner = QPainterPath()
            inner.addRoundedRect(QRectF(4, 4, self.box.width - 8, self.box.height - 8), 11, 11)
            painter.drawPath(inner)
        inset = PADDING + (POINT if self.kind == "question" else 0)
        painter.setFont(self._font)
        painter.setPen(palette.ink)
        painter.drawText(
            QRectF(inset, PADDING, self.box.width - 2 * inset, self.box.height - 2 * PADDING),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            self.caption,
        )
        if self.step is not None:
            self._badge(painter, str(self.step))
        if self.current:
            self._here(painter)

    def _badge(self, painter: QPainter, text: str) -> None:
        bold = QFont(self._font)
        bold.setBold(True)
        painter.setFont(bold)
        size = QFontMetricsF(bold).height() + 4
        circle = QRectF(-size / 3, -size / 3, size, size)
        painter.setPen(QPen(self._palette.ink, 1.5))
        painter.setBrush(self._palette.label_back)
        painter.drawEllipse(circle)
        painter.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), text)

    def _here(self, painter: QPainter) -> None:
        bold = QFont(self._font)
        bold.setBold(True)
        painter.setFont(bold)
        text = self.marker or QApplication.translate("ChartScene", "You are here")
        metrics = QFontMetricsF(bold)
        width = metrics.horizontalAdvance(text) + 10
        tag = QRectF(self.box.width - width, -metrics.height() - 2, width, metrics.height() + 2)
        painter.setPen(QPen(self._palette.ink, 1.5))
        painter.setBrush(self._palette.label_back)
        painter.drawRect(tag)
        painter.drawText(tag, int(Qt.AlignmentFlag.AlignCenter), text)


class EdgeItem(QGraphicsItem):
    """One arrow, with its answer caption."""

    def __init__(
        self,
        route: EdgeRoute,
        font: QFont,
        palette: Palette,
        tooltip: str,
        caption_rect: QRectF,
    ) -> None:
        super().__init__()
        self.route = route
        self._font = font
        self._palette = palette
        self.taken = False
        self.setToolTip(tooltip)
        self.setZValue(-1)
        path = QPainterPath(QPointF(*route.points[0]))
        for x, y in route.points[1:]:
            path.lineTo(x, y)
        self._path = path
        self._caption_rect = caption_rect

    def recolour(self, palette: Palette) -> None:
        """Draw with ``palette`` from the next paint."""
        self._palette = palette
        self.update()

    @property
    def caption_rect(self) -> QRectF:
        """Where the caption sits (empty for an arrow from a step to take)."""
        return QRectF(self._caption_rect)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The arrow's path and its caption, with room for the line's width."""
        return self._path.boundingRect().united(self._caption_rect).adjusted(-12, -12, 12, 12)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        """Draw the line, its arrowhead and its caption."""
        palette = self._palette
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = palette.ink if self.taken else palette.faint
        weight = 3.5 if self.taken else 1.2
        painter.setPen(QPen(colour, weight))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        (_x, _y), (x, y) = self.route.points[-2], self.route.points[-1]
        size = ARROW + (3 if self.taken else 0)
        head = QPolygonF(
            [QPointF(x, y), QPointF(x - size / 2, y - size), QPointF(x + size / 2, y - size)]
        )
        painter.setPen(QPen(colour, 1))
        painter.setBrush(colour)
        painter.drawPolygon(head)
        if self.route.caption:
            font = QFont(self._font)
            font.setBold(self.taken)
            painter.setFont(font)
            painter.setPen(QPen(colour, 1))
            painter.setBrush(palette.label_back)
            painter.drawRect(self._caption_rect)
            painter.drawText(
                self._caption_rect, int(Qt.AlignmentFlag.AlignCenter), self.route.caption
            )


def _caption_place(route: EdgeRoute, metrics: QFontMetricsF, taken: list[QRectF]) -> QRectF:
    """Where an arrow's caption goes: on the arrow, clear of boxes and other captions.

    The first stretch below the question is tried first, where the answer is read; then
    further along the arrow.
    """
    if not route.caption:
        return QRectF()
    width = metrics.horizontalAdvance(route.caption) + 8
    height = metrics.height() + 2
    points = route.points
    candidates = [(1, t) for t in (0.35, 0.6, 0.8, 0.2)]
    candidates += [(i, 0.5) for i in range(2, len(points) - 2)]
    first: QRectF | None = None
    for segment, t in candidates:
        (x0, y0), (x1, y1) = points[segment], points[segment + 1]
        x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        rect = QRectF(x - width / 2, y - height / 2, width, height)
        if first is None:
            first = rect
        if not any(rect.intersects(other) for other in taken):
            return rect
    assert first is not None
    return first


class ChartScene(QGraphicsScene):
    """A whole chart, laid out, with the path walked so far marked."""

    def __init__(
        self,
        chart: Flowchart,
        *,
        colour: bool = True,
        font: QFont | None = None,
        palette: Palette | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.chart = chart
        if palette is None:
            palette = Palette.for_screen() if colour else Palette.for_print()
        self._palette = palette
        self._font = QFont(font if font is not None else QApplication.font())
        if self._font.pixelSize() <= 0:
            # In scene units, so the words scale with the boxes on any device — a printer's
            # 1200 dpi would otherwise turn a 10-point caption into a giant.
            screen = QGuiApplication.primaryScreen()
            dpi = screen.logicalDotsPerInch() if screen is not None else 96.0
            self._font.setPixelSize(max(1, round(self._font.pointSizeF() * dpi / 72)))
        metrics = QFontMetricsF(self._font)
        text_width = metrics.averageCharWidth() * TEXT_CHARS
        flags = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)

        def measure(
            _node_id: str, node: QuestionNode | ActionNode | OutcomeNode
        ) -> tuple[float, float]:
            caption = node_caption(node)
            needed = metrics.boundingRect(QRectF(0, 0, text_width, 1e6), flags, caption)
            width = text_width + 2 * PADDING + (2 * POINT if isinstance(node, QuestionNode) else 0)
            return width, needed.height() + 2 * PADDING + 2

        self.layout: ChartLayout = layout_chart(chart, measure)
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[tuple[str, str], EdgeItem] = {}
        for node_id, box in self.layout.nodes.items():
            node = chart.nodes[node_id]
            item = NodeItem(box, _kind(node), node_caption(node), self._font, self._palette)
            self.addItem(item)
            self.nodes[node_id] = item
        taken: list[QRectF] = [
            QRectF(b.left, b.top, b.width, b.height).adjusted(-4, -4, 4, 4)
            for b in self.layout.nodes.values()
        ]
        for route in self.layout.edges:
            source = chart.nodes[route.source]
            labels = (
                [a.label for a in source.answers if a.id in route.answer_ids]
                if isinstance(source, QuestionNode)
                else []
            )
            rect = _caption_place(route, metrics, taken)
            taken.append(rect.adjusted(-3, -3, 3, 3))
            edge = EdgeItem(route, self._font, self._palette, "\n".join(labels), rect)
            self.addItem(edge)
            self.edges[(route.source, route.target)] = edge
        self.setSceneRect(QRectF(0, 0, self.layout.width, self.layout.height))
        self.current_id: str | None = None

    @property
    def colours(self) -> Palette:
        """The pens and fills the scene is drawn with."""
        return self._palette

    def set_colours(self, palette: Palette) -> None:
        """Draw with ``palette`` from now on (the system's contrast changed)."""
        self._palette = palette
        for node in self.nodes.values():
            node.recolour(palette)
        for edge in self.edges.values():
            edge.recolour(palette)
        self.update()

    def set_path(self, path: Sequence[tuple[str, str | None]], *, marker: str = "") -> None:
        """Mark the walk's path (``Walk.path``): numbered boxes, thick arrows, a tag on the last.

        The tag says ``marker`` ("You are here" unless told otherwise).
        """
        for item in self.nodes.values():
            item.step = None
            item.current = False
            item.marker = marker
        for edge in self.edges.values():
            edge.taken = False
        ids = [node_id for node_id, _answer in path]
        for number, node_id in enumerate(ids, start=1):
            self.nodes[node_id].step = number
        for source, target in itertools.pairwise(ids):
            self.edges[(source, target)].taken = True
        self.current_id = ids[-1] if ids else None
        if self.current_id is not None:
            self.nodes[self.current_id].current = True
        self.update()

    def marked_nodes(self) -> list[str]:
        """The boxes on the path, in step order (for tests and screen readers)."""
        marked = [(item.step, node_id) for node_id, item in self.nodes.items() if item.step]
        return [node_id for _step, node_id in sorted(marked)]

    def taken_edges(self) -> list[tuple[str, str]]:
        """The arrows drawn as taken."""
        return sorted(key for key, edge in self.edges.items() if edge.taken)


class ChartView(QGraphicsView):
    """Shows a :class:`ChartScene`; Ctrl with +, − or 0 zooms in, out or to fit."""

    def __init__(self, chart: Flowchart, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartView")
        self.chart_scene = ChartScene(chart, palette=Palette.for_view(), parent=self)
        self.setScene(self.chart_scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(self.chart_scene.colours.background)
        self.setAccessibleName(self.tr("Flowchart: {title}").format(title=chart.title))
        self.setAccessibleDescription(
            self.tr("A drawing of the chart. The same steps are listed in words beside it.")
        )
        self._zoom = 1.0
        self._shown = False

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        """Follow the system when its palette or contrast changes while the chart is open."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            wanted = Palette.for_view()
            if wanted != self.chart_scene.colours:
                self.chart_scene.set_colours(wanted)
                self.setBackgroundBrush(wanted.background)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """The first time it is shown, zoom out a little if that fits the chart's width."""
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            width = self.chart_scene.sceneRect().width()
            room = self.viewport().width()
            if width > room > 0:
                self.zoom_by(max(MIN_START_ZOOM, room / width))
            # The box on show, or the start: where the reader's eye goes first.
            current = self.chart_scene.current_id or self.chart_scene.chart.start
            self.ensureVisible(self.chart_scene.nodes[current], 40, 40)

    def show_path(self, path: Sequence[tuple[str, str | None]], *, marker: str = "") -> None:
        """Mark the path (tagging its last box with ``marker``) and bring that box into sight."""
        self.chart_scene.set_path(path, marker=marker)
        current = self.chart_scene.current_id
        if current is not None:
            self.ensureVisible(self.chart_scene.nodes[current], 40, 40)

    def zoom_by(self, factor: float) -> None:
        """Zoom in (``factor`` > 1) or out, within 25% to 400%."""
        wanted = min(4.0, max(0.25, self._zoom * factor))
        self.scale(wanted / self._zoom, wanted / self._zoom)
        self._zoom = wanted

    def fit(self) -> None:
        """Zoom so the whole chart fits (never larger than 100%)."""
        self.resetTransform()
        self._zoom = 1.0
        rect = self.chart_scene.sceneRect()
        view = self.viewport().rect()
        if rect.width() > 0 and rect.height() > 0:
            factor = min(1.0, view.width() / rect.width(), view.height() / rect.height())
            self.zoom_by(factor)

    @property
    def zoom(self) -> float:
        """The zoom level (1.0 is 100%)."""
        return self._zoom

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Ctrl and +/=, − or 0 zoom; arrow keys scroll (Qt's own)."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            key = event.key()
            if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
                self.zoom_by(1.25)
                return
            if key == Qt.Key.Key_Minus:
                self.zoom_by(0.8)
                return
            if key == Qt.Key.Key_0:
                self.fit()
                return
        super().keyPressEvent(event)
