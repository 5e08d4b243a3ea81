"""The main window's notices: what needs the user, above the tabs, until it is dealt with.

Four, each a banner that says in words what happened and offers the way to deal with it
(a button, with the keyboard shortcut of the same action in its tooltip):

* **the offline lease has run out** — cached records cannot be opened until the user
  signs in (:mod:`app.ui.explanations`);
* **changes need the user** — conflicts to resolve, changes the index refused;
* **the network is back** while the session is offline — signing in would sync;
* **open records were closed** because a sync took them out of the copy on this
  computer (the child left the caseload, was shielded, or reached the retention age).

Each hides itself once there is nothing to say.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.sync.engine import SyncStatus
from app.ui.banners import Banner, Tone
from app.ui.explanations import lease_expired
from app.ui.session import LeaseState


def _button(text: str, name: str, accessible: str, tooltip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    button.setToolTip(tooltip)
    return button


def _with_buttons(banner: Banner, *buttons: QPushButton) -> None:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    layout = banner.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.addLayout(row)


class Notices(QWidget):
    """The banners above the main window's tabs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notices")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.lease = Banner("", Tone.WARNING, name="leaseNotice")
        self.lease_sign_in = _button(
            self.tr("Si&gn in…"),
            "leaseSignInButton",
            self.tr("Sign in to the index"),
            self.tr("Sign in to the index (F5)"),
        )
        _with_buttons(self.lease, self.lease_sign_in)

        self.attention = Banner("", Tone.NOTICE, name="attentionNotice")
        self.resolve = _button(
            self.tr("Res&olve…"),
            "resolveButton",
            self.tr("Resolve the changes in conflict"),
            self.tr("Choose which version to keep (Ctrl+Shift+R)"),
        )
        self.read_refused = _button(
            self.tr("Read &why…"),
            "readRefusedButton",
            self.tr("Read why the index refused your changes"),
            self.tr("Changes the index refused (Ctrl+Shift+X)"),
        )
        _with_buttons(self.attention, self.resolve, self.read_refused)

        self.network = Banner(
            self.tr(
                "The network seems to be back. Sign in to send your changes and fetch the "
                "latest records."
            ),
            Tone.INFO,
            name="networkNotice",
        )
        self.network_sign_in = _button(
            self.tr("Sign &in…"),
            "networkSignInButton",
            self.tr("Sign in to the index"),
            self.tr("Sign in to the index (F5)"),
        )
        _with_buttons(self.network, self.network_sign_in)

        self.closed = Banner("", Tone.NOTICE, name="closedRecordsNotice")
        self.dismiss_closed = _button(
            self.tr("&Dismiss"),
            "dismissClosedButton",
            self.tr("Dismiss the notice of closed records"),
            self.tr("Dismiss this notice"),
        )
        self.dismiss_closed.clicked.connect(lambda: self.closed.setVisible(False))
        _with_buttons(self.closed, self.dismiss_closed)

        for banner in (self.lease, self.attention, self.network, self.closed):
            banner.setVisible(False)
            layout.addWidget(banner)

    def show_lease(self, state: LeaseState | None) -> None:
        """Say the lease has run out (or hide the notice, with ``None`` or a live lease)."""
        if state is None or not state.expired:
            self.lease.setVisible(False)
            return
        self.lease.set_text(lease_expired(state.last_contact, state.lease_hours).text)
        self.lease.setVisible(True)

    def show_status(self, status: SyncStatus) -> None:
        """Say what waits for the user after a sync."""
        parts = []
        if status.conflicts:
            parts.append(
                self.tr("1 of your changes conflicts with a change made elsewhere.")
                if status.conflicts == 1
                else self.tr(
                    "{count} of your changes conflict with changes made elsewhere."
                ).format(count=status.conflicts)
            )
        if status.rejected:
            parts.append(
                self.tr("The index refused 1 of your changes.")
                if status.rejected == 1
                else self.tr("The index refused {count} of your changes.").format(
                    count=status.rejected
                )
            )
        self.resolve.setVisible(bool(status.conflicts))
        self.read_refused.setVisible(bool(status.rejected))
        self.attention.set_text(" ".join(parts))
        self.attention.setVisible(bool(parts))

    def show_network_back(self, *, back: bool) -> None:
        """Say the network is back and signing in would sync (or stop saying it)."""
        self.network.setVisible(back)

    def show_closed(self, names: list[str]) -> None:
        """Say which open records a sync closed, and why they could not stay open."""
        text = (
            self.tr(
                "The last sync took {names} out of the copy on this computer, so the record "
                "was closed. To see it again, search the index and open it with a reason."
            )
            if len(names) == 1
            else self.tr(
                "The last sync took {names} out of the copy on this computer, so their "
                "records were closed. To see one again, search the index and open it with "
                "a reason."
            )
        )
        self.closed.set_text(text.format(names=", ".join(names)))
        self.closed.setVisible(True)
