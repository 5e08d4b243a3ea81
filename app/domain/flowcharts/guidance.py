"""Bundled guidance that is not a flowchart: the seven golden rules for information sharing.

The rules are quoted from the seed guidance in ``resources/guidance/golden-rules.json``
(with their source), so the guided dialogs can show them beside a chart.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from app.domain.errors import ValidationError
from app.domain.roles import Role

NonEmptyText = Annotated[str, Field(min_length=1)]


class GoldenRule(BaseModel):
    """One golden rule: its number, its heading and the guidance's own words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    title: NonEmptyText
    text: NonEmptyText


class GoldenRules(BaseModel):
    """The seven golden rules, quoted with their source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    id: Literal["golden-rules"]
    version: Annotated[str, Field(pattern=r"^\d+\.\d+(?:\.\d+)?$")]
    title: NonEmptyText
    source: NonEmptyText
    audience: tuple[Role, ...] = Field(min_length=1)
    rules: tuple[GoldenRule, ...]

    @model_validator(mode="after")
    def _seven_in_order(self) -> GoldenRules:
        if [rule.number for rule in self.rules] != list(range(1, 8)):
            raise ValueError("the golden rules must be numbered 1 to 7, in order")
        return self


def parse_golden_rules(data: object) -> GoldenRules:
    """Validate decoded golden-rules data; refuse with ``invalid_guidance``."""
    try:
        return GoldenRules.model_validate(data)
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        location = ".".join(str(part) for part in error["loc"])
        raise ValidationError(
            "invalid_guidance",
            f"The golden rules are not valid: {location or 'document'}: {error['msg']}.",
            field=location or None,
        ) from None


@cache
def load_golden_rules() -> GoldenRules:
    """The bundled seven golden rules (read once, then cached)."""
    text = (resources.files("resources") / "guidance" / "golden-rules.json").read_text(
        encoding="utf-8"
    )
    return parse_golden_rules(json.loads(text))
