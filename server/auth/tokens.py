"""Opaque bearer tokens: random, shown to the client once, stored only as SHA-256.

Opaque tokens (rather than self-contained JWTs) make revocation immediate: a revoked
device or suspended user stops working at the very next request. An external OpenID
Connect provider would replace only ``resolve`` in ``server.deps`` (see docs/auth.md).
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh 256-bit token, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
