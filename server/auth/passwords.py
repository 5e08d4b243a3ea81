"""Password hashing with Argon2id.

The cost is a setting (``Settings.password_time_cost`` / ``password_memory_kib``), applied
once at start-up by ``configure``; the defaults follow argon2-cffi's (RFC 9106's second
recommended profile). Hashes record their own parameters, so raising the cost later
keeps old hashes valid, and ``needs_rehash`` tells sign-in to upgrade them.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
#: Verified against when the username is unknown, so timing does not reveal which names exist.
_dummy_hash = _hasher.hash("everychild-timing-equaliser")


def configure(*, time_cost: int, memory_kib: int) -> None:
    """Set the Argon2id cost for hashes made from now on in this process."""
    global _hasher, _dummy_hash  # noqa: PLW0603 - one process-wide hashing policy
    if (_hasher.time_cost, _hasher.memory_cost) == (time_cost, memory_kib):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _dummy_hash = _hasher.hash("everychild-timing-equaliser")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; always does the work of one verification."""
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if the hash was made with other parameters than the configured ones."""
    return _hasher.check_needs_rehash(password_hash)
