"""Asking for the password again, to sign an offline session in to the index.

A session unlocked offline holds no tokens, so it cannot send its changes or fetch new
ones (PRODUCT.md §6). When the user asks to sync (F5), or the index ends a session, this
dialog asks for the password and the window signs in with it on the cache worker; a
refusal (a wrong password, an index that cannot be reached) is shown here, in the
user's words, and the dialog stays open to try again. The password is never kept: it
goes to the index once and the field is cleared.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.banners import Banner, Tone
from app.ui.change_dialog import heading_label, paragraph


class SignInPrompt(QDialog):
    """The "Sign in to sync" dialog: the password, once."""

    #: The user typed a password and asked to sign in.
    password_given = Signal(str)

    def __init__(self, username: str, *, reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInPrompt")
        self.setWindowTitle(self.tr("Sign in to sync"))
        self.setAccessibleName(self.tr("Sign in to sync"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            heading_label(self.tr("Sign in to the index as {user}").format(user=username))
        )
        layout.addWidget(
            paragraph(
                reason
                or self.tr(
                    "You are working offline from the copy on this computer. To send your "
                    "changes and fetch the latest records, sign in to the index with your "
                    "password."
                ),
                "signInPromptReason",
            )
        )
        self.password = QLineEdit()
        self.password.setObjectName("promptPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        label = QLabel(self.tr("Pass&word:"))
        label.setBuddy(self.password)
        form = QFormLayout()
        form.addRow(label, self.password)
        layout.addLayout(form)
        self.message = Banner("", Tone.ERROR, name="signInPromptMessage")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.sign_in_button = QPushButton(self.tr("&Sign in"))
        self.sign_in_button.setObjectName("promptSignInButton")
        self.sign_in_button.setAccessibleName(self.tr("Sign in"))
        self.sign_in_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Not now"))
        self.cancel_button.setObjectName("promptCancelButton")
        self.cancel_button.setAccessibleName(self.tr("Not now: keep working offline"))
        self.cancel_button.setAutoDefault(False)
        buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self.password.setFocus()

    @property
    def message_text(self) -> str:
        """The refusal on show, or "" if none."""
        return "" if self.message.isHidden() else self.message.text

    def accept(self) -> None:
        """Hand the password over and wait for the outcome (the window calls back)."""
        password = self.password.text()
        if not password:
            self.show_message(self.tr("Type your password."))
            return
        self.password.clear()
        self.set_busy(busy=True)
        self.password_given.emit(password)

    def succeeded(self) -> None:
        """The index signed the user in: close."""
        self.set_busy(busy=False)
        super().accept()

    def show_message(self, text: str) -> None:
        """Show why signing in did not work, and let the user try again."""
        self.set_busy(busy=False)
        self.message.set_text(text)
        self.message.setVisible(True)
        self.password.setFocus()

    def set_busy(self, *, busy: bool) -> None:
        """Disable the form while the index is asked."""
        self.password.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy)
