"""Starting the desktop client: for real, or as the DEMO against an embedded index.

``python -m app`` calls :func:`run_desktop`: device secrets in the OS keyring (failing
closed without one), profiles in the per-user data folder, Argon2 tuned on this
computer. ``python -m app --demo`` and ``make run`` call :func:`run_demo`: a throwaway
central index with synthetic data on a loopback port (``app.embedded_index``), device
secrets in memory, profiles in a temporary folder that is deleted on exit, and DEMO on
every window (PRODUCT.md §7–§8). The demo is the only place the in-memory secret store
is ever chosen.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from app.embedded_index import EmbeddedIndex
from app.store.device_secret import EphemeralSecretStore, KeyringSecretStore
from app.store.keys import Argon2Params
from app.ui import application
from app.ui.session import UiContext

log = logging.getLogger(__name__)

#: The demo's throwaway profiles need no more than OWASP's minimum Argon2id costs.
DEMO_ARGON2 = Argon2Params(time_cost=2, memory_cost=19_456, parallelism=1)


def run_desktop(*, server_url: str = "", data_dir: Path | None = None) -> int:
    """Run the client for real; returns the exit status."""
    context = UiContext(
        secret_store=KeyringSecretStore(),
        data_root=data_dir,
        default_server_url=server_url,
    )
    return application.run(context)


def run_demo(*, children: int = 3000) -> int:
    """Start a demo index, run the client against it in DEMO mode, and clean up both."""
    with (
        EmbeddedIndex(children=children) as index,
        tempfile.TemporaryDirectory(prefix="everychild-demo-profiles-") as profiles,
    ):
        log.info("demo index on %s", index.url)
        context = UiContext(
            secret_store=EphemeralSecretStore(),
            data_root=Path(profiles),
            argon2_params=DEMO_ARGON2,
            demo=True,
            default_server_url=index.url,
            device_name="Everychild DEMO",
        )
        return application.run(context)
