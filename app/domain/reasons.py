"""Reasons for opening a child's record (PRODUCT.md §3).

Every time a record is opened — online or from the offline cache — the practitioner gives
a reason from a fixed list, stored with the access in the audit trail. An
:class:`AccessReason` can only be built if it satisfies the rules, so anything holding one
can write it to the audit trail without checking again.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Self

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from app.domain.errors import ValidationError

REASON_TEXT_MAX_LENGTH = 500
OTHER_REASON_MIN_CHARACTERS = 10


class ReasonCode(StrEnum):
    """The fixed list of reasons; the values are the ``reason_code`` strings of the API."""

    SERVICE_PROVISION = "service_provision"
    SAFEGUARDING = "safeguarding"
    IDENTIFY_INVOLVED = "identify_involved"
    MEDIATED_REQUEST = "mediated_request"
    DATA_QUALITY = "data_quality"
    SUBJECT_ACCESS = "subject_access"
    OTHER = "other"


REASON_DESCRIPTIONS: Mapping[ReasonCode, str] = MappingProxyType(
    {
        ReasonCode.SERVICE_PROVISION: (
            "I am providing, or about to provide, a service to this child"
        ),
        ReasonCode.SAFEGUARDING: "I have a safeguarding concern about this child",
        ReasonCode.IDENTIFY_INVOLVED: "I need to find out who else is working with this child",
        ReasonCode.MEDIATED_REQUEST: "Another authorised practitioner asked me to look this up",
        ReasonCode.DATA_QUALITY: "Checking or correcting the record's accuracy",
        ReasonCode.SUBJECT_ACCESS: "Handling a subject access request",
        ReasonCode.OTHER: "Anything else: describe it in at least 10 characters",
    }
)


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


class AccessReason(BaseModel):
    """A validated reason for one access to a record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: ReasonCode
    text: str | None = None
    on_behalf_of: str | None = None

    @field_validator("text", "on_behalf_of", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return _blank_to_none(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        # DomainError is not a ValueError, so pydantic lets it through unwrapped and
        # callers get the same stable code however the reason was built.
        if self.text is not None and len(self.text) > REASON_TEXT_MAX_LENGTH:
            raise ValidationError(
                "reason_text_too_long",
                f"The reason must be {REASON_TEXT_MAX_LENGTH} characters or fewer. "
                "Shorten it and try again.",
                field="reason_text",
            )
        if self.code is ReasonCode.OTHER:
            visible = sum(not char.isspace() for char in self.text or "")
            if visible < OTHER_REASON_MIN_CHARACTERS:
                raise ValidationError(
                    "reason_text_required",
                    f"You chose 'other': describe your reason in at least "
                    f"{OTHER_REASON_MIN_CHARACTERS} characters.",
                    field="reason_text",
                )
        if self.code is ReasonCode.MEDIATED_REQUEST and self.on_behalf_of is None:
            raise ValidationError(
                "on_behalf_of_required",
                "Say which practitioner asked you to look up this record.",
                field="on_behalf_of",
            )
        return self


def validate_access_reason(
    code: str | None, text: str | None = None, on_behalf_of: str | None = None
) -> AccessReason:
    """Build an :class:`AccessReason` from what the practitioner chose and typed."""
    stripped_code = (code or "").strip()
    if not stripped_code:
        raise ValidationError(
            "reason_required",
            "Choose a reason for opening this record.",
            field="reason_code",
        )
    try:
        reason_code = ReasonCode(stripped_code)
    except ValueError:
        raise ValidationError(
            "invalid_reason_code",
            "That is not one of the listed reasons. Choose a reason from the list.",
            field="reason_code",
        ) from None
    return AccessReason(code=reason_code, text=text, on_behalf_of=on_behalf_of)
