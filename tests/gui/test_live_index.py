"""The desktop client against the real central index on loopback (PRODUCT.md §3, §6, §8).

One index process (``tests/support/live_server.py``) serves this module, seeded with the
demo users and showcase children. The client signs in through its window, syncs its
caseload, opens Amelia Hart for a reason, and the index's own audit trail is read back;
each refusal at sign-in is shown in the user's words. The showcase records are seen as each
role sees them: Leo Marsh's CAMHS involvement only by essential staff (a viewer, who finds
him with the search of the whole index, is told only that more exists), and Ruby Stone's
shielded record reduced to who she is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.reasons import ReasonCode
from app.domain.roles import Role
from app.store.device_secret import EphemeralSecretStore
from app.store.errors import MESSAGES as STORE_MESSAGES
from app.store.errors import StoreError
from app.ui.application import ClientController
from app.ui.caseload_model import Column, format_date
from app.ui.main_window import MainWindow
from app.ui.record_view import RecordView
from app.ui.session import UiContext
from app.ui.signin import SignInWindow
from server.audit.models import AuditRow
from server.auth import passwords
from server.auth.models import UserRow
from server.auth.service import create_user
from server.db import make_engine, make_session_factory, transaction
from tests.gui import synthetic
from tests.gui.conftest import NO_RETRIES
from tests.support.live_server import CHEAP_PASSWORDS, LiveServer, prepare_database

Sessions = sessionmaker[Session]
DEMO_PASSWORD = "Everychild-demo-1"
OTHER_PASSWORD = "Correct-horse-battery-99"


@pytest.fixture(scope="module")
def live_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The index, seeded with the demo users and showcase children only."""
    folder = tmp_path_factory.mktemp("gui-live-index")
    url = prepare_database(folder / "index.db", children=0, today=datetime.now(UTC).date())
    with LiveServer(url, folder / "server.log") as server:
        yield server


@pytest.fixture(scope="module")
def index_db(live_index: LiveServer) -> Iterator[Sessions]:
    """Sessions on the index's own database, to arrange users and read the audit trail."""
    passwords.configure(
        time_cost=CHEAP_PASSWORDS["password_time_cost"],
        memory_kib=CHEAP_PASSWORDS["password_memory_kib"],
    )
    engine = make_engine(live_index.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def live_context(tmp_path: Path, live_index: LiveServer) -> UiContext:
    return UiContext(
        secret_store=EphemeralSecretStore(),
        data_root=tmp_path / "data",
        argon2_params=synthetic.CHEAP,
        transport=NO_RETRIES,
        default_server_url=live_index.url,
        device_name="GUI live test",
    )


@pytest.fixture
def controller(live_context: UiContext) -> Iterator[ClientController]:
    started = ClientController(live_context)
    yield started
    started.quit()


def first_sign_in(qtbot: QtBot, window: SignInWindow, username: str, password: str) -> None:
    window.tabs.setCurrentIndex(1)
    window.username.setText(username)
    window.new_password.setText(password)
    QTest.mouseClick(window.sign_in_new_button, Qt.MouseButton.LeftButton)


def refusal(qtbot: QtBot, window: SignInWindow, username: str, password: str) -> str:
    with qtbot.waitSignal(window.message_shown, timeout=20_000) as shown:
        first_sign_in(qtbot, window, username, password)
    assert shown.args is not None
    text: str = shown.args[0]
    return text


def user_id(index_db: Sessions, username: str) -> str:
    with index_db() as session:
        found: str = session.scalars(select(UserRow.id).where(UserRow.username == username)).one()
        return found


def test_sign_in_sync_and_open_amelia_hart_with_a_reason(
    qtbot: QtBot, controller: ClientController, index_db: Sessions
) -> None:
    window = controller.start()
    with qtbot.waitSignal(controller.session_started, timeout=30_000) as started:
        first_sign_in(qtbot, window, "demo-practitioner", DEMO_PASSWORD)
    assert started.args is not None
    main: MainWindow = started.args[0]
    assert main.status_bar.user_label.text().startswith("Signed in as ")

    def listed() -> list[str]:
        return [main.proxy.index(r, Column.NAME).data() for r in range(main.proxy.rowCount())]

    qtbot.waitUntil(lambda: "Hart, Amelia" in listed(), timeout=30_000)
    qtbot.waitUntil(lambda: not main.syncing, timeout=30_000)
    assert main.status_bar.state_label.text() == "Online"
    assert main.auto_sync.isActive()
    assert main.status_bar.last_sync_label.text().startswith("Last synced ")

    main.table.setCurrentIndex(main.proxy.index(listed().index("Hart, Amelia"), 0))
    main.open_selected()
    dialog = main.reason_dialog
    assert dialog is not None
    QTest.keyClick(dialog, Qt.Key.Key_1)
    with qtbot.waitSignal(main.record_opened, timeout=20_000) as opened:
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert opened.args is not None
    view = opened.args[0]
    assert view.record.display_name == "Amelia Hart"
    assert view.findChild(QLabel, "fromCacheNote") is None
    text = view.visible_text()
    assert "Seafield Primary" in text
    assert "Harbour Surgery" in text
    assert [m.text() for m in view.findChildren(QLabel, "leadProfessionalMark")] == [
        "Lead professional"
    ]

    practitioner = user_id(index_db, "demo-practitioner")
    with index_db() as session:
        opens = session.scalars(
            select(AuditRow).where(
                AuditRow.action == "open",
                AuditRow.child_id == view.record.index_id,
                AuditRow.actor_id == practitioner,
            )
        ).all()
    assert [(row.reason_code, row.on_behalf_of) for row in opens] == [
        (ReasonCode.SERVICE_PROVISION.value, None)
    ]


def test_a_wrong_password_at_the_index_is_refused_in_plain_words(
    qtbot: QtBot, controller: ClientController
) -> None:
    window = controller.start()
    text = refusal(qtbot, window, "demo-viewer", "not-the-demo-password")
    assert text == "The username or password is not right. Please try again."
    assert window.new_password.text() == ""
    assert window.profiles.rowCount() == 0


def test_a_locked_account_is_told_for_how_long(
    qtbot: QtBot, controller: ClientController, index_db: Sessions
) -> None:
    username = f"gui-locked-{uuid.uuid4().hex[:8]}"
    _make_user(index_db, username)
    with transaction(index_db) as session:
        session.execute(
            update(UserRow)
            .where(UserRow.username == username)
            .values(locked_until=datetime.now(UTC) + timedelta(minutes=10))
        )
    window = controller.start()
    text = refusal(qtbot, window, username, OTHER_PASSWORD)
    assert text.startswith("Too many failed sign-in attempts. Your account is locked for ")


@pytest.mark.parametrize(
    "case",
    [
        (None, date(2025, 1, 1), "Your mandatory Everychild training has not been recorded"),
        (date(2025, 1, 1), date(2019, 1, 1), "Your enhanced vetting check is missing or more"),
    ],
    ids=["training_incomplete", "vetting_expired"],
)
def test_missing_training_or_vetting_is_refused_politely(
    qtbot: QtBot,
    controller: ClientController,
    index_db: Sessions,
    case: tuple[date | None, date, str],
) -> None:
    trained, vetted, expected = case
    username = f"gui-pre-{uuid.uuid4().hex[:8]}"
    _make_user(index_db, username, trained=trained, vetted=vetted)
    window = controller.start()
    assert refusal(qtbot, window, username, OTHER_PASSWORD).startswith(expected)


class _NoSecureKeyring(EphemeralSecretStore):
    """The OS keyring (not ours) on a computer with no secure backend."""

    def create(self, profile_id: str) -> bytes:
        raise StoreError("no_secure_keyring")


def test_no_secure_keyring_fails_closed_with_how_to_fix_it(
    qtbot: QtBot, live_context: UiContext
) -> None:
    context = UiContext(
        secret_store=_NoSecureKeyring(),
        data_root=live_context.data_root,
        argon2_params=synthetic.CHEAP,
        transport=NO_RETRIES,
        default_server_url=live_context.default_server_url,
    )
    controller = ClientController(context)
    try:
        window = controller.start()
        text = refusal(qtbot, window, "demo-viewer", DEMO_PASSWORD)
        assert text == STORE_MESSAGES["no_secure_keyring"]
        assert window.profiles.rowCount() == 0
    finally:
        controller.quit()


#: The showcase children in the caseload of the social worker ``demo-essential``.
SHOWCASE = {"Hart, Amelia", "Marsh, Leo", "Stone, Ruby", "Field, Noah"}


def signed_in(
    qtbot: QtBot, controller: ClientController, username: str, *, listing: set[str]
) -> MainWindow:
    """Sign in as a demo user through the window; return the main window once synced.

    ``listing``: children the caseload must list by then (the list is refreshed after
    the sync, on the worker).
    """
    window = controller.start()
    with qtbot.waitSignal(controller.session_started, timeout=30_000) as started:
        first_sign_in(qtbot, window, username, DEMO_PASSWORD)
    assert started.args is not None
    main: MainWindow = started.args[0]
    qtbot.waitUntil(
        lambda: main.status_bar.last_sync_label.text().startswith("Last synced "),
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: not main.syncing, timeout=30_000)
    qtbot.waitUntil(lambda: listing <= set(caseload_names(main)), timeout=30_000)
    return main


def caseload_names(main: MainWindow) -> list[str]:
    return [main.proxy.index(r, Column.NAME).data() for r in range(main.proxy.rowCount())]


def open_from_caseload(qtbot: QtBot, main: MainWindow, name: str) -> RecordView:
    """Open a child listed in the caseload, giving "providing a service" as the reason."""
    main.tabs.setCurrentIndex(0)
    main.table.setCurrentIndex(main.proxy.index(caseload_names(main).index(name), 0))
    main.open_selected()
    dialog = main.reason_dialog
    assert dialog is not None
    QTest.keyClick(dialog, Qt.Key.Key_1)
    with qtbot.waitSignal(main.record_opened, timeout=20_000) as opened:
        QTest.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened.args is not None
    view: RecordView = opened.args[0]
    return view


def audited_opens(index_db: Sessions, username: str, child_id: str) -> list[AuditRow]:
    with index_db() as session:
        return list(
            session.scalars(
                select(AuditRow).where(
                    AuditRow.action == "open",
                    AuditRow.child_id == child_id,
                    AuditRow.actor_id == user_id(index_db, username),
                )
            )
        )


#: Whatever would tell a viewer about Leo Marsh's CAMHS involvement: the service, the
#: clinician, their organisation and the consent recorded for it.
LEO_CAMHS_WORDS = (
    "CAMHS",
    "Child and adolescent mental health",
    "mental health",
    "sensitive service",
    "Omar Reid",
    "Downland",
    "explicit consent",
)
RESTRICTED_WORDS = "Further information exists — contact essential staff."
VIEWER_REASON = "Leo's father is registering him at Harbour Surgery"


def test_a_viewer_finds_leo_marsh_in_the_index_and_is_told_only_that_more_exists(
    qtbot: QtBot, controller: ClientController, index_db: Sessions
) -> None:
    main = signed_in(qtbot, controller, "demo-viewer", listing=set())
    # A receptionist has no caseload: Leo can only be found by searching the index.
    assert caseload_names(main) == []

    main.focus_online_search()
    page = main.online_page
    assert main.tabs.currentWidget() is page
    QTest.keyClicks(page.fields["family_name"], "Marsh")
    QTest.keyClicks(page.fields["date_of_birth"], "02/07/2012")
    with qtbot.waitSignal(page.results_shown, timeout=20_000) as shown:
        QTest.mouseClick(page.search_button, Qt.MouseButton.LeftButton)
    assert shown.args == [1]
    assert page.count_label.text() == "1 child found"
    found = [page.model.index(0, column).data() for column in range(page.model.columnCount())]
    assert found == ["Marsh, Leo", format_date(date(2012, 7, 2)), "male", "Lewes", "BN7", ""]

    QTest.keyClick(page.table, Qt.Key.Key_Return)
    dialog = main.reason_dialog
    assert dialog is not None
    heading = dialog.findChild(QLabel, "reasonHeading")
    assert heading is not None
    assert heading.text() == "You are about to open the record of Leo Marsh, born 2 July 2012."
    QTest.keyClick(dialog, Qt.Key.Key_3)
    QTest.keyClicks(dialog.reason_text, VIEWER_REASON)
    with qtbot.waitSignal(main.record_opened, timeout=20_000) as opened:
        QTest.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened.args is not None
    view: RecordView = opened.args[0]
    assert view.record.display_name == "Leo Marsh"
    assert main.record_views() == [view]
    assert main.tabs.tabText(main.tabs.currentIndex()) == "Leo Marsh"
    assert view.findChild(QLabel, "fromCacheNote") is None

    text = view.visible_text()
    assert RESTRICTED_WORDS in text
    assert "Downs Academy" in text
    assert "Sam Okafor — Social worker, Brighton and Hove Children's Services" in text
    for word in LEO_CAMHS_WORDS:
        assert word.casefold() not in text.casefold(), word

    opens = audited_opens(index_db, "demo-viewer", view.record.index_id)
    assert [(row.reason_code, row.reason_text, row.on_behalf_of) for row in opens] == [
        (ReasonCode.IDENTIFY_INVOLVED.value, VIEWER_REASON, None)
    ]
    with index_db() as session:
        searches = session.scalars(
            select(AuditRow.action).where(
                AuditRow.action == "search", AuditRow.actor_id == user_id(index_db, "demo-viewer")
            )
        ).all()
    assert searches == ["search"]


def test_essential_staff_open_leo_marsh_from_their_caseload_and_see_camhs(
    qtbot: QtBot, controller: ClientController, index_db: Sessions
) -> None:
    main = signed_in(qtbot, controller, "demo-essential", listing=SHOWCASE)

    view = open_from_caseload(qtbot, main, "Marsh, Leo")
    assert view.record.display_name == "Leo Marsh"
    text = view.visible_text()
    assert "Omar Reid — CAMHS clinician, Downland CAMHS" in text
    assert "Service: Child and adolescent mental health (sensitive service)" in text
    assert "Recorded with the explicit consent of the child on " in text
    assert "Further information exists" not in text
    assert view.findChild(QLabel, "restrictedBannerText") is None

    opens = audited_opens(index_db, "demo-essential", view.record.index_id)
    assert [(row.reason_code, row.on_behalf_of) for row in opens] == [
        (ReasonCode.SERVICE_PROVISION.value, None)
    ]


def test_a_shielded_record_shows_only_who_the_child_is(
    qtbot: QtBot, controller: ClientController
) -> None:
    main = signed_in(qtbot, controller, "demo-essential", listing=SHOWCASE)
    view = open_from_caseload(qtbot, main, "Stone, Ruby")
    text = view.visible_text()
    assert text.startswith("Ruby Stone\nBorn 20 November 2010 · Index id ")
    assert (
        "This record is shielded: only the child's name, date of birth, index id and the "
        "names of parents and carers are shown." in text
    )
    assert "Clare Stone" in text
    # Nothing that could lead to where she lives, nor who works with her, nor why.
    for hidden in (
        "Mill Road",
        "Hove",
        "BN3",
        "Westdene",
        "Parkside",
        "Sam Okafor",
        "refuge",
        "Reason:",
        "female",
        "Mother",
    ):
        assert hidden not in text, hidden
    assert view.sections() == ["identitySection", "parentsSection"]


def _make_user(
    index_db: Sessions,
    username: str,
    *,
    trained: date | None = date(2025, 1, 1),
    vetted: date = date(2025, 1, 1),
) -> None:
    with transaction(index_db) as session:
        create_user(
            session,
            username=username,
            password=OTHER_PASSWORD,
            display_name="Gui Tester",
            roles=frozenset({Role.VIEWER}),
            organisation="Harbour Surgery",
            local_authority="Brighton and Hove",
            training_completed_on=trained,
            vetted_on=vetted,
        )
