"""The sign-in and unlock window: the first thing every user sees (PRODUCT.md §1, §6).

Two ways in, on two tabs:

* **Your profile on this computer** — pick your name (a reception desk PC holds one
  profile per user), type your password, and *Sign in* (the cache is unlocked, then the
  index is signed in to) or *Unlock offline* (the cache alone, for a laptop in the
  field).
* **First sign-in on this computer** — the index's address, username and password. The
  index is asked first, so a mistyped password creates nothing; then the profile and its
  encrypted cache are made.

Every refusal is shown in the window in the user's words: a wrong password, an unknown
user or password (``invalid_credentials``), a locked account, missing training or
vetting, a missing secure keyring. When the index cannot be reached and this computer
holds the user's cache, the window offers to unlock it offline instead.

All work runs on the cache worker; the window only gathers input and shows outcomes. On
success it emits :attr:`SignInWindow.signed_in` with the :class:`~app.ui.session.Session`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.store.profiles import Profile
from app.sync.engine import Progress, SyncStatus
from app.ui import session as ops
from app.ui.banners import Banner, Tone, demo_banner
from app.ui.errors import message_for, report
from app.ui.profile_list import ProfileListModel, index_host
from app.ui.session import Session, UiContext
from app.ui.tasks import CacheWorker

log = logging.getLogger(__name__)

#: The demo users of PRODUCT.md §8, offered as a hint in demo mode.
DEMO_USERS = (
    "demo-viewer",
    "demo-practitioner",
    "demo-sensitive",
    "demo-essential",
    "demo-index-manager",
)
DEMO_PASSWORD_HINT = "Everychild-demo-1"  # noqa: S105 - the published demo password (§8)


class SignInWindow(QWidget):
    """Pick a profile and unlock it, or sign in for the first time."""

    #: A session is open: emitted with the :class:`~app.ui.session.Session`.
    signed_in = Signal(object)
    #: A refusal or problem was shown (its text), for screen readers' sake and tests.
    message_shown = Signal(str)

    def __init__(
        self,
        worker: CacheWorker,
        context: UiContext,
        *,
        on_status: Callable[[SyncStatus], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        preselect: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._context = context
        self._on_status = on_status
        self._on_progress = on_progress
        self._busy = False
        self._offline_profile: Profile | None = None
        self.setObjectName("signInWindow")
        self.setWindowTitle(
            self.tr("Everychild DEMO — sign in")
            if context.demo
            else self.tr("Everychild — sign in")
        )
        self.setAccessibleName(self.tr("Sign in to Everychild"))

        title = QLabel(self.tr("Everychild"))
        title.setObjectName("signInTitle")
        big = QFont(title.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        big.setBold(True)
        title.setFont(big)
        subtitle = QLabel(self.tr("Who else is working with this child, and how to reach them."))
        subtitle.setWordWrap(True)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("signInTabs")
        self.tabs.setAccessibleName(self.tr("Ways to sign in"))
        self.tabs.addTab(self._saved_tab(), self.tr("Your &profile on this computer"))
        self.tabs.addTab(self._new_tab(), self.tr("&First sign-in on this computer"))
        self.tabs.tabBar().setAccessibleName(self.tr("Ways to sign in"))

        self.message = Banner("", Tone.ERROR, name="signInMessage")
        self.message.setVisible(False)
        self.offline_button = QPushButton(self.tr("Unlock &offline instead"))
        self.offline_button.setObjectName("offlineInsteadButton")
        self.offline_button.setAccessibleName(self.tr("Unlock the offline copy instead"))
        self.offline_button.setVisible(False)
        self.offline_button.clicked.connect(self._unlock_offline_instead)
        self.busy_label = QLabel("")
        self.busy_label.setObjectName("signInBusy")

        layout = QVBoxLayout(self)
        if context.demo:
            layout.addWidget(demo_banner())
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(self.tabs)
        layout.addWidget(self.message)
        layout.addWidget(self.offline_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.busy_label)
        layout.addStretch(1)

        self.reload_profiles(preselect)
        self._set_tab_order()
        self.resize(self.fontMetrics().averageCharWidth() * 80, self.sizeHint().height())
        self._destroy_overdue()

    # -- building -------------------------------------------------------------------------------

    def _saved_tab(self) -> QWidget:
        tab = QWidget()
        self.profiles = ProfileListModel(self)
        self.profile_list = QListView()
        self.profile_list.setObjectName("profileList")
        self.profile_list.setModel(self.profiles)
        self.profile_list.setAccessibleName(self.tr("Profiles on this computer"))
        self.profile_list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        # Room for a reception desk's handful of names without a scroll bar.
        self.profile_list.setMaximumHeight(self.fontMetrics().height() * 9)
        self.profile_list.doubleClicked.connect(self._focus_password)
        pick = QLabel(self.tr("Choose your &name:"))
        pick.setBuddy(self.profile_list)

        self.saved_password = QLineEdit()
        self.saved_password.setObjectName("savedPassword")
        self.saved_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.saved_password.setAccessibleName(self.tr("Password"))
        self.saved_password.returnPressed.connect(self.sign_in_saved)
        password = QLabel(self.tr("Pass&word:"))
        password.setBuddy(self.saved_password)

        self.sign_in_button = QPushButton(self.tr("&Sign in"))
        self.sign_in_button.setObjectName("signInSavedButton")
        self.sign_in_button.setAccessibleName(self.tr("Sign in online"))
        self.sign_in_button.clicked.connect(self.sign_in_saved)
        self.unlock_button = QPushButton(self.tr("&Unlock offline"))
        self.unlock_button.setObjectName("unlockOfflineButton")
        self.unlock_button.setAccessibleName(self.tr("Unlock offline"))
        self.unlock_button.clicked.connect(self.unlock_offline)
        self.no_profiles = QLabel(
            self.tr("No one has signed in on this computer yet. Use “First sign-in”.")
        )
        self.no_profiles.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.unlock_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(pick)
        layout.addWidget(self.profile_list)
        layout.addWidget(self.no_profiles)
        form = QFormLayout()
        form.addRow(password, self.saved_password)
        layout.addLayout(form)
        layout.addLayout(buttons)
        explain = QLabel(
            self.tr(
                "Sign in when you are connected; unlock offline to open the copy of your "
                "caseload kept on this computer."
            )
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        return tab

    def _new_tab(self) -> QWidget:
        tab = QWidget()
        self.server_url = QLineEdit(self._context.default_server_url)
        self.server_url.setObjectName("serverUrl")
        self.server_url.setAccessibleName(self.tr("Index address"))
        self.server_url.setPlaceholderText("https://index.example.org")
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setAccessibleName(self.tr("Username"))
        self.new_password = QLineEdit()
        self.new_password.setObjectName("newPassword")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleName(self.tr("Password"))
        self.new_password.returnPressed.connect(self.sign_in_new)
        self.sign_in_new_button = QPushButton(self.tr("Sign &in"))
        self.sign_in_new_button.setObjectName("signInNewButton")
        self.sign_in_new_button.setAccessibleName(self.tr("Sign in for the first time"))
        self.sign_in_new_button.clicked.connect(self.sign_in_new)

        form = QFormLayout()
        for text, field in (
            (self.tr("Index &address:"), self.server_url),
            (self.tr("&Username:"), self.username),
            (self.tr("Pass&word:"), self.new_password),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(self.sign_in_new_button, 0, Qt.AlignmentFlag.AlignLeft)
        explain = QLabel(
            self.tr(
                "Your first sign-in sets up an encrypted copy of your caseload on this "
                "computer, protected by your password and this computer's secure password "
                "store."
            )
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        if self._context.demo:
            hint = QLabel(
                self.tr("Demo users: {users}. Password: {password}").format(
                    users=", ".join(DEMO_USERS), password=DEMO_PASSWORD_HINT
                )
            )
            hint.setObjectName("demoUsersHint")
            hint.setWordWrap(True)
            hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(hint)
        layout.addStretch(1)
        return tab

    def _set_tab_order(self) -> None:
        QWidget.setTabOrder(self.tabs.tabBar(), self.profile_list)
        QWidget.setTabOrder(self.profile_list, self.saved_password)
        QWidget.setTabOrder(self.saved_password, self.sign_in_button)
        QWidget.setTabOrder(self.sign_in_button, self.unlock_button)
        QWidget.setTabOrder(self.server_url, self.username)
        QWidget.setTabOrder(self.username, self.new_password)
        QWidget.setTabOrder(self.new_password, self.sign_in_new_button)
        close = QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self)
        close.activated.connect(self.close)

    def _focus_password(self) -> None:
        self.saved_password.setFocus()

    # -- profiles -------------------------------------------------------------------------------

    def reload_profiles(self, preselect: str | None = None) -> None:
        """List the profiles on this computer again, selecting ``preselect`` (a profile id)."""
        profiles = ops.saved_profiles(self._context)
        self.profiles.set_profiles(profiles)
        has_profiles = bool(profiles)
        self.profile_list.setVisible(has_profiles)
        self.no_profiles.setVisible(not has_profiles)
        for widget in (self.saved_password, self.sign_in_button, self.unlock_button):
            widget.setEnabled(has_profiles)
        row = self.profiles.row_of(preselect) if preselect else None
        if row is None and has_profiles:
            row = 0
        if row is not None:
            self.profile_list.setCurrentIndex(self.profiles.index(row))
        self.tabs.setCurrentIndex(0 if has_profiles else 1)
        if has_profiles:
            self.saved_password.setFocus()
        else:
            (self.username if self.server_url.text() else self.server_url).setFocus()

    def _destroy_overdue(self) -> None:
        """Destroy the copies past the wipe limit (off this thread: erasing takes time)."""
        context = self._context
        (
            self._worker.task(lambda: ops.destroy_overdue(context), owner=self)
            .success(self._overdue_destroyed)
            .failure(lambda error: report(error, parent=self))
            .start()
        )

    def _overdue_destroyed(self, wiped: list[ops.WipedCopy]) -> None:
        if not wiped:
            return
        self.reload_profiles()
        names = " and ".join(copy.username for copy in wiped)
        days = max(copy.limit_days for copy in wiped)
        self.show_message(
            self.tr(
                "Everychild deleted the copy of the caseload kept on this computer for "
                "{names}: it had not reached the index for more than {days} days, the limit "
                "your organisation sets. Changes not yet sent were deleted with it. Sign in "
                "to fetch the caseload again."
            ).format(names=names, days=days)
        )

    def selected_profile(self) -> Profile | None:
        """The profile picked in the list."""
        index: QModelIndex = self.profile_list.currentIndex()
        return self.profiles.profile_at(index.row()) if index.isValid() else None

    # -- actions ------------------------------------------------------------------------------

    def sign_in_saved(self) -> None:
        """Unlock the picked profile and sign in to its index."""
        profile = self.selected_profile()
        password = self.saved_password.text()
        if not self._ready(profile, password):
            return
        assert profile is not None
        context, on_status, on_progress = self._context, self._on_status, self._on_progress
        self._start(
            self.tr("Signing in as {user}…").format(user=profile.username),
            lambda: ops.sign_in_saved(
                context, profile, password, on_status, on_progress=on_progress
            ),
            offline_candidate=profile,
        )

    def unlock_offline(self) -> None:
        """Unlock the picked profile's cache without the index."""
        profile = self.selected_profile()
        password = self.saved_password.text()
        if not self._ready(profile, password):
            return
        assert profile is not None
        context, on_status, on_progress = self._context, self._on_status, self._on_progress
        self._start(
            self.tr("Unlocking the copy on this computer…"),
            lambda: ops.unlock_offline(
                context, profile, password, on_status, on_progress=on_progress
            ),
        )

    def sign_in_new(self) -> None:
        """Sign in for the first time on this computer."""
        if self._busy:
            return
        server_url = self.server_url.text().strip()
        username = self.username.text().strip()
        password = self.new_password.text()
        if not server_url or not username or not password:
            self.show_message(
                self.tr("Enter the index's address, your username and your password.")
            )
            return
        candidate = next(
            (
                p
                for p in self.profiles_snapshot()
                if p.username == username and index_host(p.server_url) == index_host(server_url)
            ),
            None,
        )
        context, on_status, on_progress = self._context, self._on_status, self._on_progress
        self._start(
            self.tr("Signing in as {user}…").format(user=username),
            lambda: ops.sign_in_new(
                context,
                server_url=server_url,
                username=username,
                password=password,
                on_status=on_status,
                on_progress=on_progress,
            ),
            offline_candidate=candidate,
        )

    def profiles_snapshot(self) -> list[Profile]:
        """The profiles listed now."""
        return [self.profiles.profile_at(r) for r in range(self.profiles.rowCount())]

    def _unlock_offline_instead(self) -> None:
        profile = self._offline_profile
        if profile is None:
            return
        row = self.profiles.row_of(profile.profile_id)
        if row is not None:
            self.profile_list.setCurrentIndex(self.profiles.index(row))
        if self.tabs.currentIndex() == 1:
            self.saved_password.setText(self.new_password.text())
            self.tabs.setCurrentIndex(0)
        self.unlock_offline()

    def _ready(self, profile: Profile | None, password: str) -> bool:
        if self._busy:
            return False
        if profile is None:
            self.show_message(self.tr("Choose your name from the list."))
            self.profile_list.setFocus()
            return False
        if not password:
            self.show_message(self.tr("Type your password."))
            self.saved_password.setFocus()
            return False
        return True

    def _start(
        self,
        busy_text: str,
        job: Callable[[], Session],
        *,
        offline_candidate: Profile | None = None,
    ) -> None:
        self._set_busy(busy=True, text=busy_text)
        self.clear_message()
        (
            self._worker.task(job, owner=self)
            .success(self._succeeded)
            .failure(lambda error: self._failed(error, offline_candidate))
            .start()
        )

    def _succeeded(self, session: Session) -> None:
        self._set_busy(busy=False, text="")
        self.saved_password.clear()
        self.new_password.clear()
        self.signed_in.emit(session)

    def _failed(self, error: Exception, offline_candidate: Profile | None) -> None:
        # Controls are enabled again first, so the one to retry in can take the focus.
        self._set_busy(busy=False, text="")
        if not isinstance(error, DomainError):
            report(error, parent=self)
            return
        log.info("sign-in refused: %s", error.code)
        self._offline_profile = None
        if error.code in ops.UNREACHABLE_CODES and offline_candidate is not None:
            self._offline_profile = offline_candidate
            self.show_message(
                self.tr(
                    "Everychild cannot reach the index just now. You can unlock the copy of "
                    "your caseload kept on this computer and work offline; your changes are "
                    "sent when the index can be reached again."
                ),
                offer_offline=True,
            )
            return
        if error.code in ops.UNREACHABLE_CODES:
            self.show_message(
                self.tr(
                    "Everychild cannot reach the index at {address}. Check the address and "
                    "your network connection, then try again."
                ).format(address=self.server_url.text().strip())
            )
            return
        self.show_message(message_for(error))
        if error.code in ("wrong_password", "invalid_credentials", "locked_out"):
            field = self.saved_password if self.tabs.currentIndex() == 0 else self.new_password
            field.clear()
            field.setFocus()
        if error.code in ("cache_wiped", "device_revoked", "account_suspended"):
            # The profile has gone: the list must not offer it any more.
            self.reload_profiles()

    # -- showing -------------------------------------------------------------------------------

    def show_message(self, text: str, *, offer_offline: bool = False) -> None:
        """Show a refusal or problem under the form."""
        self.message.set_text(text)
        self.message.setVisible(True)
        self.offline_button.setVisible(offer_offline)
        if offer_offline:
            self.offline_button.setFocus()
        self.message_shown.emit(text)

    def clear_message(self) -> None:
        """Hide the message."""
        self.message.setVisible(False)
        self.offline_button.setVisible(False)

    @property
    def message_text(self) -> str:
        """The message on show, or "" if none."""
        return "" if self.message.isHidden() else self.message.text

    @property
    def busy(self) -> bool:
        """True while a sign-in runs."""
        return self._busy

    def _set_busy(self, *, busy: bool, text: str) -> None:
        self._busy = busy
        self.busy_label.setText(text)
        self.tabs.setEnabled(not busy)
        self.offline_button.setEnabled(not busy)
