"""Run a throwaway central index with demo data, for ``make run`` and the demo mode.

The index runs as a child process (``python -m server``) so the client never imports
server code: it talks to it over loopback HTTP exactly as it would to a real index. The
database lives in a temporary folder that is deleted when the demo ends.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import requests

log = logging.getLogger(__name__)

DEMO_PASSWORD = "Everychild-demo-1"  # noqa: S105 - the published demo password (PRODUCT.md §8)


class EmbeddedIndexError(RuntimeError):
    """The demo index could not be started; the message says why."""


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedIndex:
    """A central index on a free loopback port with a temporary, seeded database."""

    def __init__(self, *, children: int = 3000, seed: int = 2026) -> None:
        self.children = children
        self.seed = seed
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def __enter__(self) -> EmbeddedIndex:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, *, timeout: float = 120.0) -> None:
        """Seed a temporary database, start the index and wait until it answers.

        Interrupted or failing part-way (Ctrl+C while seeding, say), it stops what it had
        started and deletes the database before passing the exception on.
        """
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="everychild-demo-")
        database_url = f"sqlite:///{Path(self._folder.name) / 'index.db'}"
        seeded = subprocess.run(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "server",
                "seed-demo",
                "--database-url",
                database_url,
                "--children",
                str(self.children),
                "--seed",
                str(self.seed),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if seeded.returncode != 0:
            raise EmbeddedIndexError(f"Seeding the demo index failed: {seeded.stderr.strip()}")
        port = free_loopback_port()
        self.url = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--database-url",
                database_url,
            ],
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedIndexError("The demo index stopped while starting.")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise EmbeddedIndexError("The demo index did not start in time.")

    def stop(self) -> None:
        """Stop the index and delete its database."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
