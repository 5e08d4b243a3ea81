"""Render the client's main screens offscreen to PNG files, for docs/screenshots/.

``QT_QPA_PLATFORM=offscreen python -m tests.gui.screenshots [FOLDER]`` (``make
screenshots``) builds a real encrypted cache in a temporary folder, fills it with the
synthetic caseload of :mod:`tests.gui.synthetic` — with a conflict, a refused change and
a change not yet sent, made through the cache's own API — and grabs: the sign-in window
(a reception desk with several profiles), the DEMO sign-in, the lock screen, the
caseload with its columns, the reason dialog (and its refusal for "other" without
text), a record in its tab with the changes offered, the change dialogs (set an
indicator, the consent step of a sensitive service, end an involvement), the conflicts,
the refused changes, the access log, a search of the index, the lease explanation, and
records — ordinary, restricted and shielded. System fonts and the real stylesheet are
used, so what is rendered is what a practitioner sees. No real person appears: every
name is synthetic.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer, SignalInstance

from app.domain.changes import Change, ChangesPage, SetIndicator
from app.domain.policy import SearchResult, visible_record
from app.domain.reasons import ReasonCode
from app.domain.records import ConsentBasis, IndicatorKind, InvolvementConsent
from app.domain.roles import Role
from app.domain.services import default_catalogue
from app.domain.session import DevicePolicy
from app.store.cache import Cache
from app.store.device_secret import EphemeralSecretStore
from app.store.profiles import create_profile
from app.sync.engine import SyncState, SyncStatus
from app.ui import session as ops
from app.ui.application import apply_look, create_application
from app.ui.caseload_model import Column
from app.ui.explanations import lease_expired, show_explanation
from app.ui.fitting import fit_height
from app.ui.indicator_dialogs import SetIndicatorDialog
from app.ui.involvement_dialogs import AddInvolvementDialog, EndInvolvementDialog
from app.ui.list_dialog import ListDialog
from app.ui.main_window import MainWindow
from app.ui.record_view import RecordView
from app.ui.session import UiContext
from app.ui.signin import SignInWindow
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import arrange, synthetic
from tests.gui.grabbing import save_grab
from tests.gui.live_screenshots import render_live

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FOLDER = ROOT / "docs" / "screenshots"
INDEX_URL = "https://index.brighton-hove.example.org"
TIMEOUT_MS = 20_000
POLICY = DevicePolicy(idle_lock_minutes=5, offline_lease_hours=72, wipe_after_days=14)


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


def render_all(folder: Path = DEFAULT_FOLDER) -> list[Path]:
    """Render every screen into ``folder``; return the files written.

    The showcase records are rendered last, as the index seeded with the demo data sends
    them to each role (:mod:`tests.gui.live_screenshots`).
    """
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
            return _render(context, worker, folder) + render_live(folder, worker)
        finally:
            worker.stop()
            application.setStyleSheet(previous_sheet)
            # Windows are deleted here, on the GUI thread, not whenever the collector
            # happens to run — which may be on the worker thread.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            gc.collect()


def _fill(cache: Cache, now: datetime) -> None:
    """The practitioner's caseload, with a conflict, a refused change and one not yet sent."""
    cache.record_contact(now, POLICY)
    cache.remember_user(synthetic.user_profile(), now=now)
    records = synthetic.caseload_for(synthetic.user(Role.PRACTITIONER))
    cache.store_page(
        ChangesPage(
            changes=tuple(Change(op="upsert", index_id=r.index_id, record=r) for r in records),
            cursor="screenshots",
            has_more=False,
        ),
        now=now,
    )
    cache.record_sync_success(now - timedelta(minutes=12))
    arrange.conflict_on_leo(cache, now)
    arrange.refused_pin_on_john(cache, now)
    # Amelia: an indicator set offline, not yet sent.
    arrange.change(
        cache,
        synthetic.AMELIA.index_id,
        SetIndicator(
            indicator_id=uuid.uuid4().hex,
            involvement_id="involvement-1",
            indicator=IndicatorKind.ACTION_UNDER_WAY,
        ),
        now - timedelta(minutes=5),
    )


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
            _fill(session.cache, now)
        finally:
            session.cache.close()
            session.client.close()

    _on_worker(worker, fill)
    written += _sign_in_screens(context, worker, folder, root, pat.profile_id)

    relay = StatusRelay()
    session = _on_worker(
        worker, lambda: ops.unlock_offline(context, pat, synthetic.PASSWORD, relay.publish)
    )
    main = MainWindow(worker, context, session, relay, online=False)
    main.show()
    _wait_for(main.rows_shown, main.start)
    main.table.setCurrentIndex(main.proxy.index(0, Column.NAME))
    written.append(save_grab(main, folder, "caseload"))

    main.open_selected()
    dialog = main.reason_dialog
    assert dialog is not None
    dialog.choose(ReasonCode.SERVICE_PROVISION)
    written.append(save_grab(dialog, folder, "reason-dialog"))
    dialog.choose(ReasonCode.OTHER)
    dialog.reason_text.setText("Checking")
    fit_height(dialog)
    written.append(save_grab(dialog, folder, "reason-dialog-other"))
    dialog.choose(ReasonCode.SERVICE_PROVISION)
    _wait_for(main.record_opened, dialog.accept)
    written.append(save_grab(main, folder, "record-in-window"))

    written += _change_dialogs(main, folder, now.date())
    written += _lists(main, folder)

    main.focus_online_search()
    # As it looks signed in: the search of the index needs a connection.
    main.status_bar.show_user("Pat Visitor", online=True)
    main.status_bar.show_status(
        SyncStatus(state=SyncState.ONLINE, last_success=now - timedelta(minutes=2))
    )
    page = main.online_page
    page.set_signed_in(signed_in=True)
    page.fields["family_name"].setText("Hartwell")
    page.fields["date_of_birth"].setText("14/03/2015")
    page.show_results(
        [
            SearchResult(
                index_id=synthetic.AMELIA.index_id,
                given_names="Amelia",
                family_name="Hartwell",
                date_of_birth=date(2015, 3, 14),
                gender="female",
                town="Brighton",
                postcode_district="BN1",
            ),
            SearchResult(
                index_id=synthetic.index_id(40),
                given_names="Amelie",
                family_name="Hartwell",
                date_of_birth=date(2015, 3, 14),
                shielded=True,
            ),
        ]
    )
    written.append(save_grab(main, folder, "online-search"))

    box = show_explanation(lease_expired(now - timedelta(hours=80), 72), main)
    written.append(save_grab(box, folder, "lease-expired"))
    box.close()

    written += _records(folder)

    main.close_records()
    main.close()
    main.deleteLater()
    _on_worker(worker, lambda: ops.lock(context, session))
    return written


def _sign_in_screens(
    context: UiContext, worker: CacheWorker, folder: Path, root: Path, pat_id: str
) -> list[Path]:
    written = []
    sign_in = SignInWindow(worker, context, preselect=pat_id)
    sign_in.show()
    written.append(save_grab(sign_in, folder, "signin"))
    sign_in.show_message(
        "Everychild locked itself after 5 minutes without use. Type your password to carry on."
    )
    written.append(save_grab(sign_in, folder, "lock-screen"))
    sign_in.close()
    sign_in.deleteLater()

    demo_context = UiContext(
        secret_store=EphemeralSecretStore(),
        data_root=root / "demo",
        demo=True,
        default_server_url="http://127.0.0.1:8765",
    )
    demo = SignInWindow(worker, demo_context)
    demo.show()
    demo.username.setText("demo-practitioner")
    written.append(save_grab(demo, folder, "signin-demo"))
    demo.close()
    demo.deleteLater()
    return written


def _change_dialogs(main: MainWindow, folder: Path, today: date) -> list[Path]:
    written = []
    tab = main.record_tabs()[0]
    label = "Amelia Hartwell, born 14 March 2015"
    indicator = SetIndicatorDialog(label, tab.offers.set_indicator, parent=main)
    indicator.show()
    indicator.choose(1)
    fit_height(indicator)
    written.append(save_grab(indicator, folder, "set-indicator"))
    indicator.close()

    ending = EndInvolvementDialog(
        label,
        tab.offers.end,
        today=today,
        service_names={s.code: s.name for s in default_catalogue().services},
        parent=main,
    )
    ending.show()
    fit_height(ending)
    written.append(save_grab(ending, folder, "end-involvement"))
    ending.close()

    camhs = synthetic.user(Role.PRACTITIONER).model_copy(
        update={"service_code": "camhs", "display_name": "Quinn Adeyemi"}
    )
    consent = AddInvolvementDialog(
        "Johnathan Smith, born 2 January 2014",
        camhs,
        default_catalogue().get("camhs"),
        job_title="CAMHS clinician",
        today=today,
        # What walking the consent chart (tests/gui/guidance/screenshots.py) hands on.
        consent=InvolvementConsent(
            basis=ConsentBasis.CHILD_PROTECTION_OVERRIDE,
            recorded_on=today,
            justification="Disclosed risk at home; strategy discussion held today.",
            flagged_for_review=True,
        ),
        parent=main,
    )
    consent.show()
    fit_height(consent)
    written.append(save_grab(consent, folder, "add-involvement-consent"))
    consent.close()
    return written


def _lists(main: MainWindow, folder: Path) -> list[Path]:
    written = []
    for name, show in (
        ("conflicts", main.show_conflicts),
        ("rejected", main.show_rejected),
        ("access-log", main.show_access_log),
    ):
        listed: ListDialog = show()
        # Its rows are read on the worker: they arrive through the event loop.
        _wait_for(listed.rows_loaded, lambda: None)
        written.append(save_grab(listed, folder, name))
        listed.close()
    return written


def _records(folder: Path) -> list[Path]:
    written = []
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
        layout = body.layout()
        # Word-wrapped text is as tall as its width makes it: ask the layout, not the
        # size hint (which assumes no wrapping and leaves a blank band below).
        needed = (
            layout.totalHeightForWidth(width)
            if layout is not None and layout.hasHeightForWidth()
            else body.sizeHint().height()
        )
        view.resize(width, needed)
        written.append(save_grab(body, folder, name))
        view.close()
        view.deleteLater()
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
