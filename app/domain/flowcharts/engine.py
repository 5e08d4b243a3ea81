"""Walking a flowchart one step at a time, and replaying a stored walk.

The guided dialog (PRODUCT.md §4) asks one question at a time, lets the practitioner go
back, and ends at an outcome whose decision record stores the chart id, its version and the
answers given. :class:`Walk` is that state machine; :func:`replay` rebuilds a walk from the
stored answers (to show the full path again) and refuses answers that do not fit the chart.

Only questions have answers. Action steps are acknowledged with :meth:`Walk.advance`; a
replay passes through them on its own, because there is only one way on from an action.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from app.domain.errors import DomainError, ValidationError
from app.domain.flowcharts.schema import (
    ActionNode,
    DecisionBasis,
    Flowchart,
    OutcomeDecision,
    OutcomeNode,
    QuestionNode,
    RecordField,
)

AnyNode = QuestionNode | ActionNode | OutcomeNode


class WalkResult(BaseModel):
    """What a finished walk decided, and the answers that led there (stored with the record)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chart_id: str
    chart_version: str
    answers: tuple[tuple[str, str], ...]
    outcome_node_id: str
    decision: OutcomeDecision
    basis: DecisionBasis | None
    record_fields: tuple[RecordField, ...]


class Walk:
    """One practitioner's way through one chart: the current node and the steps so far."""

    def __init__(self, chart: Flowchart) -> None:
        self._chart = chart
        self._steps: list[tuple[str, str | None]] = []
        self._current = chart.start

    def __repr__(self) -> str:
        return f"Walk(chart={self._chart.id!r}, current={self._current!r})"

    @property
    def chart(self) -> Flowchart:
        """The chart being walked."""
        return self._chart

    @property
    def current_id(self) -> str:
        """The id of the node the practitioner is at."""
        return self._current

    @property
    def current(self) -> AnyNode:
        """The node the practitioner is at."""
        return self._chart.nodes[self._current]

    @property
    def path(self) -> tuple[tuple[str, str | None], ...]:
        """Every node visited, in order, with the answer given (``None`` for actions and here)."""
        return (*self._steps, (self._current, None))

    @property
    def answers(self) -> tuple[tuple[str, str], ...]:
        """The (question id, answer id) pairs given so far."""
        return tuple((node, answer) for node, answer in self._steps if answer is not None)

    @property
    def is_finished(self) -> bool:
        """True once the walk has reached an outcome."""
        return isinstance(self.current, OutcomeNode)

    @property
    def outcome(self) -> OutcomeNode | None:
        """The outcome reached, or ``None`` while the walk goes on."""
        node = self.current
        return node if isinstance(node, OutcomeNode) else None

    @property
    def can_go_back(self) -> bool:
        """False at the start, where there is nothing to go back to."""
        return bool(self._steps)

    def answer(self, answer_id: str) -> AnyNode:
        """Answer the current question with ``answer_id``; return the node it leads to."""
        node = self.current
        if isinstance(node, OutcomeNode):
            raise _finished(self._chart)
        if isinstance(node, ActionNode):
            raise ValidationError(
                "invalid_answer",
                "This step is something to do, not a question: carry it out, then go on.",
                field="answer",
            )
        for answer in node.answers:
            if answer.id == answer_id:
                self._steps.append((self._current, answer_id))
                self._current = answer.next
                return self.current
        raise ValidationError(
            "invalid_answer",
            f"'{answer_id}' is not one of the answers to this question.",
            field="answer",
        )

    def advance(self) -> AnyNode:
        """Go on from the current action step; return the node it leads to."""
        node = self.current
        if isinstance(node, OutcomeNode):
            raise _finished(self._chart)
        if isinstance(node, QuestionNode):
            raise ValidationError(
                "answer_required", "Choose an answer to this question to go on.", field="answer"
            )
        self._steps.append((self._current, None))
        self._current = node.next
        return self.current

    def back(self) -> AnyNode:
        """Return to the previous question or action, forgetting the answer given there."""
        if not self._steps:
            raise DomainError(
                "walk_at_start", "This is the first question; there is no going back."
            )
        self._current, _ = self._steps.pop()
        return self.current

    def result(self) -> WalkResult:
        """The decision this walk reached (``walk_not_finished`` before an outcome)."""
        outcome = self.outcome
        if outcome is None:
            raise DomainError(
                "walk_not_finished", "Answer the remaining questions to reach a decision."
            )
        return WalkResult(
            chart_id=self._chart.id,
            chart_version=self._chart.version,
            answers=self.answers,
            outcome_node_id=self._current,
            decision=outcome.decision,
            basis=outcome.basis,
            record_fields=outcome.record,
        )


def _finished(chart: Flowchart) -> DomainError:
    return DomainError(
        "walk_finished", f"The walk through '{chart.title}' has already reached its outcome."
    )


def replay(chart: Flowchart, answers: Iterable[tuple[str, str]]) -> Walk:
    """Rebuild a walk from stored (question id, answer id) pairs.

    Action steps are passed through on the way, including after the last answer, so a
    complete set of stored answers leads back to the same outcome. Answers that name a
    question the walk is not at, an answer the question does not have, or go on past the
    outcome are refused with ``invalid_answer`` — for example when the chart has changed
    since the answers were stored.
    """
    walk = Walk(chart)
    for position, (node_id, answer_id) in enumerate(answers, start=1):
        _pass_actions(walk)
        if walk.is_finished or walk.current_id != node_id:
            here = "the outcome" if walk.is_finished else f"'{walk.current_id}'"
            raise ValidationError(
                "invalid_answer",
                f"Stored answer {position} is for '{node_id}', but the walk through "
                f"'{chart.id}' version {chart.version} is at {here}.",
                field="answers",
            )
        try:
            walk.answer(answer_id)
        except ValidationError as exc:
            raise ValidationError(
                "invalid_answer",
                f"Stored answer {position} ('{answer_id}') is not an answer to '{node_id}' "
                f"in '{chart.id}' version {chart.version}.",
                field="answers",
            ) from exc
    _pass_actions(walk)
    return walk


def _pass_actions(walk: Walk) -> None:
    while isinstance(walk.current, ActionNode):
        walk.advance()
