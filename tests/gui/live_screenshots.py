"""Screenshots of the showcase records from a real index seeded with the demo data (§8).

:func:`render_live` migrates an SQLite index in a temporary folder, seeds the demo users
and showcase children (``tests.support.live_server.prepare_database``), serves it on
loopback (:class:`~tests.support.live_server.LiveServer`), and for each shot signs a demo
user in on a fresh profile (``app.ui.session.sign_in_new``), lets the main window sync,
opens a child for a reason and grabs the window with the record in its tab:

* ``leo-marsh-as-viewer`` — the GP receptionist finds Leo Marsh with the search of the
  whole index (family name and date of birth) and sees only that further information
  exists: his CAMHS involvement is never sent to her;
* ``leo-marsh-as-essential`` — the social worker opens him from the caseload and sees the
  CAMHS involvement, with the consent it was recorded under;
* ``ruby-stone-shielded`` — the same social worker opens Ruby Stone: shielded, so only
  her name, date of birth, index id and parent are shown.

What is on screen is exactly what the index sent, filtered by its access rules. Run
through ``tests.gui.screenshots`` (``make screenshots``), which builds the application.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QDeadlineTimer, Qt, SignalInstance
from PySide6.QtTest import QTest

from app.domain.reasons import ReasonCode
from app.store.device_secret import EphemeralSecretStore
from app.sync.transport import TransportSettings
from app.ui import session as ops
from app.ui.caseload_model import Column
from app.ui.main_window import MainWindow
from app.ui.session import Session, UiContext
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from server.demo.users import DEMO_PASSWORD
from tests.gui import synthetic
from tests.gui.grabbing import save_grab, settle
from tests.support.live_server import LiveServer, prepare_database

T = TypeVar("T")

TIMEOUT_MS = 30_000
#: The index is on loopback: an answer that does not come at once will not come.
NO_RETRIES = TransportSettings(connect_timeout=2.0, read_timeout=15.0, retries=0)
#: The social worker's caseload holds all four showcase children.
SHOWCASE = frozenset({"Hart, Amelia", "Marsh, Leo", "Stone, Ruby", "Field, Noah"})


@dataclass(frozen=True)
class Shot:
    """One screenshot: who signs in, which child they open, how they find them, and why."""

    name: str
    username: str
    child: str
    reason: ReasonCode
    #: Criteria for the search of the whole index; ``None``: the child is in the caseload.
    search: dict[str, str] | None = None
    reason_text: str = ""


SHOTS = (
    Shot(
        "leo-marsh-as-viewer",
        "demo-viewer",
        "Marsh, Leo",
        ReasonCode.IDENTIFY_INVOLVED,
        search={"family_name": "Marsh", "date_of_birth": "02/07/2012"},
        reason_text="Leo's father is registering him at Harbour Surgery",
    ),
    Shot("leo-marsh-as-essential", "demo-essential", "Marsh, Leo", ReasonCode.SERVICE_PROVISION),
    Shot("ruby-stone-shielded", "demo-essential", "Stone, Ruby", ReasonCode.SERVICE_PROVISION),
)


def render_live(folder: Path, worker: CacheWorker) -> list[Path]:
    """Render every shot of :data:`SHOTS` into ``folder``; return the files written.

    Needs the ``QApplication`` to exist. Windows are left to ``deleteLater``: the caller
    flushes deferred deletions on the GUI thread once done.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="everychild-live-screenshots-") as temporary:
        root = Path(temporary)
        url = prepare_database(root / "index.db", today=datetime.now(UTC).date())
        with LiveServer(url, root / "server.log") as server:
            return [_shoot(shot, server, worker, root / shot.name, folder) for shot in SHOTS]


def _shoot(shot: Shot, server: LiveServer, worker: CacheWorker, data: Path, folder: Path) -> Path:
    context = UiContext(
        secret_store=EphemeralSecretStore(),
        data_root=data,
        argon2_params=synthetic.CHEAP,
        transport=NO_RETRIES,
        default_server_url=server.url,
        device_name="Everychild screenshots",
    )
    relay = StatusRelay()
    session = _on_worker(
        worker,
        lambda: ops.sign_in_new(
            context,
            server_url=server.url,
            username=shot.username,
            password=DEMO_PASSWORD,
            on_status=relay.publish,
        ),
    )
    main = MainWindow(worker, context, session, relay, online=True)
    try:
        main.show()
        main.start()
        listing = SHOWCASE if shot.search is None else frozenset()
        _until(
            lambda: (
                main.status_bar.last_sync_label.text().startswith("Last synced ")
                and not main.syncing
                and listing <= set(_names(main))
            )
        )
        _open(main, shot)
        _fit_record(main)
        return save_grab(main, folder, shot.name)
    finally:
        _close(main, worker, context, session)


def _open(main: MainWindow, shot: Shot) -> None:
    if shot.search is None:
        main.table.setCurrentIndex(main.proxy.index(_names(main).index(shot.child), 0))
        main.open_selected()
    else:
        main.focus_online_search()
        page = main.online_page
        for key, value in shot.search.items():
            page.fields[key].setText(value)
        found = _wait_for(page.results_shown, page.search)
        if found != [1] or page.model.index(0, 0).data() != shot.child:
            raise RuntimeError(f"the index search for {shot.name} did not find the child")
        # Enter on the result, as a user opens it.
        QTest.keyClick(page.table, Qt.Key.Key_Return)
    dialog = main.reason_dialog
    if dialog is None:
        raise RuntimeError(f"no reason was asked for {shot.name}")
    dialog.choose(shot.reason)
    dialog.reason_text.setText(shot.reason_text)
    _wait_for(main.record_opened, dialog.accept)
    if not main.record_views():
        raise RuntimeError(f"the record for {shot.name} did not open")


def _fit_record(main: MainWindow) -> None:
    """Make the window as tall as the record needs: all of it shown, no blank band."""
    view = main.record_views()[0]
    body = view.widget()
    layout = body.layout() if body is not None else None
    if layout is None:
        return
    settle()
    viewport = view.viewport()
    # Word-wrapped text is as tall as its width makes it: ask the layout for that height.
    needed = layout.totalHeightForWidth(viewport.width())
    main.resize(
        main.width(),
        max(main.minimumSizeHint().height(), main.height() + needed - viewport.height()),
    )


def _names(main: MainWindow) -> list[str]:
    return [main.proxy.index(r, Column.NAME).data() for r in range(main.proxy.rowCount())]


def _close(main: MainWindow, worker: CacheWorker, context: UiContext, session: Session) -> None:
    main.runner.stop()
    main.close_records()
    main.hide()
    main.deleteLater()
    _on_worker(worker, lambda: ops.lock(context, session))


# -- waiting on the event loop -------------------------------------------------------------


def _until(condition: Callable[[], bool]) -> None:
    """Run the event loop until ``condition`` holds."""
    deadline = QDeadlineTimer(TIMEOUT_MS)
    while not condition():
        if deadline.hasExpired():
            raise TimeoutError("the live index did not answer in time")
        settle(20)


def _wait_for(signal: SignalInstance, start: Callable[[], None]) -> list[Any]:
    """Call ``start`` and run the event loop until ``signal`` fires; return its arguments."""
    received: list[list[Any]] = []

    def done(*args: Any) -> None:
        received.append(list(args))

    signal.connect(done)
    try:
        start()
        _until(lambda: bool(received))
    finally:
        signal.disconnect(done)
    return received[0]


def _on_worker(worker: CacheWorker, function: Callable[[], T]) -> T:
    """Run ``function`` on the cache worker, as the application does; return its result."""
    outcome: list[Any] = []
    errors: list[Exception] = []
    finished: list[bool] = []
    (
        worker.task(function)
        .success(outcome.append)
        .failure(errors.append)
        .finally_(lambda: finished.append(True))
        .start()
    )
    _until(lambda: bool(finished))
    if errors:
        raise errors[0]
    result: T = outcome[0]
    return result
