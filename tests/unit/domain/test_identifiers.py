"""Tests for app.domain.identifiers: Everychild index ids and their check symbol."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.domain.identifiers import (
    ALPHABET,
    PAYLOAD_BITS,
    is_valid_index_id,
    new_index_id,
    validate_index_id,
)

CANONICAL = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
EXAMPLE = "7K3M-9QX2-B4HB"

payloads = st.integers(min_value=0, max_value=(1 << PAYLOAD_BITS) - 1)


def id_from(payload: int) -> str:
    return new_index_id(lambda _: payload)


def symbols_of(index_id: str) -> str:
    return index_id.replace("-", "")


def regroup(symbols: str) -> str:
    return f"{symbols[:4]}-{symbols[4:8]}-{symbols[8:]}"


def test_alphabet_is_crockford_base32() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_new_ids_use_the_injected_random_bits() -> None:
    requested: list[int] = []

    def randbits(bits: int) -> int:
        requested.append(bits)
        return 0

    assert new_index_id(randbits) == "0000-0000-0000"
    assert requested == [55]
    assert id_from((1 << PAYLOAD_BITS) - 1).startswith("ZZZZ-ZZZZ-ZZZ")


def test_default_random_ids_are_valid_and_differ() -> None:
    ids = {new_index_id() for _ in range(20)}
    assert len(ids) == 20
    assert all(CANONICAL.fullmatch(index_id) and is_valid_index_id(index_id) for index_id in ids)


@pytest.mark.parametrize("bits", [-1, 1 << PAYLOAD_BITS])
def test_out_of_range_random_bits_are_a_bug(bits: int) -> None:
    with pytest.raises(ValueError, match="55 bits"):
        new_index_id(lambda _: bits)


@pytest.mark.parametrize(
    "value",
    [
        EXAMPLE,
        "7k3m-9qx2-b4hb",
        "7K3M9QX2B4HB",
        " 7K3M 9QX2 B4HB ",
        "7K3-M9QX2B-4HB",
    ],
)
def test_accepted_spellings_give_the_canonical_form(value: str) -> None:
    assert validate_index_id(value) == EXAMPLE
    assert is_valid_index_id(value)


def test_confusable_letters_are_read_as_digits() -> None:
    index_id = id_from(0b00001_00000 << 45)  # payload starts "10"
    assert index_id.startswith("10")
    typed = "lO" + index_id[2:]
    assert validate_index_id(typed) == index_id
    assert validate_index_id("IO" + index_id[2:]) == index_id


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "7K3M-9QX2-B4H",
        "7K3M-9QX2-B4HB0",
        "7K3M-9QX2-B4HU",  # U is not in the alphabet
        "7K3M-9QX2-B4H*",
        "7K3M-9QX2-B4HA",  # wrong check symbol
        "K73M-9QX2-B4HB",  # first two swapped
        "7K3M_9QX2_B4HB",
    ],
)
def test_invalid_ids_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_index_id(value)
    assert excinfo.value.code == "invalid_index_id"
    assert excinfo.value.field == "index_id"
    assert not is_valid_index_id(value)


def test_swapping_neighbouring_0_and_z_is_caught() -> None:
    # The case Luhn mod 32 would miss; the reason the check symbol is not Luhn.
    payload = int("".join(f"{ALPHABET.index(s):05b}" for s in "7K3M9QX2B0Z"), 2)
    index_id = id_from(payload)
    swapped = symbols_of(index_id)[:9] + "Z0" + symbols_of(index_id)[11]
    assert not is_valid_index_id(swapped)


def test_every_error_in_one_id_is_caught_exhaustively() -> None:
    symbols = symbols_of(EXAMPLE)
    for position in range(len(symbols)):
        for symbol in ALPHABET.replace(symbols[position], ""):
            assert not is_valid_index_id(symbols[:position] + symbol + symbols[position + 1 :])
    for position in range(len(symbols) - 1):
        if symbols[position] != symbols[position + 1]:
            swapped = (
                symbols[:position]
                + symbols[position + 1]
                + symbols[position]
                + symbols[position + 2 :]
            )
            assert not is_valid_index_id(swapped)


@settings(deadline=None)
@given(payloads)
def test_every_new_id_validates(payload: int) -> None:
    index_id = id_from(payload)
    assert CANONICAL.fullmatch(index_id)
    assert validate_index_id(index_id) == index_id
    assert validate_index_id(symbols_of(index_id).lower()) == index_id


@settings(deadline=None)
@given(payloads, st.integers(0, 11), st.integers(1, 31))
def test_any_single_symbol_substitution_is_rejected(
    payload: int, position: int, shift: int
) -> None:
    symbols = symbols_of(id_from(payload))
    replacement = ALPHABET[(ALPHABET.index(symbols[position]) + shift) % 32]
    mutated = symbols[:position] + replacement + symbols[position + 1 :]
    assert not is_valid_index_id(regroup(mutated))


@settings(deadline=None)
@given(payloads, st.integers(0, 10))
def test_any_adjacent_transposition_is_rejected(payload: int, position: int) -> None:
    symbols = symbols_of(id_from(payload))
    first, second = symbols[position], symbols[position + 1]
    if first == second:
        return
    mutated = symbols[:position] + second + first + symbols[position + 2 :]
    assert not is_valid_index_id(regroup(mutated))
