"""The bundled flowcharts: every ``*.json`` file in ``resources/flowcharts/``.

Charts are read once and cached. A chart that does not parse, breaks the schema or the
graph rules, repeats a key, or reuses another chart's id is refused with
``invalid_flowchart``; pydantic's own errors never leave this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType

from pydantic import ValidationError as PydanticValidationError

from app.domain.errors import DomainError, ValidationError
from app.domain.flowcharts.schema import Flowchart


def parse_flowchart(data: Mapping[str, object]) -> Flowchart:
    """Validate already-decoded chart data; refuse with ``invalid_flowchart``."""
    try:
        return Flowchart.model_validate(dict(data))
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        location = ".".join(str(part) for part in error["loc"])
        chart_id = data.get("id")
        name = f"Flowchart '{chart_id}'" if isinstance(chart_id, str) else "A flowchart"
        raise ValidationError(
            "invalid_flowchart",
            f"{name} is not valid: {location or 'chart'}: {error['msg']}.",
            field=location or None,
        ) from None


def parse_flowchart_json(text: str, *, source_name: str = "flowchart") -> Flowchart:
    """Decode and validate one chart file's text (duplicate keys are refused)."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKeyError as exc:
        raise ValidationError(
            "invalid_flowchart", f"{source_name} names '{exc.key}' twice.", field=exc.key
        ) from None
    except json.JSONDecodeError as exc:
        raise ValidationError(
            "invalid_flowchart", f"{source_name} is not valid JSON: {exc.msg} (line {exc.lineno})."
        ) from None
    if not isinstance(data, dict):
        raise ValidationError("invalid_flowchart", f"{source_name} must hold a JSON object.")
    return parse_flowchart(data)


def load_flowcharts_from(directory: Traversable) -> Mapping[str, Flowchart]:
    """Read every ``*.json`` chart in ``directory``, by chart id (sorted by file name)."""
    charts: dict[str, Flowchart] = {}
    origin: dict[str, str] = {}
    files = sorted(
        (item for item in directory.iterdir() if item.is_file() and item.name.endswith(".json")),
        key=lambda item: item.name,
    )
    for item in files:
        chart = parse_flowchart_json(item.read_text(encoding="utf-8"), source_name=item.name)
        if chart.id in charts:
            raise ValidationError(
                "invalid_flowchart",
                f"Flowchart '{chart.id}' is defined twice, in {origin[chart.id]} and {item.name}.",
                field="id",
            )
        charts[chart.id] = chart
        origin[chart.id] = item.name
    return MappingProxyType(charts)


def bundled_flowcharts_dir() -> Traversable:
    """Where the bundled charts live: ``resources/flowcharts/``."""
    return resources.files("resources") / "flowcharts"


@cache
def load_flowcharts() -> Mapping[str, Flowchart]:
    """Every bundled chart, by id (read once, then cached)."""
    return load_flowcharts_from(bundled_flowcharts_dir())


def load_flowchart(chart_id: str) -> Flowchart:
    """The bundled chart called ``chart_id``; ``unknown_flowchart`` if there is none."""
    try:
        return load_flowcharts()[chart_id]
    except KeyError:
        raise DomainError(
            "unknown_flowchart", f"There is no flowchart called '{chart_id}'."
        ) from None


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result
