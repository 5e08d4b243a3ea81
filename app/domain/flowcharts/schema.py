"""The shape of a flowchart: versioned, schema-validated data (PRODUCT.md §4).

A flowchart is a directed acyclic graph of nodes. A *question* offers answers, each leading
to another node; an *action* is a step the practitioner performs (for example "discuss with
your manager") and leads on to one node; an *outcome* ends the walk with a decision, its
lawful basis and the decision-record fields the practitioner must complete (golden rule 7:
"Keep a record of your decision and the reasons for it").

The charts themselves are JSON files in ``resources/flowcharts/``, written from the seed
documents. :class:`Flowchart` checks the graph when it is built; a broken chart is refused
with ``invalid_flowchart`` naming the chart and the node.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.errors import ValidationError
from app.domain.roles import Role

#: The only schema version this code reads.
SCHEMA_VERSION: Literal[1] = 1

_ID_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
_VERSION_PATTERN = r"^\d+\.\d+(?:\.\d+)?$"

NonEmptyText = Annotated[str, Field(min_length=1)]
NodeId = Annotated[str, Field(pattern=_ID_PATTERN, max_length=64)]


class ChartKind(StrEnum):
    """A *decision* chart ends in a decision to record; a *procedure* chart is guidance."""

    DECISION = "decision"
    PROCEDURE = "procedure"


class OutcomeDecision(StrEnum):
    """What an outcome tells the practitioner to do."""

    SHARE = "share"
    DO_NOT_SHARE = "do_not_share"
    SEEK_CONSENT = "seek_consent"
    DO_NOT_SEEK_CONSENT = "do_not_seek_consent"
    GUIDANCE = "guidance"
    RECORD_WITH_CONSENT = "record_with_consent"
    RECORD_WITH_OVERRIDE = "record_with_override"
    DO_NOT_RECORD = "do_not_record"


class DecisionBasis(StrEnum):
    """The lawful basis an outcome rests on (PRODUCT.md §4; seed 000 §13)."""

    EXPLICIT_CONSENT = "explicit_consent"
    IMPLIED_CONSENT = "implied_consent"
    PUBLIC_INTEREST = "public_interest"
    LEGAL_OBLIGATION = "legal_obligation"
    STATUTORY_DUTY = "statutory_duty"
    CRIME_AND_DISORDER_S115 = "crime_and_disorder_s115"
    CHILD_PROTECTION_OVERRIDE = "child_protection_override"


class RecordField(StrEnum):
    """A field of the decision record the practitioner must complete at an outcome."""

    DECISION = "decision"
    BASIS = "basis"
    CONSENT_FROM = "consent_from"
    COMPETENCE_JUDGEMENT = "competence_judgement"
    INFORMATION_SHARED = "information_shared"
    SHARED_WITH = "shared_with"
    PURPOSE = "purpose"
    REASONS = "reasons"
    CONSULTED = "consulted"
    PERSON_INFORMED = "person_informed"
    REVIEW_DATE = "review_date"
    JUSTIFICATION = "justification"


_CONSENT_BASES = frozenset({DecisionBasis.EXPLICIT_CONSENT, DecisionBasis.IMPLIED_CONSENT})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Answer(_Model):
    """One answer to a question, and the node it leads to."""

    id: NodeId
    label: NonEmptyText
    next: NodeId


class QuestionNode(_Model):
    """A question in plain language, with help text quoting the guidance and its source."""

    type: Literal["question"] = "question"
    text: NonEmptyText
    help: str = ""
    answers: tuple[Answer, ...]


class ActionNode(_Model):
    """A step the practitioner performs before going on (for example "seek advice")."""

    type: Literal["action"] = "action"
    text: NonEmptyText
    help: str = ""
    next: NodeId


class OutcomeNode(_Model):
    """The end of a walk: the decision, its basis and what the practitioner must record."""

    type: Literal["outcome"] = "outcome"
    text: NonEmptyText
    help: str = ""
    decision: OutcomeDecision
    basis: DecisionBasis | None = None
    record: tuple[RecordField, ...]


Node = Annotated[QuestionNode | ActionNode | OutcomeNode, Field(discriminator="type")]


def successors(node: QuestionNode | ActionNode | OutcomeNode) -> tuple[str, ...]:
    """The ids of the nodes ``node`` can lead to, in answer order."""
    if isinstance(node, QuestionNode):
        return tuple(answer.next for answer in node.answers)
    if isinstance(node, ActionNode):
        return (node.next,)
    return ()


class Flowchart(_Model):
    """A versioned flowchart: a directed acyclic graph from ``start`` to outcomes."""

    schema_version: Literal[1] = 1
    id: Annotated[str, Field(pattern=_ID_PATTERN, max_length=64)]
    version: Annotated[str, Field(pattern=_VERSION_PATTERN)]
    title: NonEmptyText
    summary: NonEmptyText
    source: NonEmptyText
    kind: ChartKind
    audience: tuple[Role, ...] = Field(min_length=1)
    start: NodeId
    nodes: dict[NodeId, Node] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_graph(self) -> Flowchart:
        _check_chart(self)
        return self

    @property
    def outcomes(self) -> dict[str, OutcomeNode]:
        """The chart's outcome nodes, by id."""
        return {k: v for k, v in self.nodes.items() if isinstance(v, OutcomeNode)}


def _invalid(chart: Flowchart, problem: str, field: str) -> ValidationError:
    return ValidationError("invalid_flowchart", f"Flowchart '{chart.id}' {problem}", field=field)


def _check_chart(chart: Flowchart) -> None:
    """Refuse a broken graph, naming the chart and the node.

    "Every path ends in an outcome" follows from the checks together: every question has
    at least two answers and every action a ``next``, every target exists, and there are no
    cycles — so a path can only stop at a node with no way on, which is an outcome.
    """
    if len(set(chart.audience)) != len(chart.audience):
        raise _invalid(chart, "lists a role twice in its audience.", "audience")
    if chart.start not in chart.nodes:
        raise _invalid(chart, f"starts at '{chart.start}', which is not one of its nodes.", "start")
    for node_id, node in chart.nodes.items():
        _check_node(chart, node_id, node)
    _check_acyclic(chart)
    reachable = _reachable(chart)
    for node_id in chart.nodes:
        if node_id not in reachable:
            raise _invalid(
                chart, f"node '{node_id}' cannot be reached from '{chart.start}'.", "nodes"
            )


def _check_node(
    chart: Flowchart, node_id: str, node: QuestionNode | ActionNode | OutcomeNode
) -> None:
    where = f"nodes.{node_id}"
    if isinstance(node, QuestionNode):
        if len(node.answers) < 2:
            raise _invalid(
                chart,
                f"question '{node_id}' needs at least two answers (a path must lead on "
                "to an outcome; a single step is an action).",
                f"{where}.answers",
            )
        seen: set[str] = set()
        for answer in node.answers:
            if answer.id in seen:
                raise _invalid(
                    chart,
                    f"question '{node_id}' has two answers called '{answer.id}'.",
                    f"{where}.answers",
                )
            seen.add(answer.id)
    for target in successors(node):
        if target not in chart.nodes:
            raise _invalid(
                chart, f"node '{node_id}' leads to '{target}', which does not exist.", where
            )
    if isinstance(node, OutcomeNode):
        _check_outcome(chart, node_id, node)


def _check_outcome(chart: Flowchart, node_id: str, node: OutcomeNode) -> None:
    where = f"nodes.{node_id}"
    if not node.record:
        raise _invalid(
            chart,
            f"outcome '{node_id}' lists no decision-record fields (golden rule 7: keep a "
            "record of your decision and the reasons for it).",
            f"{where}.record",
        )
    if len(set(node.record)) != len(node.record):
        raise _invalid(chart, f"outcome '{node_id}' lists a record field twice.", f"{where}.record")
    if chart.kind is ChartKind.PROCEDURE and node.decision is not OutcomeDecision.GUIDANCE:
        raise _invalid(
            chart, f"is a procedure chart, so outcome '{node_id}' must be guidance.", where
        )
    needs: list[tuple[bool, str, str]] = [
        (
            node.basis in _CONSENT_BASES,
            RecordField.CONSENT_FROM,
            "a consent basis needs to record whose consent",
        ),
        (
            node.decision is OutcomeDecision.RECORD_WITH_CONSENT,
            RecordField.CONSENT_FROM,
            "recording with consent needs to record whose consent",
        ),
        (
            node.decision is OutcomeDecision.RECORD_WITH_OVERRIDE,
            RecordField.JUSTIFICATION,
            "an override needs a written justification",
        ),
    ]
    for applies, field_name, why in needs:
        if applies and field_name not in node.record:
            raise _invalid(
                chart, f"outcome '{node_id}': {why} ('{field_name}').", f"{where}.record"
            )
    expected_basis = {
        OutcomeDecision.RECORD_WITH_CONSENT: DecisionBasis.EXPLICIT_CONSENT,
        OutcomeDecision.RECORD_WITH_OVERRIDE: DecisionBasis.CHILD_PROTECTION_OVERRIDE,
    }.get(node.decision)
    if expected_basis is not None and node.basis is not expected_basis:
        raise _invalid(
            chart,
            f"outcome '{node_id}' ({node.decision}) must rest on '{expected_basis}'.",
            f"{where}.basis",
        )
    if (
        node.basis is DecisionBasis.CHILD_PROTECTION_OVERRIDE
        and node.decision is not OutcomeDecision.RECORD_WITH_OVERRIDE
    ):
        raise _invalid(
            chart,
            f"outcome '{node_id}': the child-protection override applies only to "
            "record_with_override.",
            f"{where}.basis",
        )


def _check_acyclic(chart: Flowchart) -> None:
    """Refuse any cycle (iterative depth-first search over every node)."""
    done: set[str] = set()
    for root in chart.nodes:
        if root in done:
            continue
        on_path: set[str] = {root}
        stack: list[tuple[str, list[str]]] = [(root, list(successors(chart.nodes[root])))]
        while stack:
            node_id, pending = stack[-1]
            if not pending:
                stack.pop()
                on_path.discard(node_id)
                done.add(node_id)
                continue
            target = pending.pop()
            if target in on_path:
                raise _invalid(
                    chart,
                    f"has a cycle: node '{node_id}' leads back to '{target}'.",
                    f"nodes.{node_id}",
                )
            if target not in done:
                on_path.add(target)
                stack.append((target, list(successors(chart.nodes[target]))))


def _reachable(chart: Flowchart) -> set[str]:
    seen = {chart.start}
    frontier = [chart.start]
    while frontier:
        for target in successors(chart.nodes[frontier.pop()]):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen
