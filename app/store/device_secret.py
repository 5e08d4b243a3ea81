"""Where each profile's device secret lives: the OS keyring, or (demo only) memory.

The device secret is half of what unwraps the cache key (``keys.py``); the other half is
the user's password. It is kept in the operating system's secure password store —
Secret Service (GNOME Keyring, KWallet) on Linux, Keychain on macOS, Credential Manager
on Windows — under ``service="everychild"``, ``username="device-secret:<profile id>"``.

**Fail closed** (PRODUCT.md §7): if the only keyring on offer is not a secure one
(keyring's ``fail`` or ``null`` backends, a ``keyrings.alt`` file, or anything we do not
know to be an OS store), :class:`KeyringSecretStore` refuses with ``no_secure_keyring``
rather than writing the secret anywhere weaker. The check is an allow-list, so a backend
we have not vetted is refused too. When keyring's chainer offers several backends we use
the first secure one directly, so a failing secure store can never make the chainer fall
through to a plaintext one.

:class:`EphemeralSecretStore` keeps secrets in memory and forgets them when the process
ends. It exists only for the demo (PRODUCT.md §8), which must choose it explicitly and
say DEMO on screen; nothing in the store ever picks it by default.
"""

from __future__ import annotations

import logging
from typing import Protocol

import keyring
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

from app.store.errors import StoreError
from app.store.keys import DEVICE_SECRET_BYTES, new_device_secret

log = logging.getLogger(__name__)

KEYRING_SERVICE = "everychild"

#: Backends known to keep secrets in the operating system's protected store.
SECURE_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
    }
)


class DeviceSecretStore(Protocol):
    """Keeps one random device secret per profile."""

    #: True for a store whose secrets vanish with the process (the demo's).
    throwaway: bool

    def create(self, profile_id: str) -> bytes:
        """Make, store and return a new secret for ``profile_id``."""
        ...

    def get(self, profile_id: str) -> bytes | None:
        """The stored secret, or ``None`` if this store has none for ``profile_id``."""
        ...

    def delete(self, profile_id: str) -> None:
        """Forget the secret; doing so when there is none is not an error."""
        ...


def _entry_name(profile_id: str) -> str:
    return f"device-secret:{profile_id}"


def _backend_name(backend: KeyringBackend) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def is_secure_backend(backend: KeyringBackend) -> bool:
    """True if ``backend`` is one of the OS secure stores (exact class, not a subclass)."""
    return _backend_name(backend) in SECURE_BACKENDS


def secure_backend() -> KeyringBackend:
    """The keyring backend to use, or ``no_secure_keyring`` if there is no secure one."""
    current = keyring.get_keyring()
    candidates = list(current.backends) if isinstance(current, ChainerBackend) else [current]
    for candidate in candidates:
        if is_secure_backend(candidate):
            return candidate
    log.warning(
        "no secure keyring backend; offered: %s",
        ", ".join(_backend_name(c) for c in candidates) or "none",
    )
    raise StoreError("no_secure_keyring")


def _decode(value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        secret = bytes.fromhex(value)
    except ValueError:
        return None
    return secret if len(secret) == DEVICE_SECRET_BYTES else None


class KeyringSecretStore:
    """Device secrets in the operating system's secure password store."""

    throwaway = False

    def create(self, profile_id: str) -> bytes:
        """Store a new secret for ``profile_id`` in the keyring."""
        backend = secure_backend()
        secret = new_device_secret()
        try:
            backend.set_password(KEYRING_SERVICE, _entry_name(profile_id), secret.hex())
        # Backends raise dbus, win32 or secretstorage errors that share no base class.
        except Exception as exc:
            raise _unavailable(exc) from exc
        return secret

    def get(self, profile_id: str) -> bytes | None:
        """The secret for ``profile_id``, or ``None`` when the keyring has none."""
        backend = secure_backend()
        try:
            value = backend.get_password(KEYRING_SERVICE, _entry_name(profile_id))
        except Exception as exc:  # as in create()
            raise _unavailable(exc) from exc
        return _decode(value)

    def delete(self, profile_id: str) -> None:
        """Remove the secret for ``profile_id`` if the keyring has one."""
        backend = secure_backend()
        try:
            if backend.get_password(KEYRING_SERVICE, _entry_name(profile_id)) is not None:
                backend.delete_password(KEYRING_SERVICE, _entry_name(profile_id))
        except Exception as exc:  # as in create()
            raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> StoreError:
    # The exception text can name the collection or the bus address, never our data,
    # but its type is all anyone debugging needs.
    log.warning("keyring operation failed: %s", type(exc).__name__)
    return StoreError("keyring_unavailable")


class EphemeralSecretStore:
    """Secrets held in this process's memory only: for the DEMO profile, never otherwise."""

    throwaway = True

    def __init__(self) -> None:
        self._secrets: dict[str, bytes] = {}

    def create(self, profile_id: str) -> bytes:
        """Make and remember a new secret for ``profile_id``."""
        secret = new_device_secret()
        self._secrets[profile_id] = secret
        return secret

    def get(self, profile_id: str) -> bytes | None:
        """The remembered secret, if any."""
        return self._secrets.get(profile_id)

    def delete(self, profile_id: str) -> None:
        """Forget the secret."""
        self._secrets.pop(profile_id, None)
