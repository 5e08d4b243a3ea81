"""Adding yourself as involved with a child, and ending your involvement (PRODUCT.md §2).

:class:`AddInvolvementDialog` records the user as involved, in their own service. For a
**sensitive service** (seed 000 §11–15) the consent step comes first and must be
completed before the details can be given: the explicit consent of the child (if
competent) or of a person with parental responsibility, or — only for a genuine
child-protection concern — an override with a written justification, which is flagged
for review. The rules package judges the consent (``check_involvement_consent``); the
dialog shows its refusal in its words. The result is the domain's
``InvolvementConsent`` inside an ``AddInvolvement`` payload. (Richer guided flowcharts
for consent live in ``app/ui/guidance``; this is the simple guided step.)

:class:`EndInvolvementDialog` ends one of the user's own active involvements, on a day
between its start and today, sending the version the user saw (a conflict if it changed
meanwhile).

Neither asks for, or has room for, the reason for an involvement: the index never
holds one.
"""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel
from PySide6.QtCore import QCoreApplication, QDate, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.changes import AddInvolvement, EndInvolvement
from app.domain.errors import DomainError
from app.domain.records import (
    ConsentBasis,
    ConsentGiver,
    ContactDetails,
    Involvement,
    InvolvementConsent,
)
from app.domain.roles import User
from app.domain.services import (
    MIN_OVERRIDE_JUSTIFICATION,
    Service,
    check_involvement_consent,
)
from app.ui.banners import Banner, Tone
from app.ui.caseload_model import format_date
from app.ui.change_dialog import ChangeDialog, paragraph

#: How the consent choices are numbered (the number keys choose them).
CONSENT_CHOICES: tuple[tuple[str, str], ...] = (
    ("child", "The child gave their explicit consent"),
    ("parent", "A person with parental responsibility gave explicit consent"),
    ("override", "No consent: a genuine child-protection concern (override)"),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("InvolvementDialogs", text)


def qdate(value: date) -> QDate:
    """A Python date as a ``QDate``."""
    return QDate(value.year, value.month, value.day)


def pydate(value: QDate) -> date:
    """A ``QDate`` as a Python date."""
    return date(value.year(), value.month(), value.day())


def date_edit(value: date, *, name: str, accessible: str) -> QDateEdit:
    """A date field with a calendar, written with the month in words."""
    edit = QDateEdit(qdate(value))
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMMM yyyy")
    edit.setAccessibleName(accessible)
    return edit


class ConsentStep(QWidget):
    """Step 1 for a sensitive service: whose explicit consent, or the override."""

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consentStep")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            paragraph(
                _tr(
                    "{service} is a sensitive service. You may add your details to the "
                    "index only with the informed, explicit consent of the child, if they "
                    "are competent to give it, or otherwise of a person with parental "
                    "responsibility. Without consent, your details may be recorded only "
                    "for a genuine child-protection concern, with a written justification; "
                    "every such override is flagged for review."
                ).format(service=service.name),
                "consentExplanation",
            )
        )
        box = QGroupBox(_tr("Consent"))
        box.setObjectName("consentBox")
        inner = QVBoxLayout(box)
        self.group = QButtonGroup(self)
        self.choices: dict[str, QRadioButton] = {}
        for number, (key, text) in enumerate(CONSENT_CHOICES, start=1):
            button = QRadioButton(f"&{number}  {_tr(text)}")
            button.setObjectName(f"consent_{key}")
            button.setAccessibleName(f"{number}. {_tr(text)}")
            self.group.addButton(button, number)
            self.choices[key] = button
            inner.addWidget(button)
        layout.addWidget(box)
        self.justification_label = QLabel(
            _tr("&Justification (the child-protection concern, at least {n} characters):").format(
                n=MIN_OVERRIDE_JUSTIFICATION
            )
        )
        self.justification_label.setWordWrap(True)
        self.justification = QPlainTextEdit()
        self.justification.setObjectName("overrideJustification")
        self.justification.setAccessibleName(_tr("Justification for the override"))
        self.justification.setTabChangesFocus(True)
        self.justification.setFixedHeight(self.fontMetrics().height() * 5)
        self.justification_label.setBuddy(self.justification)
        layout.addWidget(self.justification_label)
        layout.addWidget(self.justification)
        self.group.idToggled.connect(self._choice_changed)
        self._choice_changed()

    def chosen(self) -> str | None:
        """The key of the choice made, if any."""
        number = self.group.checkedId()
        return CONSENT_CHOICES[number - 1][0] if number > 0 else None

    def choose(self, key: str) -> None:
        """Make a choice, as a click or its number key would."""
        self.choices[key].setChecked(True)
        self.choices[key].setFocus()

    def consent(self, today: date) -> InvolvementConsent | None:
        """The consent as chosen, not yet judged; ``None`` before a choice."""
        chosen = self.chosen()
        if chosen is None:
            return None
        if chosen == "override":
            return InvolvementConsent(
                basis=ConsentBasis.CHILD_PROTECTION_OVERRIDE,
                recorded_on=today,
                justification=self.justification.toPlainText(),
            )
        return InvolvementConsent(
            basis=ConsentBasis.EXPLICIT_CONSENT,
            given_by=ConsentGiver.CHILD
            if chosen == "child"
            else ConsentGiver.PARENTAL_RESPONSIBILITY,
            recorded_on=today,
        )

    def _choice_changed(self) -> None:
        override = self.chosen() == "override"
        self.justification.setEnabled(override)
        self.justification_label.setEnabled(override)


class AddInvolvementDialog(ChangeDialog):
    """Record the user as involved with a child: consent first for a sensitive service."""

    def __init__(
        self,
        child_label: str,
        user: User,
        service: Service,
        *,
        job_title: str,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            name="addInvolvementDialog",
            title=_tr("Add me as involved"),
            heading=_tr("Record that you are working with {child}.").format(child=child_label),
            confirm_text=_tr("&Add me as involved"),
            confirm_name="addInvolvementButton",
            parent=parent,
        )
        self._service = service
        self._today = today
        self._involvement_id = uuid.uuid4().hex
        self.pages = QStackedWidget()
        self.consent_step: ConsentStep | None = None
        if service.sensitive:
            self.consent_step = ConsentStep(service)
            self.consent_step.group.idToggled.connect(self.revalidate)
            self.consent_step.justification.textChanged.connect(self.revalidate)
            self.pages.addWidget(self.consent_step)
        self.pages.addWidget(self._details_page(user, job_title))
        self.step_label = QLabel()
        self.step_label.setObjectName("stepLabel")
        self.body.addWidget(self.step_label)
        self.body.addWidget(self.pages)

        self.back_button = QPushButton(_tr("&Back"))
        self.back_button.setObjectName("backButton")
        self.back_button.setAccessibleName(_tr("Back to the consent step"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton(_tr("&Next"))
        self.next_button.setObjectName("nextButton")
        self.next_button.setAccessibleName(_tr("Next: your details"))
        self.next_button.clicked.connect(self.go_next)
        self.buttons.addButton(self.back_button, self.buttons.ButtonRole.ActionRole)
        self.buttons.addButton(self.next_button, self.buttons.ButtonRole.ActionRole)
        self._show_page(0)

    def _details_page(self, user: User, job_title: str) -> QWidget:
        page = QWidget()
        page.setObjectName("detailsStep")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            paragraph(
                _tr(
                    "Others working with the child will see your name, role, organisation "
                    "({organisation}), service ({service}) and how to reach you. Do not "
                    "write why you are involved: the index never holds reasons."
                ).format(organisation=user.organisation, service=self._service.name)
            )
        )
        form = QFormLayout()
        self.role = QLineEdit(job_title)
        self.role.setObjectName("practitionerRole")
        self.role.setMaxLength(100)
        self.role.setAccessibleName(_tr("Your role"))
        self.start = date_edit(self._today, name="startDate", accessible=_tr("Start date"))
        self.start.setMaximumDate(qdate(self._today))
        self.phone = QLineEdit()
        self.phone.setObjectName("contactPhone")
        self.phone.setMaxLength(40)
        self.phone.setAccessibleName(_tr("Your phone number (optional)"))
        self.email = QLineEdit()
        self.email.setObjectName("contactEmail")
        self.email.setMaxLength(254)
        self.email.setAccessibleName(_tr("Your email address (optional)"))
        self.lead = QCheckBox(_tr("I am the child's &lead professional"))
        self.lead.setObjectName("isLead")
        self.lead.setAccessibleName(_tr("I am the child's lead professional"))
        for text, field in (
            (_tr("Your &role:"), self.role),
            (_tr("&Started on:"), self.start),
            (_tr("&Phone (optional):"), self.phone),
            (_tr("&Email (optional):"), self.email),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow(self.lead)
        layout.addLayout(form)
        self.role.textChanged.connect(self.revalidate)
        return page

    # -- steps ------------------------------------------------------------------------------

    @property
    def on_consent_step(self) -> bool:
        """True while the consent step is on show."""
        return self.consent_step is not None and self.pages.currentIndex() == 0

    def _show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        sensitive = self.consent_step is not None
        if sensitive:
            self.step_label.setText(
                _tr("Step 1 of 2: consent") if index == 0 else _tr("Step 2 of 2: your details")
            )
        self.step_label.setVisible(sensitive)
        on_consent = self.on_consent_step
        self.back_button.setVisible(sensitive and not on_consent)
        self.next_button.setVisible(on_consent)
        self.confirm_button.setVisible(not on_consent)
        self.next_button.setDefault(on_consent)
        self.confirm_button.setDefault(not on_consent)
        self.revalidate()
        if on_consent:
            assert self.consent_step is not None
            checked = self.consent_step.group.checkedButton()
            (checked or self.consent_step.choices["child"]).setFocus()
        else:
            self.role.setFocus()

    def go_next(self) -> None:
        """Leave the consent step, once the rules accept the consent."""
        if self.on_consent_step and self._consent_outcome() is None:
            self._show_page(1)

    def go_back(self) -> None:
        """Back to the consent step."""
        if self.consent_step is not None:
            self._show_page(0)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Number keys choose a consent on the consent step; Enter moves on from it."""
        number = int(event.key()) - int(Qt.Key.Key_0.value)
        if (
            self.on_consent_step
            and self.consent_step is not None
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and 1 <= number <= len(CONSENT_CHOICES)
            and not self.consent_step.justification.hasFocus()
        ):
            self.consent_step.choose(CONSENT_CHOICES[number - 1][0])
            return
        if self.on_consent_step and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.go_next()
            return
        super().keyPressEvent(event)

    # -- judging ---------------------------------------------------------------------------

    def _consent(self) -> InvolvementConsent | None:
        if self.consent_step is None:
            return None
        return check_involvement_consent(self._service, self.consent_step.consent(self._today))

    def _consent_outcome(self) -> str | None:
        try:
            self._consent()
        except DomainError as refusal:
            return QCoreApplication.translate("KnownError", refusal.message)
        return None

    def quiet_until_chosen(self) -> bool:
        """No refusal before a consent choice has been made."""
        return self.consent_step is not None and self.consent_step.chosen() is None

    def revalidate(self) -> None:
        """Judge the step on show: the consent on step 1, everything on step 2."""
        if not self.on_consent_step:
            super().revalidate()
            return
        refusal = self._consent_outcome()
        self.next_button.setEnabled(refusal is None)
        if refusal is None or self.quiet_until_chosen():
            self.problem.setVisible(False)
        else:
            self.problem.set_text(refusal)
            self.problem.setVisible(True)

    def build(self) -> BaseModel:
        """The ``AddInvolvement`` payload, consent judged first."""
        consent = self._consent()
        phone, email = self.phone.text().strip(), self.email.text().strip()
        contact = (
            ContactDetails(phone=phone or None, email=email or None) if phone or email else None
        )
        return AddInvolvement(
            involvement_id=self._involvement_id,
            start_date=pydate(self.start.date()),
            practitioner_role=self.role.text().strip(),
            contact=contact,
            is_lead=self.lead.isChecked(),
            consent=consent,
        )

    def accept(self) -> None:
        """On the consent step, Enter moves on; on the details step it confirms."""
        if self.on_consent_step:
            self.go_next()
            return
        super().accept()


class EndInvolvementDialog(ChangeDialog):
    """End one of the user's own active involvements."""

    def __init__(
        self,
        child_label: str,
        involvements: tuple[Involvement, ...],
        *,
        today: date,
        service_names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            name="endInvolvementDialog",
            title=_tr("End my involvement"),
            heading=_tr("End your involvement with {child}.").format(child=child_label),
            confirm_text=_tr("&End involvement"),
            confirm_name="endInvolvementButton",
            parent=parent,
        )
        self._involvements = involvements
        self.body.addWidget(
            paragraph(
                _tr(
                    "Others will see that you no longer work with this child. Unless you "
                    "have pinned the record, the child leaves your caseload, and the copy "
                    "on this computer, at the next sync."
                )
            )
        )
        form = QFormLayout()
        self.which = QComboBox()
        self.which.setObjectName("whichInvolvement")
        self.which.setAccessibleName(_tr("Which involvement"))
        for involvement in involvements:
            self.which.addItem(
                _tr("{role}, {service}, since {start}").format(
                    role=involvement.practitioner_role,
                    service=service_names.get(involvement.service_code, involvement.service_code),
                    start=format_date(involvement.start_date),
                )
            )
        which_label = QLabel(_tr("&Involvement:"))
        which_label.setBuddy(self.which)
        form.addRow(which_label, self.which)
        self.end = date_edit(today, name="endDate", accessible=_tr("End date"))
        self.end.setMaximumDate(qdate(today))
        end_label = QLabel(_tr("E&nded on:"))
        end_label.setBuddy(self.end)
        form.addRow(end_label, self.end)
        self.body.addLayout(form)
        if len(involvements) > 1:
            self.body.addWidget(
                Banner(
                    _tr("You have more than one involvement with this child: choose which."),
                    Tone.INFO,
                    name="severalInvolvements",
                )
            )
        self.which.currentIndexChanged.connect(self._involvement_changed)
        self.end.dateChanged.connect(self.revalidate)
        self._involvement_changed()
        (self.which if len(involvements) > 1 else self.end).setFocus()

    def chosen(self) -> Involvement:
        """The involvement to end."""
        return self._involvements[max(self.which.currentIndex(), 0)]

    def _involvement_changed(self) -> None:
        self.end.setMinimumDate(qdate(self.chosen().start_date))
        self.revalidate()

    def build(self) -> BaseModel:
        """The ``EndInvolvement`` payload, with the version the user saw."""
        involvement = self.chosen()
        end = pydate(self.end.date())
        if end < involvement.start_date:
            raise DomainError(
                "invalid_end_date", "The end date cannot be before the involvement started."
            )
        return EndInvolvement(
            involvement_id=involvement.id, end_date=end, base_version=involvement.version
        )
