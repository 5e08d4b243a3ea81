"""Search criteria and the query that finds children by them (PRODUCT.md §3).

A search needs at least two criteria, or an exact index id or NHS number on its own, so
that nobody can browse the index by a single common name. Each criterion is first put
through the domain's validator (a bad postcode is refused, not silently unmatched), then
becomes one condition of the query; all conditions must hold.

Names match tolerantly and exactly as ``app.domain.names.names_match`` does on the
client: every word typed must equal a word of the stored name, be the start (three
letters or more) of one, or sound like one (Metaphone). The stored ``*_norm`` and
``*_phonetic`` columns hold the words space-separated, so a word is found with ``LIKE``
at the start, in the middle or at the end of the column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.domain.errors import ValidationError
from app.domain.identifiers import validate_index_id
from app.domain.names import MIN_PREFIX_LENGTH, name_tokens, phonetic_key
from app.domain.retention import RetentionPolicy
from app.domain.validators import (
    validate_date_of_birth,
    validate_name,
    validate_nhs_number,
    validate_postcode,
)
from server.children.models import ChildRow

#: Criteria that identify one child exactly, and so may be used on their own.
EXACT_CRITERIA = frozenset({"index_id", "nhs_number"})
MIN_CRITERIA = 2


@dataclass(frozen=True)
class Criteria:
    """Validated search criteria, in the canonical forms the index stores."""

    family_name: str | None = None
    given_names: str | None = None
    date_of_birth: date | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    index_id: str | None = None

    def used(self) -> dict[str, Any]:
        """The criteria given, by name (for the audit entry)."""
        values: dict[str, Any] = {
            "family_name": self.family_name,
            "given_names": self.given_names,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "postcode": self.postcode,
            "nhs_number": self.nhs_number,
            "index_id": self.index_id,
        }
        return {name: value for name, value in values.items() if value is not None}


def _given(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return value


def _parse_date_of_birth(value: str, *, today: date, policy: RetentionPolicy) -> date:
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            "invalid_date_of_birth",
            "Enter the date of birth as year-month-day, for example 2015-03-14.",
            field="date_of_birth",
        ) from None
    return validate_date_of_birth(parsed, today=today, retention_age=policy.destroy_at_age)


def parse_criteria(
    *,
    family_name: str | None,
    given_names: str | None,
    date_of_birth: str | None,
    postcode: str | None,
    nhs_number: str | None,
    index_id: str | None,
    today: date,
    policy: RetentionPolicy,
) -> Criteria:
    """Check the criteria are enough and valid; return them in canonical form.

    Refuses with ``insufficient_criteria`` before validating any value, so the message
    about the two-criteria rule is what a one-criterion search always gets.
    """
    raw = {
        "family_name": _given(family_name),
        "given_names": _given(given_names),
        "date_of_birth": _given(date_of_birth),
        "postcode": _given(postcode),
        "nhs_number": _given(nhs_number),
        "index_id": _given(index_id),
    }
    present = {name for name, value in raw.items() if value is not None}
    if len(present) < MIN_CRITERIA and not present & EXACT_CRITERIA:
        raise ValidationError(
            "insufficient_criteria",
            "Enter at least two details to search, for example family name and date of "
            "birth, or name and postcode — or an exact index ID or NHS number on its own.",
        )
    dob = raw["date_of_birth"]
    criteria = Criteria(
        family_name=(
            validate_name(raw["family_name"], field="family_name") if raw["family_name"] else None
        ),
        given_names=(
            validate_name(raw["given_names"], field="given_names") if raw["given_names"] else None
        ),
        date_of_birth=_parse_date_of_birth(dob, today=today, policy=policy) if dob else None,
        postcode=validate_postcode(raw["postcode"]) if raw["postcode"] else None,
        nhs_number=validate_nhs_number(raw["nhs_number"]) if raw["nhs_number"] else None,
        index_id=validate_index_id(raw["index_id"]) if raw["index_id"] else None,
    )
    # A name of punctuation only normalises to nothing and would match nothing useful.
    for name in ("family_name", "given_names"):
        value = getattr(criteria, name)
        if value is not None and not name_tokens(value):
            raise ValidationError(
                "invalid_name", "Enter a name with at least one letter.", field=name
            )
    return criteria


def _word_in(column: InstrumentedAttribute[str], word: str) -> ColumnElement[bool]:
    """``word`` is one whole word of the space-separated ``column``."""
    return or_(
        column == word,
        column.like(f"{word} %"),
        column.like(f"% {word}"),
        column.like(f"% {word} %"),
    )


def _word_starts(column: InstrumentedAttribute[str], prefix: str) -> ColumnElement[bool]:
    """Some word of the space-separated ``column`` starts with ``prefix``."""
    return or_(column.like(f"{prefix}%"), column.like(f"% {prefix}%"))


def name_condition(
    norm: InstrumentedAttribute[str], phonetic: InstrumentedAttribute[str], name: str
) -> ColumnElement[bool]:
    """Every word of ``name`` matches some word of the stored name (see module docstring)."""
    conditions = []
    for word in name_tokens(name):
        # Normalised words hold only letters and digits, so they carry no LIKE wildcards.
        options = [_word_in(norm, word), _word_in(phonetic, phonetic_key(word))]
        if len(word) >= MIN_PREFIX_LENGTH:
            options.append(_word_starts(norm, word))
        conditions.append(or_(*options))
    return and_(*conditions)


def retained_born_after(today: date, policy: RetentionPolicy) -> date:
    """Children born on or before this date have reached the retention age today."""
    year = today.year - policy.destroy_at_age
    if (today.month, today.day) == (2, 29):
        # Today is 29 February; that day does not exist ``destroy_at_age`` years back
        # when the age is not a multiple of four, and 28 February is the last due day.
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return today.replace(year=year)


def search_query(criteria: Criteria, *, today: date, policy: RetentionPolicy) -> Select[Any]:
    """The children matching every criterion, in result order, excluding expired records."""
    conditions: list[ColumnElement[bool]] = [
        ChildRow.date_of_birth > retained_born_after(today, policy)
    ]
    if criteria.family_name:
        conditions.append(
            name_condition(ChildRow.family_norm, ChildRow.family_phonetic, criteria.family_name)
        )
    if criteria.given_names:
        conditions.append(
            name_condition(ChildRow.given_norm, ChildRow.given_phonetic, criteria.given_names)
        )
    if criteria.date_of_birth:
        conditions.append(ChildRow.date_of_birth == criteria.date_of_birth)
    if criteria.postcode:
        conditions.append(ChildRow.postcode == criteria.postcode)
    if criteria.nhs_number:
        conditions.append(ChildRow.nhs_number == criteria.nhs_number)
    if criteria.index_id:
        conditions.append(ChildRow.index_id == criteria.index_id)
    return (
        select(ChildRow)
        .where(*conditions)
        .order_by(
            ChildRow.family_norm,
            ChildRow.given_norm,
            ChildRow.date_of_birth,
            ChildRow.index_id,
        )
    )
