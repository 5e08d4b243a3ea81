"""Tests for app.domain.retention: when a child's record is due for destruction."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.domain.retention import (
    DEFAULT_RETENTION,
    RetentionPolicy,
    age_on,
    destruction_date,
    is_due_for_destruction,
)


def test_default_policy_destroys_at_19() -> None:
    assert DEFAULT_RETENTION.destroy_at_age == 19
    assert RetentionPolicy() == DEFAULT_RETENTION


@pytest.mark.parametrize("age", [16, 19, 25])
def test_policy_accepts_ages_16_to_25(age: int) -> None:
    assert RetentionPolicy(destroy_at_age=age).destroy_at_age == age


@pytest.mark.parametrize("age", [0, 15, 26, 91, -19])
def test_policy_refuses_ages_outside_16_to_25(age: int) -> None:
    with pytest.raises(ValidationError) as excinfo:
        RetentionPolicy(destroy_at_age=age)
    assert excinfo.value.code == "invalid_retention_age"
    assert excinfo.value.field == "destroy_at_age"


def test_policy_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_RETENTION.destroy_at_age = 20  # type: ignore[misc]


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        (date(2010, 5, 10), date(2010, 5, 10), 0),
        (date(2010, 5, 10), date(2011, 5, 9), 0),
        (date(2010, 5, 10), date(2011, 5, 10), 1),
        (date(2010, 12, 31), date(2025, 1, 1), 14),
        (date(2008, 2, 29), date(2009, 2, 28), 0),
        (date(2008, 2, 29), date(2009, 3, 1), 1),
        (date(2008, 2, 29), date(2012, 2, 29), 4),
    ],
)
def test_age_on(born: date, today: date, age: int) -> None:
    assert age_on(born, today) == age


def test_age_on_refuses_a_day_before_birth() -> None:
    with pytest.raises(ValueError, match="before the date of birth"):
        age_on(date(2020, 1, 2), date(2020, 1, 1))


@pytest.mark.parametrize(
    ("born", "policy", "expected"),
    [
        (date(2010, 5, 10), DEFAULT_RETENTION, date(2029, 5, 10)),
        (date(2010, 5, 10), RetentionPolicy(destroy_at_age=18), date(2028, 5, 10)),
        (date(2004, 2, 29), DEFAULT_RETENTION, date(2023, 3, 1)),
        (date(2004, 2, 29), RetentionPolicy(destroy_at_age=20), date(2024, 2, 29)),
        (date(2005, 3, 1), DEFAULT_RETENTION, date(2024, 3, 1)),
    ],
)
def test_destruction_date(born: date, policy: RetentionPolicy, expected: date) -> None:
    assert destruction_date(born, policy) == expected


@pytest.mark.parametrize(
    ("born", "today", "due"),
    [
        (date(2006, 6, 15), date(2025, 6, 14), False),
        (date(2006, 6, 15), date(2025, 6, 15), True),
        (date(2006, 6, 15), date(2030, 1, 1), True),
        (date(2004, 2, 29), date(2023, 2, 28), False),
        (date(2004, 2, 29), date(2023, 3, 1), True),
        (date(2025, 6, 16), date(2025, 6, 15), False),
    ],
)
def test_is_due_for_destruction(born: date, today: date, due: bool) -> None:
    assert is_due_for_destruction(born, today) is due


@settings(deadline=None)
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2130, 12, 31)),
    st.integers(16, 25),
)
def test_due_exactly_from_the_destruction_date(born: date, today: date, age: int) -> None:
    policy = RetentionPolicy(destroy_at_age=age)
    due = is_due_for_destruction(born, today, policy)
    assert due is (today >= destruction_date(born, policy))
    if today >= born:
        assert due is (age_on(born, today) >= age)
