"""Flowcharts as data: the guided consent and information-sharing decisions (PRODUCT.md §4).

``schema`` defines a versioned chart and checks its graph; ``engine`` walks a chart one
question at a time and replays stored answers; ``catalogue`` loads the bundled charts from
``resources/flowcharts/``; ``guidance`` loads the seven golden rules; ``decisions`` turns
a finished walk into the decision record (or the sensitive-involvement consent) to store;
``paths`` puts a walk, or a stored one, into words. Pure Python: no Qt, no database.
"""

from __future__ import annotations

from app.domain.flowcharts.catalogue import (
    bundled_flowcharts_dir,
    load_flowchart,
    load_flowcharts,
    load_flowcharts_from,
    parse_flowchart,
    parse_flowchart_json,
)
from app.domain.flowcharts.decisions import (
    DecisionAnswers,
    build_decision,
    build_involvement_consent,
    build_withdrawal,
    can_withdraw,
    form_fields,
    is_recordable,
    withdrawal_of,
)
from app.domain.flowcharts.engine import Walk, WalkResult, replay
from app.domain.flowcharts.guidance import (
    GoldenRule,
    GoldenRules,
    load_golden_rules,
    parse_golden_rules,
)
from app.domain.flowcharts.paths import PathStep, StoredPath, path_steps, replay_stored
from app.domain.flowcharts.schema import (
    SCHEMA_VERSION,
    ActionNode,
    Answer,
    ChartKind,
    DecisionBasis,
    Flowchart,
    Node,
    OutcomeDecision,
    OutcomeNode,
    QuestionNode,
    RecordField,
    successors,
)

__all__ = [
    "SCHEMA_VERSION",
    "ActionNode",
    "Answer",
    "ChartKind",
    "DecisionAnswers",
    "DecisionBasis",
    "Flowchart",
    "GoldenRule",
    "GoldenRules",
    "Node",
    "OutcomeDecision",
    "OutcomeNode",
    "PathStep",
    "QuestionNode",
    "RecordField",
    "StoredPath",
    "Walk",
    "WalkResult",
    "build_decision",
    "build_involvement_consent",
    "build_withdrawal",
    "bundled_flowcharts_dir",
    "can_withdraw",
    "form_fields",
    "is_recordable",
    "load_flowchart",
    "load_flowcharts",
    "load_flowcharts_from",
    "load_golden_rules",
    "parse_flowchart",
    "parse_flowchart_json",
    "parse_golden_rules",
    "path_steps",
    "replay",
    "replay_stored",
    "successors",
    "withdrawal_of",
]
