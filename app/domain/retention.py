"""How long the index may keep a child's record (PRODUCT.md §2, "Retention").

The index holds a record until the child reaches the policy's age (19 by default), then
destroys it; clients purge such records from their caches at the next sync or unlock.
These functions decide *when* that happens; they do no deleting themselves.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from app.domain.errors import ValidationError

MIN_DESTROY_AT_AGE = 16
MAX_DESTROY_AT_AGE = 25


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """The age at which a child's record is destroyed."""

    destroy_at_age: int = 19

    def __post_init__(self) -> None:
        # The policy is configurable by an index manager; a typo such as 91 or 1 would
        # either keep records for a lifetime or destroy live cases, so refuse it here.
        if (
            isinstance(self.destroy_at_age, bool)
            or not isinstance(self.destroy_at_age, int)
            or not MIN_DESTROY_AT_AGE <= self.destroy_at_age <= MAX_DESTROY_AT_AGE
        ):
            raise ValidationError(
                "invalid_retention_age",
                f"The retention age must be a whole number of years from "
                f"{MIN_DESTROY_AT_AGE} to {MAX_DESTROY_AT_AGE}.",
                field="destroy_at_age",
            )


DEFAULT_RETENTION = RetentionPolicy()


def age_on(date_of_birth: date, today: date) -> int:
    """Completed years of age on ``today``.

    Someone born on 29 February becomes a year older on 1 March in non-leap years, the
    same rule :func:`destruction_date` uses, so the two never disagree.
    """
    if today < date_of_birth:
        raise ValueError("today is before the date of birth")
    not_had_birthday_yet = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - int(not_had_birthday_yet)


def destruction_date(date_of_birth: date, policy: RetentionPolicy = DEFAULT_RETENTION) -> date:
    """The day the child reaches ``policy.destroy_at_age``; the record goes on that day.

    A 29 February birthday falls on 1 March in a non-leap year.
    """
    year = date_of_birth.year + policy.destroy_at_age
    if (date_of_birth.month, date_of_birth.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return date_of_birth.replace(year=year)


def is_due_for_destruction(
    date_of_birth: date, today: date, policy: RetentionPolicy = DEFAULT_RETENTION
) -> bool:
    """True once the child has reached the retention age on ``today``."""
    # Counted through age_on rather than destruction_date so that a date of birth near
    # the end of the calendar cannot overflow; the two agree on every representable day.
    return today >= date_of_birth and age_on(date_of_birth, today) >= policy.destroy_at_age
