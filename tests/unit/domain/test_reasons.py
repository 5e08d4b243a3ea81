"""Tests for app.domain.reasons: the reason a practitioner gives for opening a record."""

from __future__ import annotations

import pydantic
import pytest

from app.domain.errors import ValidationError
from app.domain.reasons import (
    REASON_DESCRIPTIONS,
    AccessReason,
    ReasonCode,
    validate_access_reason,
)

OTHER_TEXT = "Checking a referral from school"


def test_reason_codes_are_exactly_the_fixed_list() -> None:
    assert [code.value for code in ReasonCode] == [
        "service_provision",
        "safeguarding",
        "identify_involved",
        "mediated_request",
        "data_quality",
        "subject_access",
        "other",
    ]


def test_every_reason_has_a_plain_description() -> None:
    assert set(REASON_DESCRIPTIONS) == set(ReasonCode)
    assert all(description.strip() for description in REASON_DESCRIPTIONS.values())
    assert REASON_DESCRIPTIONS[ReasonCode.SAFEGUARDING] == (
        "I have a safeguarding concern about this child"
    )


def test_descriptions_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        REASON_DESCRIPTIONS[ReasonCode.OTHER] = "changed"  # type: ignore[index]


@pytest.mark.parametrize(
    ("code", "text", "on_behalf_of", "expected"),
    [
        ("service_provision", None, None, AccessReason(code=ReasonCode.SERVICE_PROVISION)),
        (" safeguarding ", None, None, AccessReason(code=ReasonCode.SAFEGUARDING)),
        ("identify_involved", "", None, AccessReason(code=ReasonCode.IDENTIFY_INVOLVED)),
        ("data_quality", "   ", None, AccessReason(code=ReasonCode.DATA_QUALITY)),
        (
            "subject_access",
            "  SAR ref 12  ",
            None,
            AccessReason(code=ReasonCode.SUBJECT_ACCESS, text="SAR ref 12"),
        ),
        (
            "mediated_request",
            None,
            "  Test Practitioner ",
            AccessReason(code=ReasonCode.MEDIATED_REQUEST, on_behalf_of="Test Practitioner"),
        ),
        ("other", OTHER_TEXT, None, AccessReason(code=ReasonCode.OTHER, text=OTHER_TEXT)),
        (
            "other",
            "a b c d e f g h i j",
            None,
            AccessReason(code=ReasonCode.OTHER, text="a b c d e f g h i j"),
        ),
        ("other", "x" * 500, None, AccessReason(code=ReasonCode.OTHER, text="x" * 500)),
    ],
)
def test_valid_reasons(
    code: str, text: str | None, on_behalf_of: str | None, expected: AccessReason
) -> None:
    assert validate_access_reason(code, text, on_behalf_of) == expected


@pytest.mark.parametrize(
    ("code", "text", "on_behalf_of", "error_code", "field"),
    [
        (None, None, None, "reason_required", "reason_code"),
        ("", None, None, "reason_required", "reason_code"),
        ("   ", OTHER_TEXT, None, "reason_required", "reason_code"),
        ("curiosity", None, None, "invalid_reason_code", "reason_code"),
        ("Safeguarding", None, None, "invalid_reason_code", "reason_code"),
        ("other", None, None, "reason_text_required", "reason_text"),
        ("other", "   ", None, "reason_text_required", "reason_text"),
        ("other", "too short", None, "reason_text_required", "reason_text"),
        ("other", "a b c d e f g h i", None, "reason_text_required", "reason_text"),
        ("mediated_request", None, None, "on_behalf_of_required", "on_behalf_of"),
        ("mediated_request", OTHER_TEXT, "  ", "on_behalf_of_required", "on_behalf_of"),
        ("safeguarding", "x" * 501, None, "reason_text_too_long", "reason_text"),
        ("other", "x" * 501, None, "reason_text_too_long", "reason_text"),
    ],
)
def test_refused_reasons(
    code: str | None, text: str | None, on_behalf_of: str | None, error_code: str, field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_access_reason(code, text, on_behalf_of)
    assert excinfo.value.code == error_code
    assert excinfo.value.field == field
    assert excinfo.value.message


def test_other_reason_message_says_how_many_characters_are_needed() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_access_reason("other", "short")
    assert "at least 10 characters" in excinfo.value.message


def test_rules_hold_when_the_model_is_built_directly() -> None:
    with pytest.raises(ValidationError) as excinfo:
        AccessReason(code=ReasonCode.MEDIATED_REQUEST)
    assert excinfo.value.code == "on_behalf_of_required"


def test_access_reason_is_frozen() -> None:
    reason = validate_access_reason("safeguarding")
    with pytest.raises(pydantic.ValidationError):
        reason.text = "changed"  # type: ignore[misc]


def test_access_reason_forbids_unknown_fields() -> None:
    with pytest.raises(pydantic.ValidationError):
        AccessReason.model_validate({"code": "safeguarding", "child": "x"})


def test_access_reason_round_trips_through_json() -> None:
    reason = validate_access_reason("mediated_request", on_behalf_of="Test Practitioner")
    assert AccessReason.model_validate_json(reason.model_dump_json()) == reason
