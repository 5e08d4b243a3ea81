"""A real central index on a loopback port, in its own process, for sync tests and benchmarks.

The desktop client must be tested against the index it will really talk to, over real
HTTP (STYLE.md: "the real server on loopback for sync tests"). :class:`LiveServer` runs
``uvicorn`` with ``server.app.create_app`` in a subprocess — so a test can kill it with
SIGKILL or stop and restart it part-way through a sync — on a free ``127.0.0.1`` port,
with cheap Argon2 parameters. :func:`prepare_database` migrates an SQLite file and seeds
the demo users and showcase children (``server.demo.seed.seed_demo``); :func:`seed_database`
does the same for any database URL, PostgreSQL included.

Run as a module (``python -m tests.support.live_server --database-url … --port …``) it
is the server process itself. Given a certificate and key it serves HTTPS, so the client's
certificate checks can be tested too.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import IO

import requests
import uvicorn

from app.embedded_index import free_loopback_port
from server.app import create_app
from server.auth import passwords
from server.config import Settings
from server.db import make_engine, make_session_factory
from server.demo.seed import seed_demo
from server.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
#: Cheap password hashing: the tests check behaviour, not hashing cost.
CHEAP_PASSWORDS = {"password_time_cost": 1, "password_memory_kib": 1024}


def seed_database(url: str, *, children: int = 0, seed: int = 2004, today: date) -> str:
    """Migrate the database at ``url`` (SQLite or PostgreSQL) and seed the demo data."""
    upgrade(url)
    passwords.configure(
        time_cost=CHEAP_PASSWORDS["password_time_cost"],
        memory_kib=CHEAP_PASSWORDS["password_memory_kib"],
    )
    engine = make_engine(url)
    try:
        seed_demo(make_session_factory(engine), children=children, seed=seed, today=today)
    finally:
        engine.dispose()
    return url


def prepare_database(path: Path, *, children: int = 0, seed: int = 2004, today: date) -> str:
    """Migrate an SQLite file at ``path`` and seed the demo data; return its URL."""
    return seed_database(f"sqlite:///{path}", children=children, seed=seed, today=today)


class LiveServerError(RuntimeError):
    """The index did not start; the message carries the end of its log."""


class LiveServer:
    """The central index in a subprocess on ``127.0.0.1``; start, stop, kill, restart."""

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        *,
        port: int | None = None,
        settings: Mapping[str, str | int] | None = None,
        tls: tuple[Path, Path, Path] | None = None,
    ) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.port = port or free_loopback_port()
        self.settings = dict(settings or {})
        #: ``(certificate, private key, CA bundle that verifies it)`` to serve HTTPS.
        self.tls = tls
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The index's base URL."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, *, timeout: float = 60.0) -> None:
        """Start the server and wait until ``/healthz`` answers."""
        if self.running:
            return
        command = [
            sys.executable,
            "-m",
            "tests.support.live_server",
            "--database-url",
            self.database_url,
            "--port",
            str(self.port),
        ]
        for name, value in self.settings.items():
            command += ["--setting", f"{name}={value}"]
        verify: bool | str = True
        if self.tls is not None:
            certificate, key, bundle = self.tls
            command += ["--ssl-certfile", str(certificate), "--ssl-keyfile", str(key)]
            verify = str(bundle)
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}/healthz", timeout=1, verify=verify).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        self.kill()
        raise LiveServerError(f"the index did not start; its log ends:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM), or kill it if it will not go."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._close()

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash or a power cut would."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._close()

    def restart(self) -> None:
        """Start again on the same port and database."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for failure messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _close(self) -> None:
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None


def _serve(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the central index for tests.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--ssl-certfile")
    parser.add_argument("--ssl-keyfile")
    args = parser.parse_args(argv)
    overrides: dict[str, str | int] = dict(CHEAP_PASSWORDS)
    for item in args.setting:
        name, _, value = item.partition("=")
        overrides[name] = value
    settings = Settings.model_validate({"database_url": args.database_url, **overrides})
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )


if __name__ == "__main__":
    _serve()
