"""The desktop client syncing with the real central index on loopback (PRODUCT.md §3, §6).

One index process serves the module (``tests/support/live_server.py``), on an SQLite file
seeded with the demo users; each test makes its own staff and children in the index's
database (:class:`tests.integration.sync.world.World`) and drives the client through
its windows, by keyboard. What the index ends up holding is read back from its database.
The index lists at most three children per search here, so "too many" is easy to reach.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.domain.audit import AuditAction
from app.domain.errors import DomainError
from app.domain.identifiers import new_index_id
from app.domain.reasons import ReasonCode
from app.domain.records import Address, ChildRecord, ParentCarer
from app.domain.roles import Role
from app.store.device_secret import EphemeralSecretStore
from app.store.profiles import list_profiles
from app.sync.engine import Progress, SyncReport
from app.ui import session as ops
from app.ui import sync_runner
from app.ui.application import ClientController
from app.ui.caseload_model import Column
from app.ui.conflicts_dialog import ConflictsDialog
from app.ui.involvement_dialogs import EndInvolvementDialog
from app.ui.main_window import MainWindow
from app.ui.reason_dialog import ReasonDialog
from app.ui.record_tab import RecordTab
from app.ui.session import ChangeMade, UiContext
from app.ui.sign_in_prompt import SignInPrompt
from app.ui.signin import SignInWindow
from server.audit.models import AuditRow
from server.auth import passwords
from server.children.repository import insert_child, load_child
from server.db import transaction
from server.sync.models import AppliedMutationRow
from tests.gui import synthetic
from tests.gui.conftest import NO_RETRIES
from tests.integration.sync.world import PASSWORD, Staff, World, make_device
from tests.support.live_server import CHEAP_PASSWORDS, LiveServer, prepare_database

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
#: Searches of the index list at most this many children here.
SEARCH_LIMIT = 3
WAIT = 30_000


@pytest.fixture(scope="module")
def live_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The index, seeded with the demo users and showcase children."""
    folder = tmp_path_factory.mktemp("gui-live-sync")
    url = prepare_database(folder / "index.db", children=0, today=datetime.now(UTC).date())
    settings = {"search_result_limit": SEARCH_LIMIT}
    with LiveServer(url, folder / "server.log", settings=settings) as server:
        yield server


@pytest.fixture(scope="module")
def world(live_index: LiveServer) -> Iterator[World]:
    """The index's database, to arrange staff and children and read outcomes."""
    passwords.configure(
        time_cost=CHEAP_PASSWORDS["password_time_cost"],
        memory_kib=CHEAP_PASSWORDS["password_memory_kib"],
    )
    built = World(live_index.database_url, live_index.url)
    yield built
    built.close()


@pytest.fixture
def live_index_running(live_index: LiveServer) -> Iterator[LiveServer]:
    """The index, started again after a test that stopped it."""
    yield live_index
    if not live_index.running:
        live_index.start()


@pytest.fixture
def controller(tmp_path: Path, live_index_running: LiveServer) -> Iterator[ClientController]:
    context = UiContext(
        secret_store=EphemeralSecretStore(),
        data_root=tmp_path / "data",
        argon2_params=synthetic.CHEAP,
        transport=NO_RETRIES,
        default_server_url=live_index_running.url,
        device_name="GUI live sync test",
    )
    started = ClientController(context)
    yield started
    started.quit()


# -- driving the client ----------------------------------------------------------------------


def activate(qtbot: QtBot, window: MainWindow) -> None:
    """A window manager gives the focus back when a dialog closes; offscreen, we do."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def listed(window: MainWindow) -> list[str]:
    return [window.proxy.index(r, Column.NAME).data() for r in range(window.proxy.rowCount())]


def first_sign_in(qtbot: QtBot, controller: ClientController, staff: Staff) -> MainWindow:
    window = controller.start()
    window.tabs.setCurrentIndex(1)
    window.username.setText(staff.username)
    window.new_password.setText(PASSWORD)
    with qtbot.waitSignal(controller.session_started, timeout=WAIT) as started:
        QTest.keyClick(window.new_password, Qt.Key.Key_Return)
    assert started.args is not None
    main: MainWindow = started.args[0]
    qtbot.waitUntil(lambda: not main.syncing and main.status_bar.status is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: main.status_bar.last_sync_label.text() != "Never synced", timeout=WAIT)
    return main


def lock(qtbot: QtBot, controller: ClientController, main: MainWindow) -> SignInWindow:
    activate(qtbot, main)
    with qtbot.waitSignal(controller.locked, timeout=WAIT):
        QTest.keyClick(main.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    window = controller.sign_in_window
    assert window is not None
    return window


def unlock_offline(qtbot: QtBot, controller: ClientController) -> MainWindow:
    window = controller.sign_in_window
    assert window is not None
    QTest.keyClicks(window.saved_password, PASSWORD)
    with qtbot.waitSignal(controller.session_started, timeout=WAIT) as started:
        QTest.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert started.args is not None
    main: MainWindow = started.args[0]
    qtbot.waitUntil(lambda: main.proxy.rowCount() > 0, timeout=WAIT)
    return main


def open_record(qtbot: QtBot, main: MainWindow, name: str, reason: Qt.Key) -> RecordTab:
    main.tabs.setCurrentIndex(0)
    main.table.setCurrentIndex(main.proxy.index(listed(main).index(name), 0))
    activate(qtbot, main)
    QTest.keyClick(main.table, Qt.Key.Key_Return)
    dialog = main.reason_dialog
    assert isinstance(dialog, ReasonDialog)
    QTest.keyClick(dialog, reason)
    with qtbot.waitSignal(main.record_opened, timeout=WAIT):
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    return main.record_tabs()[-1]


def sign_in_to_sync(qtbot: QtBot, main: MainWindow) -> SyncReport:
    """F5 in an offline session: the password, then a sync; returns its report."""
    activate(qtbot, main)
    with qtbot.waitSignal(main.dialog_opened, timeout=WAIT) as opened:
        QTest.keyClick(main.tabs.currentWidget(), Qt.Key.Key_F5)
    assert opened.args is not None
    prompt = opened.args[0]
    assert isinstance(prompt, SignInPrompt)
    QTest.keyClicks(prompt.password, PASSWORD)
    with qtbot.waitSignal(
        main.sync_finished, timeout=WAIT, check_params_cb=lambda r: isinstance(r, SyncReport)
    ) as finished:
        QTest.keyClick(prompt.password, Qt.Key.Key_Return)
    assert finished.args is not None
    report: SyncReport = finished.args[0]
    assert main.status_bar.user_label.text().startswith("Signed in as ")
    return report


def sync(qtbot: QtBot, main: MainWindow) -> SyncReport:
    """F5 in a signed-in session."""
    qtbot.waitUntil(lambda: not main.syncing, timeout=WAIT)
    activate(qtbot, main)
    with qtbot.waitSignal(main.sync_finished, timeout=WAIT) as finished:
        QTest.keyClick(main.tabs.currentWidget(), Qt.Key.Key_F5)
    assert finished.args is not None
    report = finished.args[0]
    assert isinstance(report, SyncReport), report
    return report


def display(world: World, index_id: str) -> str:
    with world.sessions() as session:
        row = load_child(session, index_id)
        assert row is not None
        return f"{row.family_name}, {row.given_names}"


# -- the scenarios ---------------------------------------------------------------------------


def test_an_indicator_set_offline_reaches_the_index_once_with_the_offline_access(
    qtbot: QtBot, controller: ClientController, live_index_running: LiveServer, world: World
) -> None:
    staff = world.staff(Role.PRACTITIONER)
    (child,) = world.children(staff, 1)
    main = first_sign_in(qtbot, controller, staff)
    name = display(world, child)
    qtbot.waitUntil(lambda: listed(main) == [name], timeout=WAIT)
    device_id = main.session.profile.device_id
    lock(qtbot, controller, main)

    live_index_running.stop()
    window = controller.sign_in_window
    assert window is not None
    QTest.keyClicks(window.saved_password, PASSWORD)
    with qtbot.waitSignal(window.message_shown, timeout=WAIT):
        QTest.mouseClick(window.sign_in_button, Qt.MouseButton.LeftButton)
    assert window.message_text.startswith("Everychild cannot reach the index just now.")
    with qtbot.waitSignal(controller.session_started, timeout=WAIT) as started:
        QTest.mouseClick(window.offline_button, Qt.MouseButton.LeftButton)
    assert started.args is not None
    main = started.args[0]
    assert main.status_bar.user_label.text() == "Unlocked offline as Test Practitioner"
    qtbot.waitUntil(lambda: listed(main) == [name], timeout=WAIT)

    tab = open_record(qtbot, main, name, Qt.Key.Key_1)
    assert tab.view.findChild(QLabel, "fromCacheNote") is not None
    activate(qtbot, main)
    with qtbot.waitSignal(main.dialog_opened, timeout=WAIT) as opened:
        QTest.keyClick(main.tabs.currentWidget(), Qt.Key.Key_I, CTRL_SHIFT)
    assert opened.args is not None
    indicator = opened.args[0]
    QTest.keyClick(indicator, Qt.Key.Key_1)
    with qtbot.waitSignal(main.change_made, timeout=WAIT) as made:
        QTest.keyClick(indicator.focusWidget(), Qt.Key.Key_Return)
    assert made.args is not None
    change: ChangeMade = made.args[0]
    assert change.queued
    assert world.indicators_set_by(staff.id) == []

    live_index_running.start()
    # The network comes back: an offline session says signing in would sync.
    main.runner.network_is_back()
    assert main.notices.network.isVisible()
    report = sign_in_to_sync(qtbot, main)
    assert not main.notices.network.isVisible()
    assert report.applied >= 1
    again = sync(qtbot, main)
    assert again.pushed == 0

    with world.sessions() as session:
        applied = session.scalars(
            select(AppliedMutationRow.id).where(AppliedMutationRow.user_id == staff.id)
        ).all()
        opens = session.scalars(
            select(AuditRow).where(
                AuditRow.chain == f"device:{device_id}",
                AuditRow.action == AuditAction.OPEN.value,
                AuditRow.child_id == child,
            )
        ).all()
    assert len(world.indicators_set_by(staff.id)) == 1
    assert len(applied) == 1
    assert [(row.reason_code, row.actor_id) for row in opens] == [
        (ReasonCode.SERVICE_PROVISION.value, staff.id)
    ]
    assert world.device_chain_intact(device_id)
    qtbot.waitUntil(lambda: main.status_bar.pending_label.text() == "Nothing waiting to be sent")


def test_the_same_involvement_ended_on_two_devices_is_resolved_in_the_conflicts_view(
    qtbot: QtBot, controller: ClientController, world: World, tmp_path: Path
) -> None:
    staff = world.staff(Role.PRACTITIONER)
    (child,) = world.children(staff, 1)
    main = first_sign_in(qtbot, controller, staff)
    lock(qtbot, controller, main)
    main = unlock_offline(qtbot, controller)
    name = display(world, child)

    tab = open_record(qtbot, main, name, Qt.Key.Key_1)
    activate(qtbot, main)
    with qtbot.waitSignal(main.dialog_opened, timeout=WAIT) as opened:
        QTest.keyClick(main.tabs.currentWidget(), Qt.Key.Key_E, CTRL_SHIFT)
    assert opened.args is not None
    ending = opened.args[0]
    assert isinstance(ending, EndInvolvementDialog)
    involvement_id = ending.chosen().id
    with qtbot.waitSignal(main.change_made, timeout=WAIT):
        QTest.keyClick(ending.focusWidget(), Qt.Key.Key_Return)
    assert "(ended)" in tab.view.visible_text()

    # Meanwhile, on the practitioner's other computer, the same involvement is ended first.
    other = make_device(staff, world.server_url, tmp_path / "other-computer")
    try:
        other.engine.sync_now()
        other.end_involvement(child)
        other.engine.sync_now()
    finally:
        other.close()
    ended_elsewhere = world.involvement(child, involvement_id)
    assert ended_elsewhere.end_date is not None

    report = sign_in_to_sync(qtbot, main)
    assert report.conflicts == 1
    qtbot.waitUntil(main.notices.attention.isVisible, timeout=WAIT)
    assert main.notices.attention.text == (
        "1 of your changes conflicts with a change made elsewhere."
    )

    activate(qtbot, main)
    with qtbot.waitSignal(main.dialog_opened, timeout=WAIT) as shown:
        QTest.keyClick(main.tabs.currentWidget(), Qt.Key.Key_R, CTRL_SHIFT)
    assert shown.args is not None
    dialog = shown.args[0]
    assert isinstance(dialog, ConflictsDialog)
    qtbot.waitUntil(lambda: dialog.loads > 0, timeout=WAIT)
    assert dialog.model.texts(0) == [tab.record.display_name]
    assert dialog.theirs_text.text().startswith("The index shows this involvement already ended")
    with qtbot.waitSignal(dialog.resolved, timeout=WAIT):
        QTest.keyClick(dialog, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=WAIT)
    qtbot.waitUntil(lambda: not main.notices.attention.isVisible(), timeout=WAIT)

    # The index kept the first ending, once: the second was never applied.
    assert world.involvement(child, involvement_id) == ended_elsewhere
    assert len(world.applied_mutations(staff.id)) == 1


def test_a_revoked_device_loses_its_copy_at_the_next_sync_and_is_told(
    qtbot: QtBot, controller: ClientController, world: World
) -> None:
    staff = world.staff(Role.PRACTITIONER)
    world.children(staff, 2)
    main = first_sign_in(qtbot, controller, staff)
    profile = main.session.profile
    world.revoke_device(staff, profile.device_id)

    with qtbot.waitSignal(controller.locked, timeout=WAIT):
        activate(qtbot, main)
        QTest.keyClick(main.table, Qt.Key.Key_F5)
    window = controller.sign_in_window
    assert window is not None
    assert window.message_text.startswith(
        "Your organisation has withdrawn this computer's access to the index for your "
        "account, so Everychild has deleted the copy of your caseload"
    )
    assert "What to do: if you did not expect this, contact your user administrator." in (
        window.message_text
    )
    assert list_profiles(controller.context.data_root) == []
    assert not profile.database_path.exists()
    assert window.profiles.rowCount() == 0


def _children_named(world: World, family: str, born: date, given: list[str]) -> list[str]:
    records = [
        ChildRecord(
            index_id=new_index_id(),
            given_names=name,
            family_name=family,
            date_of_birth=born,
            gender="female",
            address=Address(line1="1 Example Road", town="Brighton", postcode="BN1 1AA"),
            parents_carers=(ParentCarer(id=uuid.uuid4().hex[:12], name="Pat Parentsynth"),),
        )
        for name in given
    ]
    with transaction(world.sessions) as session:
        for record in records:
            insert_child(session, record, now=datetime.now(UTC))
    return [r.index_id for r in records]


def test_searching_the_index_explains_its_rules_and_a_result_can_be_pinned(
    qtbot: QtBot, controller: ClientController, world: World
) -> None:
    staff = world.staff(Role.PRACTITIONER)
    born = date(2016, 5, 17)
    ids = _children_named(world, "Brackenbury", born, ["Ada", "Bea", "Cleo", "Dora"])
    main = first_sign_in(qtbot, controller, staff)
    assert listed(main) == []
    activate(qtbot, main)
    QTest.keyClick(main.table, Qt.Key.Key_F, CTRL_SHIFT)
    page = main.online_page
    assert main.tabs.currentWidget() is page
    assert page.fields["family_name"].hasFocus()
    assert not page.offline_banner.isVisible()

    QTest.keyClicks(page.fields["family_name"], "Brackenbury")
    QTest.keyClick(page.fields["family_name"], Qt.Key.Key_Return)
    assert page.message_text.startswith("Give at least two details to search the index")

    page.fields["date_of_birth"].setText("17/05/2016")
    with qtbot.waitSignal(page.results_shown, timeout=WAIT):
        QTest.keyClick(page.fields["date_of_birth"], Qt.Key.Key_Return)
    assert page.message_text.startswith(
        "Too many children match these details for the index to list them."
    )
    assert page.model.rowCount() == 0

    page.fields["given_names"].setText("Cleo")
    with qtbot.waitSignal(page.results_shown, timeout=WAIT) as shown:
        QTest.keyClick(page.fields["given_names"], Qt.Key.Key_Return)
    assert shown.args == [1]
    assert page.count_label.text() == "1 child found"
    assert page.model.texts(0) == ["Brackenbury, Cleo"]
    assert page.model.texts(4) == ["BN1"]

    QTest.keyClick(page.table, Qt.Key.Key_Return)
    reason = main.reason_dialog
    assert isinstance(reason, ReasonDialog)
    QTest.keyClick(reason, Qt.Key.Key_3)
    with qtbot.waitSignal(main.record_opened, timeout=WAIT):
        QTest.keyClick(reason.focusWidget(), Qt.Key.Key_Return)
    tab = main.record_tabs()[-1]
    assert tab.record.index_id == ids[2]
    assert tab.view.findChild(QLabel, "fromCacheNote") is None
    assert [b.text() for b in tab.buttons if not b.isHidden()] == [
        "Add me as involved",
        "Pin to my caseload",
    ]

    activate(qtbot, main)
    QTest.keyClick(main.tabs.currentWidget(), Qt.Key.Key_P, CTRL_SHIFT)
    pin = main.changes.dialog
    assert isinstance(pin, ReasonDialog)
    QTest.keyClick(pin, Qt.Key.Key_1)
    with qtbot.waitSignal(main.sync_finished, timeout=WAIT):
        with qtbot.waitSignal(main.change_made, timeout=WAIT) as made:
            QTest.keyClick(pin.focusWidget(), Qt.Key.Key_Return)
        assert made.args is not None
        assert not made.args[0].queued
        assert tab.note.text == "Your change has been made on the index."
    # The pinned child arrives with the sync that follows the change.
    qtbot.waitUntil(lambda: listed(main) == ["Brackenbury, Cleo"], timeout=WAIT)

    with world.sessions() as session:
        searches = session.scalars(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.actor_id == staff.id, AuditRow.action == AuditAction.SEARCH.value)
        ).one()
    # The search refused for one detail never reached the index.
    assert searches == 2


def test_a_long_sync_shows_its_progress_and_stops_when_asked(
    qtbot: QtBot,
    controller: ClientController,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ops, "PULL_PAGE_SIZE", 10)
    monkeypatch.setattr(sync_runner, "PROGRESS_DELAY_MS", 0)
    staff = world.staff(Role.PRACTITIONER)
    world.children(staff, 150)
    seen: list[Progress] = []
    shown: list[bool] = []

    def stop_at_first_page(progress: Progress) -> None:
        seen.append(progress)
        window = controller.main_window
        if progress.phase == "pull" and not shown and window is not None:
            shown.append(window.status_bar.progress.isVisible())
            QTest.mouseClick(window.status_bar.progress.stop_button, Qt.MouseButton.LeftButton)

    controller.relay.progress.connect(stop_at_first_page)
    window = controller.start()
    window.tabs.setCurrentIndex(1)
    window.username.setText(staff.username)
    window.new_password.setText(PASSWORD)
    with qtbot.waitSignal(controller.session_started, timeout=WAIT) as started:
        QTest.keyClick(window.new_password, Qt.Key.Key_Return)
    assert started.args is not None
    main: MainWindow = started.args[0]
    with qtbot.waitSignal(main.sync_finished, timeout=WAIT) as finished:
        pass
    controller.relay.progress.disconnect(stop_at_first_page)
    assert finished.args is not None
    stopped = finished.args[0]
    assert isinstance(stopped, SyncReport)
    assert stopped.cancelled
    assert 0 < stopped.upserted < 150
    assert not main.status_bar.progress.isVisible()
    # The unlock's audit entry went first; then the first page, and the stop.
    assert [p.phase for p in seen][:2] == ["push", "pull"]
    assert shown == [True]
    assert main.status_bar.progress.label.text() == "Stopping after the current step…"

    report = sync(qtbot, main)
    assert not report.cancelled
    qtbot.waitUntil(lambda: main.proxy.rowCount() == 150, timeout=WAIT)
    assert main.count_label.text() == "150 children in your caseload"


def test_when_the_index_cannot_be_reached_sync_tries_again_later_and_when_it_returns(
    qtbot: QtBot, controller: ClientController, live_index_running: LiveServer, world: World
) -> None:
    staff = world.staff(Role.PRACTITIONER)
    world.children(staff, 1)
    main = first_sign_in(qtbot, controller, staff)
    assert main.auto_sync.isActive()
    # The syncs of signing in (on start, and once more if asked meanwhile) are over.
    qtbot.waitUntil(lambda: not main.syncing, timeout=WAIT)
    live_index_running.stop()

    failed = []
    for _ in range(2):
        qtbot.waitUntil(lambda: not main.syncing, timeout=WAIT)
        activate(qtbot, main)
        with qtbot.waitSignal(
            main.sync_finished,
            timeout=WAIT,
            check_params_cb=lambda result: isinstance(result, DomainError),
        ) as finished:
            QTest.keyClick(main.table, Qt.Key.Key_F5)
        assert finished.args is not None
        failed.append((finished.args[0].code, main.runner.retry_seconds))
    # Offline, then a growing wait before the next try; the window says so, and stays.
    (first, first_wait), (second, second_wait) = failed
    assert (first, second) == ("offline", "offline")
    assert first_wait == 30
    assert second_wait >= 2 * first_wait
    assert main.status_bar.state_label.text() == ("Offline: working from the copy on this computer")
    assert controller.main_window is main

    live_index_running.start()
    with qtbot.waitSignal(
        main.sync_finished, timeout=WAIT, check_params_cb=lambda r: isinstance(r, SyncReport)
    ):
        main.runner.network_is_back()
    assert main.runner.retry_seconds == 0
    assert main.status_bar.state_label.text() == "Online"


def test_open_records_follow_the_sync_and_one_it_takes_away_is_closed_with_a_notice(
    qtbot: QtBot, controller: ClientController, world: World, tmp_path: Path
) -> None:
    staff = world.staff(Role.PRACTITIONER)
    stays, leaves = world.children(staff, 2)
    main = first_sign_in(qtbot, controller, staff)
    stays_name, leaves_name = display(world, stays), display(world, leaves)
    qtbot.waitUntil(lambda: {stays_name, leaves_name} <= set(listed(main)), timeout=WAIT)
    leaving = open_record(qtbot, main, leaves_name, Qt.Key.Key_1)
    staying = open_record(qtbot, main, stays_name, Qt.Key.Key_1)
    assert "Indicator:" not in staying.view.visible_text()
    leaving_record = leaving.record.display_name

    # On the practitioner's other computer: an indicator on one child, and their
    # involvement with the other ended — so that child leaves this computer's copy.
    other = make_device(staff, world.server_url, tmp_path / "other-computer")
    try:
        other.engine.sync_now()
        other.set_indicator(stays)
        other.end_involvement(leaves)
        other.engine.sync_now()
    finally:
        other.close()

    sync(qtbot, main)

    qtbot.waitUntil(lambda: "Indicator:" in staying.view.visible_text(), timeout=WAIT)
    assert staying.note.text.startswith("Updated by the sync at ")
    assert not staying.note.isHidden()
    open_now = [tab.record.display_name for tab in main.record_tabs()]
    assert open_now == [staying.record.display_name]
    assert main.notices.closed.isVisible()
    assert main.notices.closed.text.startswith(
        f"The last sync took {leaving_record} out of the copy on this computer"
    )
    assert leaves_name not in listed(main)
    main.notices.dismiss_closed.click()
    assert not main.notices.closed.isVisible()
