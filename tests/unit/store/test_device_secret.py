"""The device secret's home: an OS keyring or nothing (fail closed), or memory for the demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from app.store.device_secret import (
    EphemeralSecretStore,
    KeyringSecretStore,
    secure_backend,
)
from app.store.errors import StoreError
from app.store.profiles import create_profile, list_profiles
from tests.unit.store.conftest import CHEAP, NOW, PASSWORD

PROFILE = "0123456789abcdef0123456789abcdef"


class PlaintextFileKeyring(KeyringBackend):
    """Like keyrings.alt's plaintext file backend: viable, and not secure at all."""

    priority = 1

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password
        if self.path is not None:
            self.path.write_text(password)

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


def _make(kind: type[KeyringBackend]) -> KeyringBackend:
    # Called through type[...] so mypy accepts keyring's unannotated constructors.
    return kind()


@pytest.fixture(autouse=True)
def _restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring, null.Keyring, PlaintextFileKeyring],
    ids=["fail", "null", "plaintext file"],
)
def test_an_insecure_keyring_is_refused_with_how_to_enable_one(
    backend: type[KeyringBackend],
) -> None:
    keyring.set_keyring(_make(backend))

    with pytest.raises(StoreError) as refused:
        KeyringSecretStore().create(PROFILE)

    assert refused.value.code == "no_secure_keyring"
    assert "GNOME Keyring" in refused.value.message
    assert "Keychain on macOS" in refused.value.message
    assert "Credential Manager on Windows" in refused.value.message


def test_nothing_is_written_to_a_plaintext_backend(tmp_path: Path) -> None:
    backend = PlaintextFileKeyring(tmp_path / "secrets.txt")
    keyring.set_keyring(backend)

    with pytest.raises(StoreError):
        create_profile(
            username="pat.visitor",
            server_url="https://index.example.test",
            password=PASSWORD,
            secret_store=KeyringSecretStore(),
            now=NOW,
            params=CHEAP,
            root=tmp_path,
        )

    assert backend.values == {}
    assert not (tmp_path / "secrets.txt").exists()
    assert list_profiles(tmp_path) == []


def test_a_chainer_with_no_secure_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ChainerBackend, "backends", [PlaintextFileKeyring(), _make(null.Keyring)])
    keyring.set_keyring(_make(ChainerBackend))

    with pytest.raises(StoreError) as refused:
        KeyringSecretStore().get(PROFILE)

    assert refused.value.code == "no_secure_keyring"


def test_a_chainer_uses_its_secure_backend_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    secure = _make(SecretServiceKeyring)
    monkeypatch.setattr(ChainerBackend, "backends", [PlaintextFileKeyring(), secure])
    keyring.set_keyring(_make(ChainerBackend))

    # Not the chainer, which would fall through to the plaintext file if the store failed.
    assert secure_backend() is secure


def test_a_subclass_of_a_secure_backend_is_not_trusted() -> None:
    class Lookalike(SecretServiceKeyring):
        pass

    keyring.set_keyring(_make(Lookalike))
    with pytest.raises(StoreError) as refused:
        secure_backend()
    assert refused.value.code == "no_secure_keyring"


def test_an_unreachable_secure_store_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    keyring.set_keyring(_make(SecretServiceKeyring))

    with pytest.raises(StoreError) as refused:
        KeyringSecretStore().create(PROFILE)

    assert refused.value.code == "keyring_unavailable"
    assert "unlock" in refused.value.message


def test_the_demo_store_is_a_throwaway_and_the_real_one_is_not() -> None:
    demo = EphemeralSecretStore()
    secret = demo.create(PROFILE)
    assert demo.get(PROFILE) == secret
    assert len(secret) == 32
    demo.delete(PROFILE)
    assert demo.get(PROFILE) is None
    assert demo.throwaway is True
    assert KeyringSecretStore.throwaway is False
