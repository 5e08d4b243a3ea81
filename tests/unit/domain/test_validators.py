"""Tests for app.domain.validators: NHS number, postcode, date of birth and names.

All NHS numbers here are computed from random digits or are the NHS's own documentation
example (943 476 5919); none belongs to a real child.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.domain.retention import age_on
from app.domain.validators import (
    postcode_district,
    validate_date_of_birth,
    validate_name,
    validate_nhs_number,
    validate_postcode,
)

TODAY = date(2025, 6, 15)


def nhs_check_digit(first_nine: str) -> int:
    """The modulus-11 check digit, or 10 when no valid number starts with these digits."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    return 0 if check == 11 else check


def spaced(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def assert_refused(excinfo: pytest.ExceptionInfo[ValidationError], code: str, field: str) -> None:
    assert excinfo.value.code == code
    assert excinfo.value.field == field
    assert excinfo.value.message


valid_nhs_numbers = (
    st.text(alphabet="0123456789", min_size=9, max_size=9)
    .filter(lambda nine: nhs_check_digit(nine) != 10)
    .map(lambda nine: nine + str(nhs_check_digit(nine)))
)


# --- NHS number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9434765919", "9434765919"),
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        ("943 476-5919", "9434765919"),
        ("  943 476 5919\n", "9434765919"),
        ("4010232137", "4010232137"),
        ("0000000000", "0000000000"),
    ],
)
def test_valid_nhs_numbers_come_back_as_ten_digits(value: str, expected: str) -> None:
    assert validate_nhs_number(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "943476591",
        "94347659190",
        "943 476 591X",
        "943.476.5919",
        "9434 765 919",
        "943  476 5919",
        "943 4765 919",
        "NHS9434765919",
        "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",  # Arabic-Indic digits
    ],
)
def test_badly_formed_nhs_numbers_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_nhs_number(value)
    assert_refused(excinfo, "invalid_nhs_number", "nhs_number")


@pytest.mark.parametrize("value", ["9434765918", "943 476 5910", "1234567890"])
def test_nhs_numbers_with_a_wrong_check_digit_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_nhs_number(value)
    assert_refused(excinfo, "nhs_number_checksum", "nhs_number")
    assert value.replace(" ", "") not in excinfo.value.message


def test_nhs_number_whose_check_would_be_ten_is_refused() -> None:
    nine = next(f"{n:09d}" for n in range(10**9) if nhs_check_digit(f"{n:09d}") == 10)
    for last in "0123456789":
        with pytest.raises(ValidationError) as excinfo:
            validate_nhs_number(nine + last)
        assert_refused(excinfo, "nhs_number_checksum", "nhs_number")


@settings(deadline=None)
@given(valid_nhs_numbers)
def test_every_valid_nhs_number_validates_and_round_trips(digits: str) -> None:
    assert validate_nhs_number(digits) == digits
    assert validate_nhs_number(spaced(digits)) == digits
    assert validate_nhs_number(spaced(digits).replace(" ", "-")) == digits


@settings(deadline=None)
@given(valid_nhs_numbers, st.integers(0, 9), st.integers(1, 9))
def test_changing_any_one_digit_is_detected(digits: str, position: int, shift: int) -> None:
    changed = str((int(digits[position]) + shift) % 10)
    mutated = digits[:position] + changed + digits[position + 1 :]
    with pytest.raises(ValidationError) as excinfo:
        validate_nhs_number(mutated)
    assert_refused(excinfo, "nhs_number_checksum", "nhs_number")


# --- Postcode -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("M1 1AE", "M1 1AE"),  # A9 9AA
        ("B33 8TH", "B33 8TH"),  # A99 9AA
        ("W1A 0AX", "W1A 0AX"),  # A9A 9AA
        ("CR2 6XH", "CR2 6XH"),  # AA9 9AA
        ("DN55 1PT", "DN55 1PT"),  # AA99 9AA
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A 9AA
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
        ("bn1 1aa", "BN1 1AA"),
        ("BN11AA", "BN1 1AA"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("sw1a\t1aa", "SW1A 1AA"),
        ("B N 1 1 A A", "BN1 1AA"),
    ],
)
def test_valid_postcodes_are_upper_case_with_one_space(value: str, expected: str) -> None:
    assert validate_postcode(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "BN1",
        "1AA",
        "BN1 1A",
        "BN1 AAA",
        "1BN 1AA",
        "BNNN 1AA",
        "BN123 1AA",
        "BN1A1 1AA",
        "BN1-1AA",
        "BN1 1AA X",
        "GIR 0AB",
        "\uff22\uff2e1 1AA",  # full-width letters
    ],
)
def test_invalid_postcodes_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_postcode(value)
    assert_refused(excinfo, "invalid_postcode", "postcode")


@pytest.mark.parametrize(
    ("value", "district"),
    [("BN1 1AA", "BN1"), ("sw1a1aa", "SW1A"), ("DN55 1PT", "DN55"), ("GIR 0AA", "GIR")],
)
def test_postcode_district_is_the_outward_code(value: str, district: str) -> None:
    assert postcode_district(value) == district


def test_postcode_district_of_an_invalid_postcode_is_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        postcode_district("not a postcode")
    assert_refused(excinfo, "invalid_postcode", "postcode")


# --- Date of birth --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "retention_age"),
    [
        (TODAY, 19),
        (date(2010, 1, 1), 19),
        (date(2006, 6, 16), 19),  # 19 tomorrow
        (date(2007, 6, 16), 18),
    ],
)
def test_dates_of_birth_within_retention_are_accepted(value: date, retention_age: int) -> None:
    assert validate_date_of_birth(value, today=TODAY, retention_age=retention_age) == value


@pytest.mark.parametrize(
    ("value", "retention_age", "code"),
    [
        (TODAY + timedelta(days=1), 19, "date_of_birth_in_future"),
        (date(2030, 1, 1), 19, "date_of_birth_in_future"),
        (date(2006, 6, 15), 19, "date_of_birth_beyond_retention"),  # 19 today
        (date(1990, 1, 1), 19, "date_of_birth_beyond_retention"),
        (date(2007, 6, 15), 18, "date_of_birth_beyond_retention"),
    ],
)
def test_refused_dates_of_birth(value: date, retention_age: int, code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_date_of_birth(value, today=TODAY, retention_age=retention_age)
    assert_refused(excinfo, code, "date_of_birth")
    assert value.isoformat() not in excinfo.value.message


def test_leap_day_birthday_reaches_retention_on_first_of_march() -> None:
    born = date(2004, 2, 29)
    assert validate_date_of_birth(born, today=date(2023, 2, 28)) == born
    with pytest.raises(ValidationError) as excinfo:
        validate_date_of_birth(born, today=date(2023, 3, 1))
    assert_refused(excinfo, "date_of_birth_beyond_retention", "date_of_birth")


def test_out_of_range_retention_age_is_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_date_of_birth(date(2020, 1, 1), today=TODAY, retention_age=40)
    assert_refused(excinfo, "invalid_retention_age", "destroy_at_age")


@settings(deadline=None)
@given(st.dates(), st.dates())
def test_future_dates_of_birth_are_never_accepted(value: date, today: date) -> None:
    if value > today:
        with pytest.raises(ValidationError) as excinfo:
            validate_date_of_birth(value, today=today)
        assert excinfo.value.code == "date_of_birth_in_future"
    elif age_on(value, today) < 19:
        assert validate_date_of_birth(value, today=today) == value
    else:
        with pytest.raises(ValidationError) as excinfo:
            validate_date_of_birth(value, today=today)
        assert excinfo.value.code == "date_of_birth_beyond_retention"


# --- Names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Zoë", "Zoë"),
        ("Zoe\u0308", "Zoë"),  # decomposed input is stored composed (NFC)
        ("Siân", "Siân"),
        ("O'Neill", "O'Neill"),
        ("O’Neill", "O’Neill"),
        ("Smith-Jones", "Smith-Jones"),
        ("Nguyễn", "Nguyễn"),
        ("Þóra", "Þóra"),
        ("St. John", "St. John"),
        ("  Anna \t  Maria  ", "Anna Maria"),
        ("Жанна", "Жанна"),
        ("李", "李"),
        ("A", "A"),
        ("x" * 100, "x" * 100),
    ],
)
def test_valid_names_are_tidied(value: str, expected: str) -> None:
    assert validate_name(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "-",
        "'.",
        "R2D2",
        "Anna!",
        "Anna_Maria",
        "Anna\u200bMaria",  # zero-width space
        "Anna, Maria",
        "x" * 101,
    ],
)
def test_invalid_names_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_name(value)
    assert_refused(excinfo, "invalid_name", "name")


def test_name_errors_carry_the_field_given() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_name("", field="family_name")
    assert_refused(excinfo, "invalid_name", "family_name")
    assert "family name" in excinfo.value.message


def test_name_error_does_not_echo_the_name() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_name("Testname42")
    assert "Testname" not in excinfo.value.message


@settings(deadline=None)
@given(st.text(max_size=30))
def test_validate_name_output_is_itself_valid_and_stable(value: str) -> None:
    try:
        name = validate_name(value)
    except ValidationError as error:
        refusal: ValidationError | None = error
    else:
        refusal = None
        assert validate_name(name) == name
    assert refusal is None or refusal.code == "invalid_name"
