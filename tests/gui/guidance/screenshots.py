"""Render the guided decisions and the guidance offscreen, and the printed PDF, for docs/guidance/.

``QT_QPA_PLATFORM=offscreen python -m tests.gui.guidance.screenshots [FOLDER]`` builds a
real encrypted cache in a temporary folder with the synthetic caseload of
:mod:`tests.gui.synthetic`, and grabs: the decision dialog part-way through "Should I
share this information?", at its outcome and on the record's form; a recorded decision
with its path shown; the consent step for a sensitive involvement; and the guidance viewer
(golden rules, a chart). It then saves two guidance pages as black-and-white PDFs and turns
their pages into PNG files with poppler's ``pdftoppm`` (skipped, with a note, if it is not
installed). No real person appears: every name is synthetic.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QTimer

from app.domain.changes import Change, ChangesPage
from app.domain.flowcharts import load_flowchart
from app.domain.records import Decision, DecisionOutcome, SharingBasis
from app.domain.roles import Role
from app.domain.session import DevicePolicy
from app.store.device_secret import EphemeralSecretStore
from app.store.profiles import create_profile
from app.ui import session as ops
from app.ui.application import apply_look, create_application
from app.ui.guidance.consent_step import ConsentStepDialog
from app.ui.guidance.decision_dialog import DecisionDialog
from app.ui.guidance.decision_view import DecisionsPanel
from app.ui.guidance.guidance_pages import guidance_pages
from app.ui.guidance.guidance_viewer import GuidanceWindow
from app.ui.guidance.printing import export_pdf
from app.ui.guidance.saving import DecisionSaver
from app.ui.session import UiContext
from app.ui.tasks import CacheWorker
from tests.gui import synthetic
from tests.gui.grabbing import save_grab

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_FOLDER = ROOT / "docs" / "guidance"
TIMEOUT_MS = 20_000


def _on_worker(worker: CacheWorker, function: Callable[[], T]) -> T:
    outcome: dict[str, Any] = {}
    loop = QEventLoop()
    (
        worker.task(function)
        .success(lambda value: outcome.setdefault("value", value))
        .failure(lambda error: outcome.setdefault("error", error))
        .finally_(loop.quit)
        .start()
    )
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["value"]
    return result


def _walk(dialog: DecisionDialog | ConsentStepDialog, *numbers: int) -> None:
    for number in numbers:
        dialog.panel.choose(number)
        dialog.panel.go_on()


def recorded_decision() -> Decision:
    """A synthetic decision made with the chart, for the record's view."""
    return Decision(
        id="dec-screens-1",
        decided_by=synthetic.USER_ID,
        decided_by_name="Pat Visitor",
        decided_at=datetime(2026, 11, 9, 10, 30, tzinfo=UTC),
        outcome=DecisionOutcome.SHARE,
        basis=SharingBasis.PUBLIC_INTEREST,
        information_shared="Bruising seen at two home visits.",
        shared_with="Duty social worker, Brighton and Hove Children's Services",
        purpose="To protect the child from significant harm.",
        reasons="Child at risk; asking the family would increase the risk.",
        consulted="Safeguarding lead, Seafield Health",
        person_informed=False,
        review_date=date(2027, 2, 1),
        flowchart_id="should-i-share",
        flowchart_version=load_flowchart("should-i-share").version,
        answers=(
            ("purpose", "yes"),
            ("identifiable", "yes"),
            ("confidential", "yes"),
            ("consent", "no"),
            ("statutory", "no"),
            ("public_interest", "child_significant_harm"),
            ("proportionate", "yes"),
        ),
    )


def render_all(folder: Path = DEFAULT_FOLDER) -> list[Path]:
    """Render every guidance screen and printed page into ``folder``; return the files."""
    application = create_application(["everychild-guidance-screenshots"])
    apply_look(application)
    folder.mkdir(parents=True, exist_ok=True)
    worker = CacheWorker()
    try:
        with tempfile.TemporaryDirectory(prefix="everychild-guidance-") as data:
            context = UiContext(
                secret_store=EphemeralSecretStore(),
                data_root=Path(data),
                argon2_params=synthetic.CHEAP,
            )
            return _render(context, worker, folder)
    finally:
        worker.stop()


def _render(context: UiContext, worker: CacheWorker, folder: Path) -> list[Path]:
    now = datetime.now(UTC)
    profile = create_profile(
        username="pat.visitor",
        server_url="https://index.brighton-hove.example.org",
        password=synthetic.PASSWORD,
        secret_store=context.secret_store,
        now=now,
        user_id=synthetic.USER_ID,
        params=synthetic.CHEAP,
        root=context.data_root,
    )

    def unlock() -> ops.Session:
        session = ops.unlock_offline(context, profile, synthetic.PASSWORD)
        session.cache.record_contact(
            now, DevicePolicy(idle_lock_minutes=5, offline_lease_hours=72, wipe_after_days=14)
        )
        records = synthetic.caseload_for(synthetic.user(Role.PRACTITIONER))
        session.cache.store_page(
            ChangesPage(
                changes=tuple(Change(op="upsert", index_id=r.index_id, record=r) for r in records),
                cursor="screenshots",
                has_more=False,
            ),
            now=now,
        )
        return session

    session = _on_worker(worker, unlock)
    written: list[Path] = []
    try:
        saver = DecisionSaver(
            worker,
            session.cache,
            actor=synthetic.user(Role.PRACTITIONER),
            child_id=synthetic.AMELIA.index_id,
        )
        dialog = DecisionDialog(saver, child_label="Amelia Hartwell, born 14 March 2015")
        dialog.show()
        _walk(dialog, 1, 1, 1, 4)
        written.append(save_grab(dialog, folder, "decision-walk"))
        _walk(dialog, 3, 1, 1)
        written.append(save_grab(dialog, folder, "decision-outcome"))
        dialog.show_form()
        written.append(save_grab(dialog, folder, "decision-form"))
        dialog.close()

        panel = DecisionsPanel([recorded_decision()], can_record=True)
        panel.resize(900, 1100)
        panel.show()
        panel.cards[0].show_path()
        written.append(save_grab(panel, folder, "decision-record-with-path"))
        panel.close()

        consent = ConsentStepDialog(
            service_name="Child and adolescent mental health", today=now.date()
        )
        consent.show()
        _walk(consent, 3, 1)
        consent.panel.go_on()
        consent.justification.setPlainText(
            "Disclosed injuries at home; strategy discussion held; team manager agreed."
        )
        written.append(save_grab(consent, folder, "consent-step-override"))
        consent.close()

        window = GuidanceWindow(roles={Role.PRACTITIONER})
        window.show()
        written.append(save_grab(window, folder, "guidance-golden-rules"))
        window.viewer.select("should-i-share")
        written.append(save_grab(window, folder, "guidance-chart-text"))
        window.viewer.tabs.setCurrentIndex(1)
        written.append(save_grab(window, folder, "guidance-chart-drawing"))
        window.close()
    finally:
        _on_worker(worker, lambda: ops.lock(context, session))
    written += _printed(folder, now.date() + timedelta(days=0))
    return written


def _printed(folder: Path, today: date) -> list[Path]:
    """The black-and-white PDF of two pages, and their pages as PNG files (via pdftoppm)."""
    pdftoppm = shutil.which("pdftoppm")
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="everychild-guidance-pdf-") as scratch:
        for page_id, wanted in (("golden-rules", (1,)), ("should-i-share", (1, -1))):
            page = next(p for p in guidance_pages() if p.page_id == page_id)
            pdf = Path(scratch) / f"{page_id}.pdf"
            count = export_pdf(page, pdf, today=today)
            if pdftoppm is None:
                print("pdftoppm is not installed: printed pages not rendered", file=sys.stderr)  # noqa: T201
                continue
            for number in wanted:
                page_number = count if number == -1 else number
                stem = folder / f"printed-{page_id}-page-{page_number}"
                subprocess.run(
                    [
                        pdftoppm,
                        "-png",
                        "-r",
                        "80",
                        "-f",
                        str(page_number),
                        "-l",
                        str(page_number),
                        "-singlefile",
                        str(pdf),
                        str(stem),
                    ],
                    check=True,
                    capture_output=True,
                    timeout=60,
                )
                written.append(stem.with_suffix(".png"))
    return written


def main(argv: list[str]) -> int:
    """Render into the folder named on the command line (``docs/guidance`` by default)."""
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_FOLDER
    for path in render_all(folder):
        print(path)  # noqa: T201 - the command's output
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
