"""What every dialog that makes a change to a record shares: heading, refusal, buttons.

A change dialog gathers one change (a mutation payload of ``app.domain.changes``) and
emits it with :attr:`ChangeDialog.payload_ready` when the user confirms; it saves
nothing itself — the main window sends the payload to the cache worker. Like the reason
dialog, it lets the rules judge: a subclass builds the payload in :meth:`build`, raising
the domain's ``DomainError`` (or pydantic's ``ValidationError``) while it is incomplete,
and the dialog keeps its confirm button disabled and shows the refusal inline until it
is complete. Enter confirms once it is, Escape cancels.
"""

from __future__ import annotations

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.ui.banners import Banner, Tone
from app.ui.fitting import fit_height


def _tr(text: str) -> str:
    return QCoreApplication.translate("ChangeDialog", text)


def heading_label(text: str) -> QLabel:
    """A bold, word-wrapped heading naming the child."""
    label = QLabel(text)
    label.setObjectName("changeHeading")
    bold = QFont(label.font())
    bold.setBold(True)
    label.setFont(bold)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def paragraph(text: str, name: str = "") -> QLabel:
    """A word-wrapped plain-text paragraph."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


class ChangeDialog(QDialog):
    """A dialog that builds one change; subclasses add their fields to :attr:`body`."""

    #: Emitted with the payload when the user confirms.
    payload_ready = Signal(object)

    def __init__(
        self,
        *,
        name: str,
        title: str,
        heading: str,
        confirm_text: str,
        confirm_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.payload: BaseModel | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(heading))
        self.body = QVBoxLayout()
        layout.addLayout(self.body)
        self.problem = Banner("", Tone.WARNING, name="changeProblem")
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox()
        self.confirm_button = QPushButton(confirm_text)
        self.confirm_button.setObjectName(confirm_name)
        self.confirm_button.setAccessibleName(confirm_text.replace("&", ""))
        self.confirm_button.setDefault(True)
        self.confirm_button.setAutoDefault(True)
        self.cancel_button = QPushButton(_tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName(_tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    # -- for subclasses ---------------------------------------------------------------------

    def build(self) -> BaseModel:
        """The payload as the fields stand; raise while it is incomplete."""
        raise NotImplementedError

    def quiet_until_chosen(self) -> bool:
        """True while nothing has been chosen yet: no refusal is shown before a choice."""
        return False

    # -- state ------------------------------------------------------------------------------

    def problem_text(self) -> str:
        """The refusal on show, or "" if the change is complete."""
        return "" if self.problem.isHidden() else self.problem.text

    def _outcome(self) -> BaseModel | str:
        try:
            return self.build()
        except DomainError as refusal:
            return QCoreApplication.translate("KnownError", refusal.message)
        except PydanticValidationError:
            return _tr("Fill in every required field.")

    def revalidate(self) -> None:
        """Ask the rules again (call after every edit)."""
        outcome = self._outcome()
        complete = not isinstance(outcome, str)
        self.confirm_button.setEnabled(complete)
        if complete or self.quiet_until_chosen():
            self.problem.setVisible(False)
        else:
            assert isinstance(outcome, str)
            self.problem.set_text(outcome)
            self.problem.setVisible(True)
        if self.isVisible():
            fit_height(self, shrink=False)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Open exactly as tall as the wrapped text needs."""
        super().showEvent(event)
        fit_height(self)

    def accept(self) -> None:
        """Close with the payload, only if it is complete."""
        outcome = self._outcome()
        if isinstance(outcome, str):
            self.revalidate()
            return
        self.payload = outcome
        super().accept()
        self.payload_ready.emit(outcome)
