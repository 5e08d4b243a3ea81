"""``python -m server serve``: migrates, serves on loopback, logs ids but never criteria.

Search criteria (names, dates of birth, postcodes) travel in the query string; the
access log must keep the path only. Run as a real process, stopped through its handle.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from app.embedded_index import free_loopback_port
from server import __version__

REPO = Path(__file__).resolve().parents[3]


def test_serve_migrates_serves_and_keeps_search_criteria_out_of_its_log(tmp_path: Path) -> None:
    port = free_loopback_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "server", "serve",
                "--database-url", f"sqlite:///{tmp_path / 'index.db'}",
                "--port", str(port),
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the service did not start"
                try:
                    if requests.get(f"{base}/healthz", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.1)
            search = requests.get(
                f"{base}/api/v1/children",
                params={"family_name": "Quennell-Zoë", "date_of_birth": "2015-03-14"},
                timeout=10,
            )
        finally:
            process.terminate()
            process.wait(timeout=30)

    assert search.status_code == 401
    assert search.json()["error"] == "not_authenticated"
    text = log_path.read_text()
    started = f"Everychild central index {__version__} on http://127.0.0.1:{port} (sqlite database)"
    assert started in text
    assert '"GET /api/v1/children HTTP/1.1" 401' in text
    assert "Quennell" not in text
    assert "2015-03-14" not in text
    assert "Traceback" not in text
