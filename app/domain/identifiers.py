"""Everychild index ids: the identifier the index gives each child's record.

An id is 12 symbols of Crockford's base-32 alphabet (digits and upper-case letters without
I, L, O and U, which are easily misread), shown as three groups of four: ``7K3M-9QX2-B4HB``.
The first 11 symbols carry 55 random bits; the last is a check symbol.

Why not Luhn mod N for the check symbol: over an even alphabet Luhn misses one adjacent
transposition, exactly as Luhn mod 10 misses 09 <-> 90; over base 32 swapping a
neighbouring ``0`` and ``Z`` goes unnoticed. Instead the check symbol makes the weighted
sum of all 12 symbols zero in the finite field GF(32), each position having a different
non-zero weight (a single Reed-Solomon check symbol). Because the field has no zero
divisors, that catches every single-symbol substitution and every swap of two symbols,
adjacent or not.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import reduce
from operator import xor

from app.domain.errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 12
GROUP_LENGTH = 4
_PAYLOAD_LENGTH = ID_LENGTH - 1
_BITS_PER_SYMBOL = 5
PAYLOAD_BITS = _PAYLOAD_LENGTH * _BITS_PER_SYMBOL

_SYMBOL_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Crockford decoding: read the letters people confuse with digits as those digits.
_CONFUSABLES = str.maketrans("OIL", "011")

# x^5 + x^2 + 1, a primitive polynomial, so x generates all 31 non-zero elements of GF(32)
# and the 12 weights x^11 ... x^0 below are distinct and non-zero.
_FIELD_POLYNOMIAL = 0b100101
_FIELD_ORDER = 32


def _field_multiply(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & _FIELD_ORDER:
            a ^= _FIELD_POLYNOMIAL
    return product


def _weights() -> tuple[int, ...]:
    powers = [1]
    for _ in range(ID_LENGTH - 1):
        powers.append(_field_multiply(powers[-1], 2))
    # The check symbol, last, gets weight 1 so it equals the sum of the weighted payload.
    return tuple(reversed(powers))


_WEIGHTS = _weights()


def _weighted_sum(values: list[int]) -> int:
    return reduce(xor, map(_field_multiply, _WEIGHTS, values), 0)


def _format(symbols: str) -> str:
    return "-".join(
        symbols[start : start + GROUP_LENGTH] for start in range(0, ID_LENGTH, GROUP_LENGTH)
    )


def new_index_id(randbits: Callable[[int], int] | None = None) -> str:
    """Make a new random index id in canonical form, check symbol included.

    ``randbits`` is injectable so that tests can make ids deterministically; the default
    is :func:`secrets.randbits`, because ids must not be guessable from one another.
    """
    bits = (randbits or secrets.randbits)(PAYLOAD_BITS)
    if not 0 <= bits < 1 << PAYLOAD_BITS:
        raise ValueError(f"randbits returned a value outside {PAYLOAD_BITS} bits")
    values = [
        (bits >> (_BITS_PER_SYMBOL * position)) & (_FIELD_ORDER - 1)
        for position in reversed(range(_PAYLOAD_LENGTH))
    ]
    values.append(_weighted_sum([*values, 0]))
    return _format("".join(ALPHABET[value] for value in values))


def validate_index_id(value: str) -> str:
    """Return the canonical ``XXXX-XXXX-XXXX`` form of a typed index id.

    Case does not matter, hyphens and spaces may be left out or put anywhere, and O, I
    and L are read as 0, 1 and 1.
    """
    symbols = "".join(value.split()).replace("-", "").upper().translate(_CONFUSABLES)
    if len(symbols) != ID_LENGTH or not all(symbol in _SYMBOL_VALUES for symbol in symbols):
        raise ValidationError(
            "invalid_index_id",
            "An index ID is 12 letters and numbers in three groups of four, such as "
            "7K3M-9QX2-B4HB. Check the ID and try again.",
            field="index_id",
        )
    if _weighted_sum([_SYMBOL_VALUES[symbol] for symbol in symbols]) != 0:
        raise ValidationError(
            "invalid_index_id",
            "This index ID is not valid: a character is probably mistyped or two are "
            "swapped. Check it against the original.",
            field="index_id",
        )
    return _format(symbols)


def is_valid_index_id(value: str) -> bool:
    """True when :func:`validate_index_id` would accept ``value``."""
    try:
        validate_index_id(value)
    except ValidationError:
        return False
    return True
