"""The client process of the crash test: ``python -m app``'s commands, with a test keyring.

``python -m tests.integration.sync.driver --secrets FILE sync --profile ID …`` runs
``app.cli`` exactly as ``python -m app`` would, except that the device secrets come from
a JSON file the test wrote (``{profile id: hex secret}``) instead of the OS keyring, so a
process the test kills and starts again can open the same cache. The password comes
from ``EVERYCHILD_PASSWORD``, as it would for a script.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.cli import CliContext, main
from tests.integration.sync.world import CHEAP


class FileSecretStore:
    """Device secrets in a file: for this test driver only, never for real use."""

    throwaway = True

    def __init__(self, path: Path) -> None:
        self._path = path

    def _all(self) -> dict[str, str]:
        stored: dict[str, str] = json.loads(self._path.read_text(encoding="utf-8"))
        return stored

    def create(self, profile_id: str) -> bytes:
        raise NotImplementedError("the crash test creates its profiles itself")

    def get(self, profile_id: str) -> bytes | None:
        value = self._all().get(profile_id)
        return None if value is None else bytes.fromhex(value)

    def delete(self, profile_id: str) -> None:
        remaining = {k: v for k, v in self._all().items() if k != profile_id}
        self._path.write_text(json.dumps(remaining), encoding="utf-8")


def run(argv: list[str]) -> int:
    """``--secrets FILE`` then the command line of ``python -m app``."""
    if len(argv) < 2 or argv[0] != "--secrets":
        sys.stderr.write("usage: driver --secrets FILE COMMAND …\n")
        return 2
    secrets = Path(argv[1])
    context = CliContext(secret_store=lambda: FileSecretStore(secrets), argon2_params=CHEAP)
    return main(argv[2:], context=context)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
