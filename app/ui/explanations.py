"""Plain words for the moments the offline copy stops serving (PRODUCT.md §6).

Two things happen to a laptop that stays away from the index, or that the index no
longer trusts, and each must be explained when it happens — what happened, and what to
do — rather than left as an error code:

* **the offline lease has run out**: cached records cannot be opened until the user
  signs in online again (:func:`lease_expired`);
* **the offline copy has been destroyed**: after the wipe limit, or because the index
  says the device is revoked or the account suspended (:func:`copy_destroyed`).

:func:`show_explanation` shows one in a message box: the first part says what happened,
the informative text what to do. Nothing here names a child.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.domain.errors import DomainError
from app.ui.sync_status import format_moment


def _tr(text: str) -> str:
    return QCoreApplication.translate("Explanations", text)


@dataclass(frozen=True)
class Explanation:
    """What happened and what to do, in the user's words."""

    title: str
    happened: str
    to_do: str

    @property
    def text(self) -> str:
        """Both parts, as one paragraph each."""
        return f"{self.happened}\n\n{self.to_do}"


def lease_expired(last_contact: datetime | None, lease_hours: int) -> Explanation:
    """Why cached records cannot be opened: the device has been away too long."""
    if last_contact is None:
        happened = _tr(
            "This computer has never been in contact with the index, so the records kept "
            "on it cannot be opened."
        )
    else:
        happened = _tr(
            "This computer has not been in contact with the index since {moment}, which is "
            "more than {hours} hours ago. To protect the children's information, records "
            "kept on this computer cannot be opened after that long without contact."
        ).format(moment=format_moment(last_contact), hours=lease_hours)
    return Explanation(
        title=_tr("Records cannot be opened offline"),
        happened=happened,
        to_do=_tr(
            "What to do: connect to the network and sign in to the index (press F5). Your "
            "caseload and any changes you made are kept safely on this computer meanwhile."
        ),
    )


def copy_destroyed(error: DomainError) -> Explanation:
    """Why the offline copy has gone, for the code the index or the wipe limit gave."""
    if error.code == "device_revoked":
        happened = _tr(
            "Your organisation has withdrawn this computer's access to the index for your "
            "account, so Everychild has deleted the copy of your caseload that was kept on "
            "it, together with any changes that had not yet been sent."
        )
        to_do = _tr(
            "What to do: if you did not expect this, contact your user administrator. You "
            "cannot use this computer with your account until they allow it again."
        )
    elif error.code == "account_suspended":
        happened = _tr(
            "Your Everychild account has been suspended, so Everychild has deleted the copy "
            "of your caseload that was kept on this computer, together with any changes "
            "that had not yet been sent."
        )
        to_do = _tr("What to do: contact your user administrator.")
    else:
        happened = _tr(
            "This computer had been out of contact with the index for too long, so "
            "Everychild has deleted the copy of your caseload that was kept on it, together "
            "with any changes that had not yet been sent."
        )
        to_do = _tr(
            "What to do: sign in online to download your caseload again. If you made "
            "changes offline that were not sent, make them again."
        )
    return Explanation(
        title=_tr("The copy on this computer has been deleted"), happened=happened, to_do=to_do
    )


def show_explanation(explanation: Explanation, parent: QWidget | None) -> QMessageBox:
    """Show an explanation in a window-modal message box; returns it (already open)."""
    box = QMessageBox(parent)
    box.setObjectName("explanationBox")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(explanation.title)
    box.setText(explanation.happened)
    box.setInformativeText(explanation.to_do)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName(explanation.title)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
