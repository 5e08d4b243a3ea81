"""Render the client's main screens offscreen to PNG files, for docs/screenshots/.

``QT_QPA_PLATFORM=offscreen python -m tests.gui.screenshots [FOLDER]`` (``make
screenshots``) builds a real encrypted cache in a temporary folder, fills it with the
synthetic caseload of :mod:`tests.gui.synthetic`, and grabs the sign-in window (a
reception desk with several profiles), the DEMO sign-in, the caseload, the reason
dialog (and its refusal for "other" without text) and a record — ordinary, restricted
and shielded. System fonts and the real stylesheet are used, so what is rendered is what
a practitioner sees. No real person appears: every name is synthetic.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance
from PySide6.QtWidgets import QWidget

from app.domain.changes import Change, ChangesPage
from app.domain.policy import visible_record
from app.domain.reasons import ReasonCode
from app.domain.roles import Role
from app.domain.session import DevicePolicy
from app.store.device_secret import EphemeralSecretStore
from app.store.profiles import create_profile
from app.ui import session as ops
from app.ui.application import apply_look, create_application
from app.ui.caseload_model import Column
from app.ui.main_window import MainWindow
from app.ui.record_view import RecordView
from app.ui.session import UiContext
from app.ui.signin import SignInWindow
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import synthetic

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FOLDER = ROOT / "docs" / "screenshots"
INDEX_URL = "https://index.brighton-hove.example.org"
TIMEOUT_MS = 20_000


def _wait_for(signal: SignalInstance, start: Callable[[], None]) -> list[Any]:
    """Call ``start`` and run the event loop until ``signal`` fires; return its arguments."""
    loop = QEventLoop()
    received: list[Any] = []

    def done(*args: Any) -> None:
        received.extend(args)
        loop.quit()

    signal.connect(done)
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    start()
    loop.exec()
    signal.disconnect(done)
    return received


class _Outcome:
    def __init__(self) -> None:
        self.value: Any = None
        self.error: Exception | None = None


def _on_worker(worker: CacheWorker, function: Callable[[], T]) -> T:
    outcome = _Outcome()
    loop = QEventLoop()

    def succeeded(value: Any) -> None:
        outcome.value = value

    def failed(error: Exception) -> None:
        outcome.error = error

    worker.task(function).success(succeeded).failure(failed).finally_(loop.quit).start()
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    loop.exec()
    if outcome.error is not None:
        raise outcome.error
    result: T = outcome.value
    return result


def _save(widget: QWidget, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    return path


def render_all(folder: Path = DEFAULT_FOLDER) -> list[Path]:
    """Render every screen into ``folder``; return the files written."""
    application = create_application(["everychild-screenshots"])
    # Under pytest the application is the test session's: its look is put back after.
    previous_sheet = application.styleSheet()
    apply_look(application)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="everychild-screenshots-") as data:
        context = UiContext(
            secret_store=EphemeralSecretStore(),
            data_root=Path(data),
            argon2_params=synthetic.CHEAP,
        )
        worker = CacheWorker()
        try:
            return _render(context, worker, folder)
        finally:
            worker.stop()
            application.setStyleSheet(previous_sheet)


def _render(context: UiContext, worker: CacheWorker, folder: Path) -> list[Path]:
    assert context.data_root is not None
    root = context.data_root
    now = datetime.now(UTC)
    profiles = [
        create_profile(
            username=username,
            server_url=INDEX_URL,
            password=synthetic.PASSWORD,
            secret_store=context.secret_store,
            now=now,
            user_id=synthetic.USER_ID if username == "pat.visitor" else f"user-{username}",
            params=synthetic.CHEAP,
            root=context.data_root,
        )
        for username in ("amira.khan", "pat.visitor", "sam.okafor")
    ]
    pat = profiles[1]
    written: list[Path] = []

    def fill() -> None:
        session = ops.unlock_offline(context, pat, synthetic.PASSWORD)
        try:
            session.cache.record_contact(
                now, DevicePolicy(idle_lock_minutes=5, offline_lease_hours=72, wipe_after_days=14)
            )
            records = synthetic.caseload_for(synthetic.user(Role.PRACTITIONER))
            session.cache.store_page(
                ChangesPage(
                    changes=tuple(
                        Change(op="upsert", index_id=r.index_id, record=r) for r in records
                    ),
                    cursor="screenshots",
                    has_more=False,
                ),
                now=now,
            )
        finally:
            session.cache.close()
            session.client.close()

    _on_worker(worker, fill)

    sign_in = SignInWindow(worker, context, preselect=pat.profile_id)
    sign_in.show()
    written.append(_save(sign_in, folder, "signin"))
    sign_in.close()

    demo_context = UiContext(
        secret_store=EphemeralSecretStore(),
        data_root=root / "demo",
        demo=True,
        default_server_url="http://127.0.0.1:8765",
    )
    demo = SignInWindow(worker, demo_context)
    demo.show()
    demo.username.setText("demo-practitioner")
    written.append(_save(demo, folder, "signin-demo"))
    demo.close()

    relay = StatusRelay()
    session = _on_worker(
        worker, lambda: ops.unlock_offline(context, pat, synthetic.PASSWORD, relay.publish)
    )
    main = MainWindow(worker, context, session, relay, online=False)
    main.show()
    _wait_for(main.rows_shown, main.start)
    main.table.setCurrentIndex(main.proxy.index(0, Column.NAME))
    written.append(_save(main, folder, "caseload"))

    main.open_selected()
    dialog = main.reason_dialog
    assert dialog is not None
    dialog.choose(ReasonCode.SERVICE_PROVISION)
    written.append(_save(dialog, folder, "reason-dialog"))
    dialog.choose(ReasonCode.OTHER)
    dialog.reason_text.setText("Checking")
    dialog.adjustSize()
    written.append(_save(dialog, folder, "reason-dialog-other"))
    dialog.choose(ReasonCode.SERVICE_PROVISION)
    _wait_for(main.record_opened, dialog.accept)
    written.append(_save(main, folder, "record-in-window"))

    practitioner = synthetic.user(Role.PRACTITIONER)
    for name, record in (
        ("record", visible_record(synthetic.user(Role.ESSENTIAL), synthetic.AMELIA_WITH_DECISION)),
        ("record-restricted", visible_record(practitioner, synthetic.LEO)),
        ("record-shielded", visible_record(practitioner, synthetic.RUBY)),
    ):
        view = RecordView(record)
        body = view.widget()
        assert body is not None
        metrics = view.fontMetrics()
        width = metrics.averageCharWidth() * 90
        # As tall as the record needs: a shielded record is short.
        view.resize(width, body.heightForWidth(width) if body.hasHeightForWidth() else 100)
        view.show()
        view.resize(width, body.sizeHint().height())
        written.append(_save(body, folder, name))
        view.close()

    main.close_records()
    main.close()
    _on_worker(worker, lambda: ops.lock(context, session))
    return written


def main(argv: list[str] | None = None) -> int:
    """Render into the folder named on the command line, or docs/screenshots/."""
    arguments = sys.argv[1:] if argv is None else argv
    folder = Path(arguments[0]) if arguments else DEFAULT_FOLDER
    for path in render_all(folder):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
