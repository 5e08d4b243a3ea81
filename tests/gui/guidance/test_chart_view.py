"""The chart drawn in layers: every box and arrow placed, none overlapping, the path marked."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.domain.flowcharts import load_flowchart, load_flowcharts, replay, successors
from app.ui.guidance.chart_layout import answer_captions, first_sentence
from app.ui.guidance.chart_view import ChartScene, ChartView

CHART_IDS = sorted(load_flowcharts())


def box(scene: ChartScene, node_id: str) -> QRectF:
    b = scene.layout.nodes[node_id]
    return QRectF(b.left, b.top, b.width, b.height)


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_every_node_and_answer_is_drawn_in_layers_without_overlap(
    qtbot: QtBot, chart_id: str
) -> None:
    chart = load_flowchart(chart_id)
    scene = ChartScene(chart)
    assert set(scene.nodes) == set(chart.nodes)
    expected_edges = {
        (node_id, target) for node_id, node in chart.nodes.items() for target in successors(node)
    }
    assert set(scene.edges) == expected_edges
    for first, second in itertools.combinations(chart.nodes, 2):
        assert not box(scene, first).intersects(box(scene, second)), (first, second)
    for (source, target), edge in scene.edges.items():
        points = edge.route.points
        # Down the page: out of the bottom of one box, into the top of the next.
        assert points[0][1] == pytest.approx(box(scene, source).bottom())
        assert points[-1][1] == pytest.approx(box(scene, target).top())
        assert box(scene, target).top() > box(scene, source).bottom()
    assert scene.sceneRect().contains(scene.itemsBoundingRect().adjusted(12, 12, -12, -12))


def test_answers_leading_to_the_same_step_share_one_arrow() -> None:
    chart = load_flowchart("should-i-share")
    scene = ChartScene(chart)
    arrow = scene.edges[("public_interest", "proportionate")]
    assert arrow.route.answer_ids == (
        "child_significant_harm",
        "adult_serious_harm",
        "serious_crime",
    )
    assert arrow.route.caption == "Yes"
    assert arrow.toolTip().count("\n") == 2


def test_captions_that_would_read_the_same_are_told_apart() -> None:
    question = load_flowchart("should-i-share").nodes["statutory"]
    assert answer_captions(question) == {  # type: ignore[arg-type]
        "out_share_statutory_duty": "Yes — a statutory duty",
        "out_share_legal_obligation": "Yes — a court order or other legal obligation",
        "public_interest": "No",
    }


def test_captions_sit_clear_of_boxes_and_of_each_other() -> None:
    scene = ChartScene(load_flowchart("should-i-share"))
    captions = [e.caption_rect for e in scene.edges.values() if not e.caption_rect.isEmpty()]
    for first, second in itertools.combinations(captions, 2):
        assert not first.intersects(second)
    for caption in captions:
        for node_id in scene.nodes:
            assert not caption.intersects(box(scene, node_id)), node_id


def test_an_outcome_box_says_its_first_sentence() -> None:
    scene = ChartScene(load_flowchart("should-i-share"))
    assert scene.nodes["out_do_not_share"].caption == "Do not share."
    assert first_sentence("Seek advice. Then decide.") == "Seek advice."
    assert scene.nodes["purpose"].kind == "question"
    assert scene.nodes["out_do_not_share"].kind == "outcome"


def test_the_path_walked_is_numbered_and_its_arrows_drawn_thick() -> None:
    chart = load_flowchart("sensitive-involvement-consent")
    scene = ChartScene(chart)
    walk = replay(chart, [("consent", "refused"), ("child_protection", "yes")])
    scene.set_path(walk.path)
    assert scene.marked_nodes() == [
        "consent",
        "child_protection",
        "consult",
        "out_record_with_override",
    ]
    assert [scene.nodes[n].step for n in scene.marked_nodes()] == [1, 2, 3, 4]
    assert scene.current_id == "out_record_with_override"
    assert scene.nodes["out_record_with_override"].current
    assert not scene.nodes["consent"].current
    assert scene.taken_edges() == [
        ("child_protection", "consult"),
        ("consent", "child_protection"),
        ("consult", "out_record_with_override"),
    ]
    scene.set_path(walk.path[:1])
    assert scene.marked_nodes() == ["consent"]
    assert scene.taken_edges() == []


def _render(scene: ChartScene) -> QImage:
    rect = scene.sceneRect()
    image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    scene.render(painter, QRectF(image.rect()), rect)
    painter.end()
    return image


def _colours(image: QImage) -> tuple[int, int]:
    """(pixels that are not grey, pixels that are not white), sampled every 2 pixels."""
    coloured = inked = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            if pixel != QColor("white"):
                inked += 1
            if not (pixel.red() == pixel.green() == pixel.blue()):
                coloured += 1
    return coloured, inked


def test_the_print_version_is_black_and_white_and_the_screen_version_is_not() -> None:
    chart = load_flowchart("sensitive-involvement-consent")
    walk = replay(chart, [("consent", "yes")])
    for colour in (False, True):
        scene = ChartScene(chart, colour=colour)
        scene.set_path(walk.path)
        coloured, inked = _colours(_render(scene))
        assert inked > 1000
        assert (coloured > 0) is colour


def test_the_view_zooms_with_the_keyboard(qtbot: QtBot) -> None:
    view = ChartView(load_flowchart("should-i-share"))
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    start = view.zoom
    QTest.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(min(4.0, start * 1.25))
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(start)
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    rect = view.chart_scene.sceneRect()
    assert view.zoom == pytest.approx(
        min(1.0, view.viewport().width() / rect.width(), view.viewport().height() / rect.height())
    )
    assert view.accessibleName() == "Flowchart: Should I share this information?"
