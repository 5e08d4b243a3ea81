"""The demo behind ``make run``: an embedded index with the demo data, and nothing left after.

``python -m app demo`` starts the same embedded index as ``make run`` and then opens the
window; ``--no-gui`` stops short of the window, so the index it starts can be checked
from outside, as a client would reach it: the demo users sign in with the published
password, the showcase children are there, and stopping the demo (Ctrl+C) deletes its
database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from app.domain.reasons import AccessReason, ReasonCode
from app.embedded_index import DEMO_PASSWORD
from app.sync.client import IndexClient
from tests.support.live_server import ROOT

#: Seeding, migrating and starting take a few seconds; a loaded machine, more.
START_SECONDS = 120


class DemoProcess:
    """``python -m app demo --no-gui`` in a process of its own, with its temporary files."""

    def __init__(self, tmp_path: Path) -> None:
        self.temp = tmp_path / "temp"
        self.temp.mkdir()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "demo", "--no-gui", "--children", "30"],
            cwd=ROOT,
            env={**os.environ, "TMPDIR": str(self.temp)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._url = threading.Event()
        self.url = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith("Everychild DEMO central index: "):
                self.url = line.split(": ", 1)[1].split()[0]
            if line.startswith("Press Ctrl+C to stop"):
                self._url.set()

    def wait_for_url(self) -> str:
        """The index's address, once the demo says it is serving and may be stopped."""
        if not self._url.wait(START_SECONDS):
            raise AssertionError("the demo did not start:\n" + "".join(self.lines))
        return self.url

    def interrupt(self) -> int:
        """Ctrl+C, as a user at the terminal would; the exit status."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)

    def close(self) -> None:
        """Stop it whatever state it is in (after a failed test), and close its output."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoProcess]:
    started = DemoProcess(tmp_path)
    yield started
    started.close()


def test_stopping_the_demo_while_it_starts_leaves_nothing_behind(demo: DemoProcess) -> None:
    # Ctrl+C as soon as the demo is under way, while it seeds or starts its index.
    deadline = time.monotonic() + START_SECONDS
    while not list(demo.temp.glob("everychild-demo-*")):
        assert time.monotonic() < deadline, "the demo never started:\n" + "".join(demo.lines)
        time.sleep(0.01)

    assert demo.interrupt() == 0
    demo.close()
    assert "The demo index has stopped and its database is deleted." in "".join(demo.lines)
    assert not list(demo.temp.glob("everychild-demo-*")), "the demo database was left behind"


def test_the_demo_serves_the_demo_users_and_showcase_children_then_deletes_its_data(
    demo: DemoProcess,
) -> None:
    url = demo.wait_for_url()
    assert url.startswith("http://127.0.0.1:")
    assert requests.get(f"{url}/healthz", timeout=10).ok
    printed = "".join(demo.lines)
    assert f"password {DEMO_PASSWORD}" in printed
    assert list(demo.temp.glob("everychild-demo-*/index.db"))

    client = IndexClient(url)
    try:
        client.login(username="demo-viewer", password=DEMO_PASSWORD, device_id=uuid.uuid4().hex)
        [leo] = client.search(family_name="Marsh", date_of_birth="2012-07-02")
        record = client.open_record(
            leo.index_id, AccessReason(code=ReasonCode.IDENTIFY_INVOLVED, text="Demo check")
        )
    finally:
        client.close()
    assert record.display_name == "Leo Marsh"
    assert record.restricted_information_exists

    assert demo.interrupt() == 0
    assert "The demo index has stopped and its database is deleted." in "".join(demo.lines)
    assert not list(demo.temp.glob("everychild-demo-*")), "the demo database was left behind"
