"""Adding yourself as involved with a child, and ending your involvement (PRODUCT.md §2).

:class:`AddInvolvementDialog` records the user as involved, in their own service. For a
**sensitive service** (seed 000 §11–15) consent is settled first, by walking chart 4
("May I record my involvement from a sensitive service?",
:mod:`app.ui.guidance.consent_step`): the explicit consent of the child (with how their
competence was judged) or of a person with parental responsibility, or — only for a
genuine child-protection concern — an override with a written justification, flagged for
review. This dialog receives that consent, says it back in the words the record will
show, and asks only for the details; the rules package judges the consent again
(``check_involvement_consent``), as the cache and the index do. The result is an
``AddInvolvement`` payload.

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
from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.changes import AddInvolvement, EndInvolvement
from app.domain.errors import DomainError
from app.domain.records import (
    ContactDetails,
    Involvement,
    InvolvementConsent,
)
from app.domain.roles import User
from app.domain.services import (
    Service,
    check_involvement_consent,
)
from app.ui.banners import Banner, Tone
from app.ui.caseload_model import format_date
from app.ui.change_dialog import ChangeDialog, paragraph
from app.ui.consent_words import describe_consent


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


class AddInvolvementDialog(ChangeDialog):
    """Record the user as involved with a child; a sensitive service brings its consent."""

    def __init__(
        self,
        child_label: str,
        user: User,
        service: Service,
        *,
        job_title: str,
        today: date,
        consent: InvolvementConsent | None = None,
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
        self.consent = consent
        #: The consent said back, for a sensitive service.
        self.consent_note: Banner | None = None
        if service.sensitive and consent is not None:
            self.consent_note = Banner(
                _tr("{service} is a sensitive service: only essential staff will see it.").format(
                    service=service.name
                )
                + " "
                + describe_consent(consent),
                Tone.INFO,
                name="consentNote",
            )
            self.body.addWidget(self.consent_note)
        self.body.addWidget(self._details(user, job_title))
        self.revalidate()
        self.role.setFocus()

    def _details(self, user: User, job_title: str) -> QWidget:
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

    def build(self) -> BaseModel:
        """The ``AddInvolvement`` payload; the consent is judged by the same rule as the index."""
        consent = check_involvement_consent(self._service, self.consent)
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
