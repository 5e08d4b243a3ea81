"""Where each box and arrow of a flowchart goes: a layered (Sugiyama) layout by grandalf.

A chart is a directed acyclic graph from its start to its outcomes, so it reads best the
way flowcharts are drawn on paper: in layers from top to bottom, each question above the
steps it leads to, with as few crossing arrows as the layout can manage. grandalf's
``SugiyamaLayout`` does exactly that; this module feeds it the boxes' sizes (measured by
the caller, who knows the font) and turns its answer into plain coordinates.

Answers that lead from one question to the same next step are drawn as one arrow, with
the answers' captions joined. Captions are the short form of an answer ("Yes", "Not
yet") unless two arrows from one question would then read the same.

No widgets here: the scene (:mod:`app.ui.guidance.chart_view`) draws what this computes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

from app.domain.flowcharts import ActionNode, Flowchart, OutcomeNode, QuestionNode, successors

Point = tuple[float, float]

#: Room around the drawing, in scene units (pixels at 100%).
MARGIN = 24.0
#: Gaps between boxes in a layer and between layers (arrows and captions need room).
X_SPACE = 36.0
Y_SPACE = 64.0
#: Longest caption on an arrow before it is cut short (the full answer is in the tooltip).
CAPTION_MAX = 48


@dataclass(frozen=True)
class NodeBox:
    """One node's box: its centre, width and height."""

    node_id: str
    x: float
    y: float
    width: float
    height: float

    @property
    def top(self) -> float:
        """The y of the top edge."""
        return self.y - self.height / 2

    @property
    def bottom(self) -> float:
        """The y of the bottom edge."""
        return self.y + self.height / 2

    @property
    def left(self) -> float:
        """The x of the left edge."""
        return self.x - self.width / 2


@dataclass(frozen=True)
class EdgeRoute:
    """One arrow: the answers it stands for, its caption, and the points it passes."""

    source: str
    target: str
    answer_ids: tuple[str, ...]
    caption: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class ChartLayout:
    """Every box and arrow of a chart, in scene coordinates from (0, 0)."""

    nodes: Mapping[str, NodeBox]
    edges: tuple[EdgeRoute, ...]
    width: float
    height: float


def node_caption(node: QuestionNode | ActionNode | OutcomeNode) -> str:
    """What a box says: a question or step in full, an outcome's first sentence."""
    if isinstance(node, OutcomeNode):
        return first_sentence(node.text)
    return node.text


def first_sentence(text: str) -> str:
    """Text up to the end of its first sentence."""
    match = re.search(r"[.!?](?=\s)", text)
    return text if match is None else text[: match.end()]


def _short(label: str) -> str:
    return label.split(" — ", 1)[0].strip()


def _long(label: str) -> str:
    cut = re.split(r" \(|; ", label, maxsplit=1)[0].strip()
    return cut if len(cut) <= CAPTION_MAX else cut[: CAPTION_MAX - 1].rstrip() + "…"


def answer_captions(question: QuestionNode) -> dict[str, str]:
    """The caption of each arrow leaving ``question``, by target node id."""
    groups: dict[str, list[str]] = {}
    for answer in question.answers:
        groups.setdefault(answer.next, []).append(answer.label)
    short = {
        target: " / ".join(dict.fromkeys(_short(x) for x in labels))
        for target, labels in groups.items()
    }
    clashing = {c for c in short.values() if list(short.values()).count(c) > 1}
    return {
        target: (
            " / ".join(dict.fromkeys(_long(x) for x in groups[target]))
            if caption in clashing
            else caption
        )
        for target, caption in short.items()
    }


class _BoxView:
    """What grandalf reads and writes for a vertex: its size in, its centre out."""

    def __init__(self, width: float, height: float) -> None:
        self.w = width
        self.h = height
        self.xy: Point = (0.0, 0.0)


class _EdgeView:
    """What grandalf writes for an edge: the points through its layers."""

    def __init__(self) -> None:
        self.points: list[Point] = []

    def setpath(self, points: list[Point]) -> None:
        self.points = list(points)


def layout_chart(
    chart: Flowchart,
    measure: Callable[[str, QuestionNode | ActionNode | OutcomeNode], tuple[float, float]],
) -> ChartLayout:
    """Lay ``chart`` out top to bottom; ``measure(node_id, node)`` gives each box's size."""
    vertices: dict[str, Vertex] = {}
    for node_id, node in chart.nodes.items():
        vertex = Vertex(node_id)
        vertex.view = _BoxView(*measure(node_id, node))
        vertices[node_id] = vertex
    edges: list[tuple[Edge, str, str, tuple[str, ...], str]] = []
    for node_id, node in chart.nodes.items():
        captions = answer_captions(node) if isinstance(node, QuestionNode) else {}
        for target in dict.fromkeys(successors(node)):
            answer_ids = (
                tuple(a.id for a in node.answers if a.next == target)
                if isinstance(node, QuestionNode)
                else ()
            )
            edge = Edge(vertices[node_id], vertices[target])
            edge.view = _EdgeView()
            edges.append((edge, node_id, target, answer_ids, captions.get(target, "")))
    graph = Graph(list(vertices.values()), [e for e, *_ in edges])
    # The chart schema refuses cycles and unreachable nodes, so there is one component.
    component = graph.C[0]
    sugiyama = SugiyamaLayout(component)
    sugiyama.xspace = X_SPACE
    sugiyama.yspace = Y_SPACE
    # Long arrows pass through "dummy" boxes in the layers they cross: keep them narrow.
    sugiyama.dw, sugiyama.dh = 24.0, 24.0
    sugiyama.init_all(roots=[vertices[chart.start]], inverted_edges=[])
    sugiyama.draw(3)
    _keep_apart(sugiyama)
    sugiyama.draw_edges()
    boxes = {
        node_id: NodeBox(node_id, v.view.xy[0], v.view.xy[1], v.view.w, v.view.h)
        for node_id, v in vertices.items()
    }
    left = min(b.left for b in boxes.values())
    top = min(b.top for b in boxes.values())
    dx, dy = MARGIN - left, MARGIN - top
    boxes = {k: NodeBox(k, b.x + dx, b.y + dy, b.width, b.height) for k, b in boxes.items()}
    routes = _routes(boxes, [(e.view.points, s, t, a, c) for e, s, t, a, c in edges], dx, dy)
    width = max(b.x + b.width / 2 for b in boxes.values()) + MARGIN
    height = max(b.bottom for b in boxes.values()) + MARGIN
    for route in routes:
        width = max(width, *(x + MARGIN for x, _ in route.points))
    return ChartLayout(boxes, tuple(routes), width, height)


def _keep_apart(sugiyama: SugiyamaLayout) -> None:
    """Push boxes in a layer apart where averaging the four alignments squeezed them.

    grandalf's final x is the mean of four Brandes–Köpf placements; each keeps the gap,
    but their mean need not, and a box drawn touching its neighbour reads as one.
    """
    for layer in sugiyama.layers:
        placed = sorted(layer, key=lambda v: v.view.xy[0])
        for before, after in itertools.pairwise(placed):
            least = before.view.xy[0] + (before.view.w + after.view.w) / 2 + X_SPACE
            if after.view.xy[0] < least:
                after.view.xy = (least, after.view.xy[1])


def _routes(
    boxes: Mapping[str, NodeBox],
    edges: list[tuple[list[Point], str, str, tuple[str, ...], str]],
    dx: float,
    dy: float,
) -> list[EdgeRoute]:
    """Arrows leave a box's bottom and enter the next one's top, spread side by side."""
    leaving: dict[str, list[int]] = {}
    entering: dict[str, list[int]] = {}
    middles: list[list[Point]] = []
    for position, (points, source, target, _answers, _caption) in enumerate(edges):
        middles.append([(x + dx, y + dy) for x, y in points[1:-1]])
        leaving.setdefault(source, []).append(position)
        entering.setdefault(target, []).append(position)

    def toward(position: int, end: str) -> float:
        _points, source, target, _a, _c = edges[position]
        middle = middles[position]
        if end == "source":
            return middle[0][0] if middle else boxes[target].x
        return middle[-1][0] if middle else boxes[source].x

    def spread(box: NodeBox, positions: list[int], end: str) -> dict[int, float]:
        ordered = sorted(positions, key=lambda p: toward(p, end))
        step = min(box.width / (len(ordered) + 1), 48.0)
        first = box.x - step * (len(ordered) - 1) / 2
        return {p: first + step * i for i, p in enumerate(ordered)}

    starts: dict[int, float] = {}
    ends: dict[int, float] = {}
    for node_id, positions in leaving.items():
        starts.update(spread(boxes[node_id], positions, "source"))
    for node_id, positions in entering.items():
        ends.update(spread(boxes[node_id], positions, "target"))
    routes = []
    for position, (_points, source, target, answers, caption) in enumerate(edges):
        start = (starts[position], boxes[source].bottom)
        end = (ends[position], boxes[target].top)
        stub = Y_SPACE / 4
        points = [
            start,
            (start[0], start[1] + stub),
            *middles[position],
            (end[0], end[1] - stub),
            end,
        ]
        routes.append(EdgeRoute(source, target, answers, caption, tuple(points)))
    return routes
