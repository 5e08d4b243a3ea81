"""A walk as words: the questions asked and the answers given, for showing a path again.

A decision record stores the chart id, its version and the (question id, answer id)
pairs (PRODUCT.md §4). :func:`path_steps` turns a walk into the steps a reader follows —
question and answer, action taken, outcome reached — and :func:`replay_stored` rebuilds
the walk from a stored record. A chart may have changed, or gone, since the decision was
made: then the stored answers are still shown, as they were stored, with a plain note
saying why the path cannot be drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from app.domain.errors import DomainError
from app.domain.flowcharts.engine import Walk, replay
from app.domain.flowcharts.schema import ActionNode, Flowchart, OutcomeNode, QuestionNode

StepKind = Literal["question", "action", "outcome"]


@dataclass(frozen=True)
class PathStep:
    """One step of a walk: the node, its words, and the answer given there (questions)."""

    node_id: str
    kind: StepKind
    text: str
    answer_id: str | None = None
    answer_label: str | None = None


@dataclass(frozen=True)
class StoredPath:
    """A stored walk, replayed against the bundled chart where it still fits.

    ``walk`` is ``None`` when the chart is unknown here or the stored answers no longer
    fit it; ``problem`` then says why, and ``steps`` hold the stored answers as ids.
    ``version_differs`` is true when the chart has changed version since (the path is
    still drawn if the answers fit).
    """

    chart: Flowchart | None
    walk: Walk | None
    steps: tuple[PathStep, ...]
    problem: str | None = None
    version_differs: bool = False


def path_steps(walk: Walk) -> tuple[PathStep, ...]:
    """Every step of ``walk`` so far, in order, with the answer labels as the chart words them."""
    chart = walk.chart
    steps: list[PathStep] = []
    for node_id, answer_id in walk.path:
        node = chart.nodes[node_id]
        if isinstance(node, QuestionNode):
            label = next((a.label for a in node.answers if a.id == answer_id), None)
            steps.append(PathStep(node_id, "question", node.text, answer_id, label))
        elif isinstance(node, ActionNode):
            steps.append(PathStep(node_id, "action", node.text))
        else:
            assert isinstance(node, OutcomeNode)
            steps.append(PathStep(node_id, "outcome", node.text))
    return tuple(steps)


def replay_stored(
    charts: Mapping[str, Flowchart],
    chart_id: str | None,
    chart_version: str | None,
    answers: Iterable[tuple[str, str]],
) -> StoredPath:
    """Replay a stored walk against ``charts``; never raises for a chart that has changed."""
    stored = tuple(answers)
    raw = tuple(PathStep(q, "question", q, a, a) for q, a in stored)
    if chart_id is None:
        return StoredPath(None, None, raw, "This decision was not made with a flowchart.")
    chart = charts.get(chart_id)
    if chart is None:
        return StoredPath(
            None,
            None,
            raw,
            f"The flowchart '{chart_id}' is not on this computer, so the answers are shown "
            "as they were stored.",
        )
    differs = chart_version is not None and chart_version != chart.version
    try:
        walk = replay(chart, stored)
    except DomainError:
        return StoredPath(
            chart,
            None,
            raw,
            f"The answers were given to version {chart_version} of “{chart.title}”, and "
            f"no longer fit version {chart.version}, so they are shown as they were stored.",
            differs,
        )
    return StoredPath(chart, walk, path_steps(walk), None, differs)
