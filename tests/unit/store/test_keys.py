"""Wrapping the cache key: password and device secret both needed, tampering detected."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.store.errors import StoreError
from app.store.keys import (
    MAX_MEMORY_KIB,
    Argon2Params,
    WrappedKey,
    new_database_key,
    new_device_secret,
    rewrap,
    tune_argon2,
    unwrap_key,
    wrap_key,
)
from tests.unit.store.conftest import CHEAP

PROFILE = "0123456789abcdef0123456789abcdef"


def _wrapped(password: str) -> tuple[bytearray, bytes, WrappedKey]:
    key = new_database_key()
    secret = new_device_secret()
    wrapped = wrap_key(
        key, password=password, device_secret=secret, profile_id=PROFILE, params=CHEAP
    )
    return key, secret, wrapped


def test_unwrap_with_the_right_password_and_secret_gives_the_key_back() -> None:
    key, secret, wrapped = _wrapped("Secret-pass-1")
    assert (
        unwrap_key(wrapped, password="Secret-pass-1", device_secret=secret, profile_id=PROFILE)
        == key
    )
    assert bytes.fromhex(wrapped.wrapped) != bytes(key)


def test_the_same_password_typed_in_another_unicode_form_unlocks() -> None:
    key, secret, wrapped = _wrapped("Caf\u00e9-pass-1")
    assert (
        unwrap_key(wrapped, password="Cafe\u0301-pass-1", device_secret=secret, profile_id=PROFILE)
        == key
    )


@pytest.mark.parametrize(
    "change",
    [
        {"password": "Secret-pass-2"},
        {"device_secret": bytes(32)},
        {"profile_id": "f" * 32},
    ],
    ids=["password", "device secret", "profile"],
)
def test_any_wrong_input_is_refused_as_a_wrong_password(change: dict[str, object]) -> None:
    _, secret, wrapped = _wrapped("Secret-pass-1")
    arguments: dict[str, object] = {
        "password": "Secret-pass-1",
        "device_secret": secret,
        "profile_id": PROFILE,
    }
    with pytest.raises(StoreError) as refused:
        unwrap_key(wrapped, **{**arguments, **change})  # type: ignore[arg-type]
    assert refused.value.code == "wrong_password"


@pytest.mark.parametrize(
    "field",
    ["wrapped", "salt", "params"],
)
def test_a_tampered_wrapping_is_refused(field: str) -> None:
    _, secret, wrapped = _wrapped("Secret-pass-1")
    if field == "params":
        tampered = wrapped.model_copy(update={"params": CHEAP.model_copy(update={"time_cost": 2})})
    else:
        value = getattr(wrapped, field)
        flipped = ("0" if value[0] != "0" else "1") + value[1:]
        tampered = wrapped.model_copy(update={field: flipped})
    with pytest.raises(StoreError) as refused:
        unwrap_key(tampered, password="Secret-pass-1", device_secret=secret, profile_id=PROFILE)
    assert refused.value.code == "wrong_password"


def test_every_wrap_uses_a_fresh_salt_so_no_pad_is_reused() -> None:
    key = new_database_key()
    secret = new_device_secret()
    first = wrap_key(key, password="p-1", device_secret=secret, profile_id=PROFILE, params=CHEAP)
    second = wrap_key(key, password="p-1", device_secret=secret, profile_id=PROFILE, params=CHEAP)
    assert first.salt != second.salt
    assert first.wrapped != second.wrapped


def test_rewrap_keeps_the_key_and_changes_password_and_costs() -> None:
    key, secret, wrapped = _wrapped("Secret-pass-1")
    stronger = Argon2Params(time_cost=2, memory_cost=2048, parallelism=1)

    rewrapped = rewrap(
        wrapped,
        profile_id=PROFILE,
        device_secret=secret,
        old_password="Secret-pass-1",
        new_password="New-secret-2",
        params=stronger,
    )

    assert rewrapped.params == stronger
    assert (
        unwrap_key(rewrapped, password="New-secret-2", device_secret=secret, profile_id=PROFILE)
        == key
    )
    with pytest.raises(StoreError, match="password is not right"):
        unwrap_key(rewrapped, password="Secret-pass-1", device_secret=secret, profile_id=PROFILE)


def test_rewrap_needs_the_old_password() -> None:
    _, secret, wrapped = _wrapped("Secret-pass-1")
    with pytest.raises(StoreError) as refused:
        rewrap(
            wrapped,
            profile_id=PROFILE,
            device_secret=secret,
            old_password="guess",
            new_password="New-secret-2",
        )
    assert refused.value.code == "wrong_password"


def test_costs_beyond_the_memory_cap_are_not_accepted_from_a_profile_file() -> None:
    with pytest.raises(ValueError, match="memory_cost"):
        Argon2Params(time_cost=1, memory_cost=MAX_MEMORY_KIB + 1, parallelism=1)


def test_tuning_measures_the_device_and_respects_the_bounds() -> None:
    # A small target and cap so the test is quick; the shape of the answer is what counts.
    params = tune_argon2(
        target_seconds=0.05, max_memory_kib=16 * 1024, min_memory_kib=4 * 1024, min_time_cost=1
    )
    assert 4 * 1024 <= params.memory_cost <= 16 * 1024
    assert params.time_cost >= 1


def _fake_clock(probe: float, full_run: float) -> Callable[[], float]:
    ticks = iter([0.0, probe, 10.0, 10.0 + full_run])
    return lambda: next(ticks)


def test_tuning_spends_memory_first_then_passes() -> None:
    # The probe (one pass over the 8 MiB cap) takes 0.2 s, so 0.75 s buys 30 MiB-passes;
    # memory is capped at 8 MiB, so the rest goes into passes (30 / 8, rounded).
    params = tune_argon2(
        target_seconds=0.75,
        max_memory_kib=8 * 1024,
        min_memory_kib=4 * 1024,
        clock=_fake_clock(probe=0.2, full_run=0.75),
    )
    assert (params.memory_cost, params.time_cost) == (8 * 1024, 4)


def test_tuning_corrects_passes_when_the_full_run_misses_the_target() -> None:
    params = tune_argon2(
        target_seconds=0.75,
        max_memory_kib=8 * 1024,
        min_memory_kib=4 * 1024,
        clock=_fake_clock(probe=0.2, full_run=1.5),
    )
    # Twice too slow: half the passes, but never below the floor of two.
    assert (params.memory_cost, params.time_cost) == (8 * 1024, 2)
