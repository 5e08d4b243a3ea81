"""Validation of the identifying details a child's record holds (PRODUCT.md §2).

Each validator takes what a practitioner typed, returns it in the one canonical form the
index stores and compares, or raises :class:`~app.domain.errors.ValidationError` with a
stable code. Messages say what to fix and never repeat the value back: it is personal data
and may end up in logs or on a shared screen.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from app.domain.errors import ValidationError
from app.domain.retention import RetentionPolicy, is_due_for_destruction

# ASCII digits only: ``\d`` would also accept Arabic-Indic and other Unicode digits.
_NHS_NUMBER = re.compile(r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}")
_NHS_WEIGHTS = range(10, 1, -1)

# Outward code (A9, A99, A9A, AA9, AA99, AA9A) then inward code (9AA), matched on the
# upper-cased value with all whitespace removed; GIR 0AA is the one historic exception.
_POSTCODE = re.compile(
    r"(?:[A-Z][0-9]{1,2}|[A-Z][0-9][A-Z]|[A-Z]{2}[0-9]{1,2}|[A-Z]{2}[0-9][A-Z])"  # outward
    r"[0-9][A-Z]{2}"  # inward
)
_POSTCODE_GIR = "GIR0AA"
_INWARD_LENGTH = 3

NAME_MAX_LENGTH = 100
_NAME_PUNCTUATION = frozenset(" -'\u2019.")


def validate_nhs_number(value: str) -> str:
    """Return the NHS number as 10 plain digits, checking its modulus-11 check digit.

    Accepts ``9434765919``, ``943 476 5919`` or ``943-476-5919``.
    """
    text = value.strip()
    if not _NHS_NUMBER.fullmatch(text):
        raise ValidationError(
            "invalid_nhs_number",
            "An NHS number is 10 digits, for example 943 476 5919. Check the number and try again.",
            field="nhs_number",
        )
    digits = text.replace(" ", "").replace("-", "")
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    # A computed check of 10 means no NHS number can have these first nine digits.
    if check == 10 or check != int(digits[9]):
        raise ValidationError(
            "nhs_number_checksum",
            "This is not a valid NHS number: one or more digits are wrong. "
            "Check each digit against the original document.",
            field="nhs_number",
        )
    return digits


def validate_postcode(value: str) -> str:
    """Return a UK postcode in upper case with one space before the inward code."""
    compact = "".join(value.split()).upper()
    if compact != _POSTCODE_GIR and not _POSTCODE.fullmatch(compact):
        raise ValidationError(
            "invalid_postcode",
            "This is not a valid UK postcode. Enter it in a form such as SW1A 1AA.",
            field="postcode",
        )
    return f"{compact[:-_INWARD_LENGTH]} {compact[-_INWARD_LENGTH:]}"


def postcode_district(postcode: str) -> str:
    """The outward code of a postcode: ``"BN1 1AA"`` gives ``"BN1"``.

    Search results show only this district, not the full postcode (PRODUCT.md §3).
    """
    return validate_postcode(postcode).split(" ", 1)[0]


def validate_date_of_birth(value: date, *, today: date, retention_age: int = 19) -> date:
    """Refuse a date of birth in the future or one the retention policy has passed."""
    if value > today:
        raise ValidationError(
            "date_of_birth_in_future",
            "The date of birth cannot be in the future. Check the date and try again.",
            field="date_of_birth",
        )
    if is_due_for_destruction(value, today, RetentionPolicy(destroy_at_age=retention_age)):
        raise ValidationError(
            "date_of_birth_beyond_retention",
            f"The index only holds records for children under {retention_age}, and this "
            f"date of birth means the child is {retention_age} or older. Check the date.",
            field="date_of_birth",
        )
    return value


def validate_name(value: str, *, field: str = "name") -> str:
    """Return a tidied personal name: NFC form, trimmed, single spaces.

    Letters and accents from any script are allowed, with spaces, hyphens, apostrophes
    (straight and curly) and full stops, so "Zoë", "O'Neill", "Nguyễn" and "Þóra" pass.
    """
    # NFC first so that "e" + combining diaeresis and a precomposed "ë" count as the
    # same single character for the length limit and compare equal once stored.
    name = " ".join(unicodedata.normalize("NFC", value).split())
    label = field.replace("_", " ")
    if not name:
        raise ValidationError("invalid_name", f"Enter the {label}.", field=field)
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            "invalid_name",
            f"The {label} must be {NAME_MAX_LENGTH} characters or fewer.",
            field=field,
        )
    has_letter = False
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("L"):
            has_letter = True
        elif not category.startswith("M") and char not in _NAME_PUNCTUATION:
            raise ValidationError(
                "invalid_name",
                f"The {label} can only contain letters, spaces, hyphens, apostrophes and "
                "full stops. Remove any numbers or other symbols.",
                field=field,
            )
    if not has_letter:
        raise ValidationError(
            "invalid_name", f"The {label} must contain at least one letter.", field=field
        )
    return name
