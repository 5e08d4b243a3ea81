"""The reason-for-access dialog, shown every time a record is opened (PRODUCT.md §3, seed 004).

Seven reasons, each with its plain-language description from the rules package
(``app.domain.reasons.REASON_DESCRIPTIONS``); free text (required for *other*); and, for
a mediated request, the username of the practitioner who asked. The domain's validator
is the only judge: the dialog asks it after every keystroke, keeps **Open record**
disabled until it accepts, and shows its refusal inline (for *other* without enough
text, for instance). The accepted :class:`~app.domain.reasons.AccessReason` is what the
cache or the index records in the audit trail.

Fully keyboard-operable: the number keys 1–7 choose a reason, the arrow keys move
between reasons, Enter opens the record once the reason is complete, Escape cancels.

Pinning a record brings the whole of it to the user's devices, so it asks for a reason
exactly as opening does (``Purpose.PIN``); a record cannot be pinned on someone else's
behalf (it would land in the wrong caseload), so the mediated reason is not offered then.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.reasons import (
    REASON_DESCRIPTIONS,
    REASON_TEXT_MAX_LENGTH,
    AccessReason,
    ReasonCode,
    validate_access_reason,
)
from app.ui.banners import Banner, Tone
from app.ui.fitting import fit_height

#: The order reasons are listed and numbered in (PRODUCT.md §3's table).
REASON_ORDER = tuple(ReasonCode)

#: A short heading for each reason; the rules package supplies the description.
REASON_TITLES: dict[ReasonCode, str] = {
    ReasonCode.SERVICE_PROVISION: "Providing a service",
    ReasonCode.SAFEGUARDING: "Safeguarding concern",
    ReasonCode.IDENTIFY_INVOLVED: "Finding who else is involved",
    ReasonCode.MEDIATED_REQUEST: "Asked by another practitioner",
    ReasonCode.DATA_QUALITY: "Checking the record's accuracy",
    ReasonCode.SUBJECT_ACCESS: "Subject access request",
    ReasonCode.OTHER: "Other",
}


class Purpose(StrEnum):
    """What the reason is asked for."""

    OPEN = "open"
    PIN = "pin"


def reason_title(code: ReasonCode) -> str:
    """The reason's short heading, translated."""
    return QCoreApplication.translate("ReasonDialog", REASON_TITLES[code])


def reason_description(code: ReasonCode) -> str:
    """The rules package's description of the reason, translated."""
    # Translators find these under the "reasons" context; the English source is the
    # rules package's own text, so the dialog can never drift from it.
    return QCoreApplication.translate("reasons", REASON_DESCRIPTIONS[code])


class ReasonDialog(QDialog):
    """Asks why a record is being opened; :attr:`reason` holds the answer once accepted."""

    #: Emitted with the :class:`AccessReason` when the user confirms.
    reason_given = Signal(object)

    def __init__(
        self, child_label: str, parent: QWidget | None = None, *, purpose: Purpose = Purpose.OPEN
    ) -> None:
        super().__init__(parent)
        self.purpose = purpose
        pinning = purpose is Purpose.PIN
        self.setObjectName("reasonDialog")
        if pinning:
            self.setWindowTitle(self.tr("Why are you pinning this record?"))
            self.setAccessibleName(self.tr("Reason for pinning the record"))
        else:
            self.setWindowTitle(self.tr("Why are you opening this record?"))
            self.setAccessibleName(self.tr("Reason for opening the record"))
        self.reason: AccessReason | None = None

        heading = QLabel(
            self.tr(
                "You are about to pin the record of {child}: the whole record will be kept "
                "in your caseload, on this computer and your other devices, until you unpin it."
            ).format(child=child_label)
            if pinning
            else self.tr("You are about to open the record of {child}.").format(child=child_label)
        )
        heading.setObjectName("reasonHeading")
        bold = QFont(heading.font())
        bold.setBold(True)
        heading.setFont(bold)
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        explain = QLabel(
            self.tr(
                "Choose why. Your reason is kept in the audit trail with this access, every "
                "time, and may be checked. Press a number key to choose."
            )
        )
        explain.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addWidget(self._reasons_box())
        layout.addLayout(self._details_form())
        self.problem = Banner("", Tone.WARNING, name="reasonProblem")
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        layout.addWidget(self._button_box())
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 90)

        QWidget.setTabOrder(self.buttons[REASON_ORDER[-1]], self.reason_text)
        QWidget.setTabOrder(self.reason_text, self.on_behalf_of)
        QWidget.setTabOrder(self.on_behalf_of, self.open_button)
        QWidget.setTabOrder(self.open_button, self.cancel_button)
        self._revalidate()

    def _reasons_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Reason"))
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        self.group = QButtonGroup(self)
        self.buttons: dict[ReasonCode, QRadioButton] = {}
        for number, code in enumerate(REASON_ORDER, start=1):
            button = QRadioButton(f"&{number}  {reason_title(code)}")
            button.setObjectName(f"reason_{code.value}")
            button.setAccessibleName(f"{number}. {reason_title(code)}")
            button.setAccessibleDescription(reason_description(code))
            description = QLabel(reason_description(code))
            description.setObjectName(f"reasonDescription_{code.value}")
            description.setWordWrap(True)
            description.setTextFormat(Qt.TextFormat.PlainText)
            if code is ReasonCode.MEDIATED_REQUEST and self.purpose is Purpose.PIN:
                button.setEnabled(False)
                description.setEnabled(False)
                button.setToolTip(
                    self.tr("A record cannot be pinned on someone else's behalf: open it for them.")
                )
            self.group.addButton(button, number)
            self.buttons[code] = button
            grid.addWidget(button, number - 1, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(description, number - 1, 1, Qt.AlignmentFlag.AlignTop)
        self.group.idToggled.connect(self._revalidate)
        return box

    def _details_form(self) -> QFormLayout:
        self.reason_text = QLineEdit()
        self.reason_text.setObjectName("reasonText")
        self.reason_text.setMaxLength(REASON_TEXT_MAX_LENGTH)
        self.reason_text.setAccessibleName(self.tr("Details of your reason"))
        self.reason_text.textChanged.connect(self._revalidate)
        self.on_behalf_of = QLineEdit()
        self.on_behalf_of.setObjectName("onBehalfOf")
        self.on_behalf_of.setAccessibleName(self.tr("Username of the practitioner who asked you"))
        self.on_behalf_of.textChanged.connect(self._revalidate)
        self._text_label = QLabel(self.tr("&Details (optional):"))
        self._text_label.setBuddy(self.reason_text)
        self._behalf_label = QLabel(self.tr("Asked &by (their username):"))
        self._behalf_label.setBuddy(self.on_behalf_of)
        form = QFormLayout()
        form.addRow(self._text_label, self.reason_text)
        form.addRow(self._behalf_label, self.on_behalf_of)
        return form

    def _button_box(self) -> QDialogButtonBox:
        box = QDialogButtonBox()
        pinning = self.purpose is Purpose.PIN
        self.open_button = QPushButton(
            self.tr("&Pin record") if pinning else self.tr("&Open record")
        )
        self.open_button.setObjectName("openRecordButton")
        self.open_button.setAccessibleName(
            self.tr("Pin record") if pinning else self.tr("Open record")
        )
        self.open_button.setDefault(True)
        self.open_button.setAutoDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        box.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        box.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        return box

    # -- state -----------------------------------------------------------------------------

    def chosen_code(self) -> ReasonCode | None:
        """The reason picked, if any."""
        number = self.group.checkedId()
        return REASON_ORDER[number - 1] if number > 0 else None

    def choose(self, code: ReasonCode) -> None:
        """Pick a reason (as a click or a number key would) and move focus to it."""
        button = self.buttons[code]
        if not button.isEnabled():
            return
        button.setChecked(True)
        button.setFocus()

    def problem_text(self) -> str:
        """The validator's refusal on show, or "" if the reason is complete."""
        return "" if self.problem.isHidden() else self.problem.text

    def _validate(self) -> AccessReason | DomainError:
        code = self.chosen_code()
        try:
            return validate_access_reason(
                None if code is None else code.value,
                self.reason_text.text(),
                self.on_behalf_of.text() if code is ReasonCode.MEDIATED_REQUEST else None,
            )
        except DomainError as refusal:
            return refusal

    def _revalidate(self) -> None:
        code = self.chosen_code()
        mediated = code is ReasonCode.MEDIATED_REQUEST
        self.on_behalf_of.setEnabled(mediated)
        self._behalf_label.setEnabled(mediated)
        self._text_label.setText(
            self.tr("&Details (required):")
            if code is ReasonCode.OTHER
            else self.tr("&Details (optional):")
        )
        outcome = self._validate()
        valid = isinstance(outcome, AccessReason)
        self.open_button.setEnabled(valid)
        if valid or code is None:
            # Before a choice the disabled button and the instructions say enough.
            self.problem.setVisible(False)
        else:
            assert isinstance(outcome, DomainError)
            self.problem.set_text(QCoreApplication.translate("KnownError", outcome.message))
            self.problem.setVisible(True)
            fit_height(self, shrink=False)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Open tall enough for every wrapped line."""
        super().showEvent(event)
        fit_height(self)

    # -- keyboard and closing ---------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Number keys choose a reason (text fields keep their digits: they take them first)."""
        number = int(event.key()) - int(Qt.Key.Key_0.value)
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if plain and 1 <= number <= len(REASON_ORDER):
            self.choose(REASON_ORDER[number - 1])
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        """Close with the reason, only if the validator accepts it."""
        outcome = self._validate()
        if not isinstance(outcome, AccessReason):
            self._revalidate()
            return
        self.reason = outcome
        super().accept()
        self.reason_given.emit(outcome)
