"""The device secret in a real Secret Service (GNOME Keyring), end to end.

Runs directly when the session already has a Secret Service. Otherwise it runs the same
checks in a child Python inside a private D-Bus session with a throwaway GNOME Keyring
(``run_with_secret_service.sh``; a bare interpreter starts much faster than pytest).
Without ``dbus-run-session`` and ``gnome-keyring-daemon`` it skips — unless
``EVERYCHILD_REQUIRE_KEYRING=1``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import keyring
import pytest

from app.store.cache import Cache
from app.store.device_secret import KEYRING_SERVICE, KeyringSecretStore
from app.store.errors import StoreError
from app.store.profiles import create_profile, delete_profile
from tests.unit.store.conftest import AMELIA, CHEAP, NOW, PASSWORD, SEEDED, page

_SCRIPT = Path(__file__).with_name("run_with_secret_service.sh")
_REPOSITORY = Path(__file__).resolve().parents[3]


def _secret_service_here() -> bool:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    backend = keyring.get_keyring()
    return type(backend).__module__ == "keyring.backends.SecretService"


def _unavailable(reason: str) -> None:
    if os.environ.get("EVERYCHILD_REQUIRE_KEYRING") == "1":
        pytest.fail(f"a real Secret Service is required but {reason}")
    pytest.skip(reason)


@pytest.mark.keyring
def test_the_device_secret_lives_in_the_real_secret_service(tmp_path: Path) -> None:
    if _secret_service_here():
        _exercise_the_secret_service(tmp_path)
        return
    missing = [t for t in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(t) is None]
    if missing:
        _unavailable(f"{' and '.join(missing)} not installed")
    result = subprocess.run(
        [
            str(_SCRIPT),
            sys.executable,
            "-W",
            "error",
            "-c",
            "from tests.unit.store.test_real_keyring import main; main()",
        ],
        cwd=_REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert result.stdout.strip().endswith("secret service checks passed")


def main() -> None:
    """Entry point inside the private D-Bus session."""
    if not _secret_service_here():
        sys.exit(f"no Secret Service backend in the private session: {keyring.get_keyring()!r}")
    with tempfile.TemporaryDirectory() as folder:
        _exercise_the_secret_service(Path(folder))
    print("secret service checks passed")  # noqa: T201 - read by the parent test


def _exercise_the_secret_service(root: Path) -> None:
    store = KeyringSecretStore()
    profile = create_profile(
        username="pat.visitor",
        server_url="https://index.example.test",
        password=PASSWORD,
        secret_store=store,
        now=NOW,
        params=CHEAP,
        root=root,
    )
    entry = f"device-secret:{profile.profile_id}"
    stored = keyring.get_password(KEYRING_SERVICE, entry)
    assert stored is not None
    assert len(bytes.fromhex(stored)) == 32
    assert stored not in (profile.folder / "profile.json").read_text(encoding="utf-8")

    cache = Cache.open(profile, PASSWORD, store, now=NOW)
    cache.store_page(page(*SEEDED), now=NOW)
    cache.close()
    reopened = Cache.open(profile, PASSWORD, store, now=NOW)
    assert [h.index_id for h in reopened.search("feath")] == [AMELIA.index_id]
    reopened.close()

    keyring.delete_password(KEYRING_SERVICE, entry)  # as if the folder were copied elsewhere
    with pytest.raises(StoreError) as refused:
        Cache.open(profile, PASSWORD, store, now=NOW)
    assert refused.value.code == "device_secret_missing"

    delete_profile(profile, store)
    assert keyring.get_password(KEYRING_SERVICE, entry) is None
    assert not profile.folder.exists()
