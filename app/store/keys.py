"""The cache's database key: created at random, stored only wrapped, unwrapped with a password.

PRODUCT.md §7 "Key handling (decided)". The SQLCipher database is opened with a random
256-bit raw key, so SQLCipher's own slow KDF never runs. That key is kept on disk only
*wrapped* (in ``profile.json``) under a key-encryption key (KEK) that needs two things:

* the user's password, stretched with Argon2id whose cost is tuned on the device to
  roughly 0.5–1 s and recorded beside the wrapped key, and
* a random 32-byte device secret held in the operating system's keyring
  (``device_secret.py``),

so neither a copied profile folder nor the password alone opens the cache.

The construction uses only the standard library and argon2-cffi (``cryptography`` is not
a dependency on every platform we ship to)::

    stretched = Argon2id(NFC(password), salt, params)            # 32 bytes
    prk       = HKDF-Extract(salt=device_secret, ikm=stretched)   # HMAC-SHA256
    pad       = HKDF-Expand(prk, "everychild-cache-key/pad", 32)
    mac_key   = HKDF-Expand(prk, "everychild-cache-key/mac", 32)
    wrapped   = database_key XOR pad
    tag       = HMAC-SHA256(mac_key, canonical(format, kdf, params, salt, wrapped, profile))

The key being wrapped is itself uniformly random, and every wrap draws a fresh salt, so
the pad is never reused: this is a one-time pad keyed by a PRF, authenticated
encrypt-then-MAC. The tag is checked in constant time *before* the database is touched,
so a wrong password (or a tampered ``profile.json``, or a profile moved to another
profile's folder) is refused without reading or changing the cache file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
import unicodedata
from collections.abc import Callable
from typing import Literal

from argon2.low_level import Type, hash_secret_raw
from pydantic import BaseModel, ConfigDict, Field

from app.store.errors import StoreError

log = logging.getLogger(__name__)

KEY_BYTES = 32
SALT_BYTES = 16
DEVICE_SECRET_BYTES = 32
_PAD_INFO = b"everychild-cache-key/pad"
_MAC_INFO = b"everychild-cache-key/mac"

#: PRODUCT.md §7: roughly half a second to a second on the device.
TARGET_SECONDS = 0.75
#: Memory is the cost an attacker's GPUs feel most; cap it so a small laptop copes.
MAX_MEMORY_KIB = 256 * 1024
#: Never tune below OWASP's Argon2id floor, even on a very slow device.
MIN_MEMORY_KIB = 64 * 1024
MIN_TIME_COST = 2
MAX_TIME_COST = 64
_PROBE_MEMORY_KIB = 32 * 1024


class Argon2Params(BaseModel):
    """Argon2id cost parameters, recorded beside the key they wrap."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_cost: int = Field(ge=1, le=MAX_TIME_COST)
    #: In KiB. Bounded so a damaged profile file cannot make unlocking exhaust memory.
    memory_cost: int = Field(ge=8, le=MAX_MEMORY_KIB)
    parallelism: int = Field(ge=1, le=16)


class WrappedKey(BaseModel):
    """The database key as stored in ``profile.json``: wrapped, with how to unwrap it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = 1
    kdf: Literal["argon2id"] = "argon2id"
    params: Argon2Params
    salt: str = Field(pattern=rf"^[0-9a-f]{{{SALT_BYTES * 2}}}$")
    wrapped: str = Field(pattern=rf"^[0-9a-f]{{{KEY_BYTES * 2}}}$")
    tag: str = Field(pattern=r"^[0-9a-f]{64}$")


def new_database_key() -> bytearray:
    """A fresh random 256-bit database key, in a buffer the caller can overwrite."""
    return bytearray(secrets.token_bytes(KEY_BYTES))


def new_device_secret() -> bytes:
    """A fresh random device secret, for the OS keyring."""
    return secrets.token_bytes(DEVICE_SECRET_BYTES)


def _stretch(password: str, salt: bytes, params: Argon2Params) -> bytes:
    # NFC so that "é" typed as one code point or as e + combining accent unlocks alike.
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    return hash_secret_raw(
        secret,
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _hkdf_expand(prk: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    # RFC 5869 expand; for 32 bytes of SHA-256 output this is a single block.
    output = b""
    block = b""
    counter = 1
    while len(output) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
        counter += 1
    return output[:length]


def _derive(
    password: str, salt: bytes, params: Argon2Params, device_secret: bytes
) -> tuple[bytes, bytes]:
    if len(device_secret) != DEVICE_SECRET_BYTES:
        raise StoreError("device_secret_missing")
    prk = hmac.new(device_secret, _stretch(password, salt, params), hashlib.sha256).digest()
    return _hkdf_expand(prk, _PAD_INFO), _hkdf_expand(prk, _MAC_INFO)


def _tag(mac_key: bytes, *, profile_id: str, params: Argon2Params, salt: str, wrapped: str) -> str:
    # Everything that decides how to unwrap is authenticated, so a changed cost, salt or
    # profile id fails the check like a wrong password instead of yielding a wrong key.
    message = json.dumps(
        {
            "format": 1,
            "kdf": "argon2id",
            "params": params.model_dump(),
            "profile_id": profile_id,
            "salt": salt,
            "wrapped": wrapped,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return hmac.new(mac_key, message, hashlib.sha256).hexdigest()


def _xor(data: bytes | bytearray, pad: bytes) -> bytearray:
    return bytearray(a ^ b for a, b in zip(data, pad, strict=True))


def wrap_key(
    key: bytes | bytearray,
    *,
    password: str,
    device_secret: bytes,
    profile_id: str,
    params: Argon2Params,
) -> WrappedKey:
    """Wrap ``key`` for ``profile_id`` under ``password`` and ``device_secret``."""
    if len(key) != KEY_BYTES:
        raise ValueError("the database key must be 32 bytes")
    salt = os.urandom(SALT_BYTES)
    pad, mac_key = _derive(password, salt, params, device_secret)
    wrapped = _xor(key, pad).hex()
    return WrappedKey(
        params=params,
        salt=salt.hex(),
        wrapped=wrapped,
        tag=_tag(mac_key, profile_id=profile_id, params=params, salt=salt.hex(), wrapped=wrapped),
    )


def unwrap_key(
    wrapped: WrappedKey, *, password: str, device_secret: bytes, profile_id: str
) -> bytearray:
    """Return the database key, or refuse with ``wrong_password`` if the tag does not match.

    The caller owns the returned buffer and should overwrite it once the database is open.
    """
    pad, mac_key = _derive(password, bytes.fromhex(wrapped.salt), wrapped.params, device_secret)
    expected = _tag(
        mac_key,
        profile_id=profile_id,
        params=wrapped.params,
        salt=wrapped.salt,
        wrapped=wrapped.wrapped,
    )
    if not hmac.compare_digest(expected, wrapped.tag):
        log.info("cache key unwrap refused for profile %s", profile_id)
        raise StoreError("wrong_password")
    return _xor(bytes.fromhex(wrapped.wrapped), pad)


def rewrap(
    wrapped: WrappedKey,
    *,
    profile_id: str,
    device_secret: bytes,
    old_password: str,
    new_password: str,
    params: Argon2Params | None = None,
) -> WrappedKey:
    """Wrap the same database key under a new password and/or stronger Argon2 parameters.

    The database is not re-encrypted: only the wrapping changes, with a fresh salt.
    """
    key = unwrap_key(
        wrapped, password=old_password, device_secret=device_secret, profile_id=profile_id
    )
    try:
        return wrap_key(
            key,
            password=new_password,
            device_secret=device_secret,
            profile_id=profile_id,
            params=params or wrapped.params,
        )
    finally:
        key[:] = bytes(len(key))


def tune_argon2(
    *,
    target_seconds: float = TARGET_SECONDS,
    max_memory_kib: int = MAX_MEMORY_KIB,
    min_memory_kib: int = MIN_MEMORY_KIB,
    min_time_cost: int = MIN_TIME_COST,
    clock: Callable[[], float] = time.perf_counter,
) -> Argon2Params:
    """Measure this device and choose Argon2id costs that take about ``target_seconds``.

    Memory is raised first (up to ``max_memory_kib``), then passes. One cheap probe gives
    the device's speed; one full-cost run checks the estimate and corrects the number of
    passes if it missed the acceptable range. Takes roughly two targets' worth of time.
    """
    parallelism = max(1, min(4, os.cpu_count() or 1))
    probe_memory = min(_PROBE_MEMORY_KIB, max_memory_kib)
    probe = Argon2Params(time_cost=1, memory_cost=probe_memory, parallelism=parallelism)
    seconds_per_unit = _time_once(probe, clock) / probe_memory
    budget_units = target_seconds / max(seconds_per_unit, 1e-12)
    memory = int(min(max_memory_kib, max(min_memory_kib, budget_units / min_time_cost)))
    time_cost = min(MAX_TIME_COST, max(min_time_cost, round(budget_units / memory)))
    params = Argon2Params(time_cost=time_cost, memory_cost=memory, parallelism=parallelism)
    measured = _time_once(params, clock)
    # For the default target this is the 0.5–1 s band of PRODUCT.md §7.
    low, high = (target_seconds * 2 / 3, target_seconds * 4 / 3)
    if not low <= measured <= high:
        corrected = max(min_time_cost, round(time_cost * target_seconds / measured))
        params = params.model_copy(update={"time_cost": min(corrected, MAX_TIME_COST)})
    log.info(
        "argon2 tuned: t=%d m=%dKiB p=%d (%.2fs measured at t=%d)",
        params.time_cost,
        params.memory_cost,
        params.parallelism,
        measured,
        time_cost,
    )
    return params


def _time_once(params: Argon2Params, clock: Callable[[], float]) -> float:
    started = clock()
    _stretch("everychild-tuning", b"\0" * SALT_BYTES, params)
    return clock() - started
