"""A child's record on screen, exactly as the user may see it (PRODUCT.md §2).

The record arrives already reduced by the access rules — by the index before it left, or
by the index before it was cached — so this view decides nothing about access: it shows
what the record holds and **never a field the record does not have** (no empty "Address:"
row, no empty section). The two ways a record says something was withheld are stated in
words at the top:

* ``restricted_information_exists`` — "Further information exists — contact essential
  staff" (a sensitive-service involvement the user may not see; seed 000 §11–15);
* ``shielded`` — only name, date of birth, index id and parent/carer names are shown
  (seed 004); an index manager also sees why and until when.

Involvements show who is working with the child and how to reach them, the lead
professional marked in words, contact details with a copy button, and indicators with
who set them and when, beside the reminder that an indicator is not a substitute for
action (seed 000 §17). Information-sharing decisions close the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.records import (
    INDICATOR_LABELS,
    INDICATOR_REMINDER,
    ChildRecord,
    ContactDetails,
    Decision,
    HealthContact,
    Indicator,
    Involvement,
    ParentCarer,
    Setting,
)
from app.domain.services import default_catalogue
from app.ui.banners import Banner, Tone
from app.ui.caseload_model import format_date
from app.ui.consent_words import describe_consent
from app.ui.guidance.decision_view import DecisionsPanel
from app.ui.sync_status import format_moment


def contact_text(contact: ContactDetails | None) -> str:
    """Contact details, one per line; "" if there are none."""
    if contact is None:
        return ""
    return "\n".join(part for part in (contact.phone, contact.email, contact.address) if part)


def service_name(code: str) -> str:
    """The catalogue's name for a service, or its code if the catalogue has no such service."""
    try:
        return default_catalogue().get(code).name
    except DomainError:
        return code


def _value(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class RecordView(QScrollArea):
    """One opened record, read-only."""

    #: *Consent withdrawn…* was pressed on this decision (offered with ``can_record_decisions``).
    withdraw_requested = Signal(object)

    def __init__(
        self,
        record: ChildRecord,
        *,
        from_cache: bool = False,
        can_record_decisions: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.record = record
        self._can_record_decisions = can_record_decisions
        self.setObjectName("recordView")
        self.setAccessibleName(self.tr("Record of {child}").format(child=record.display_name))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("recordBody")
        self._body = body
        self._layout = QVBoxLayout(body)
        self.copy_buttons: list[QPushButton] = []
        self._build(from_cache=from_cache)
        self._layout.addStretch(1)
        self.setWidget(body)

    # -- reading back (for tests and screen readers) -----------------------------------------

    def sections(self) -> list[str]:
        """The object names of the sections on show, top to bottom."""
        return [box.objectName() for box in self._body.findChildren(QGroupBox)]

    def visible_text(self) -> str:
        """Every piece of text on show, one per line."""
        return "\n".join(label.text() for label in self._body.findChildren(QLabel))

    # -- building ---------------------------------------------------------------------------

    def _build(self, *, from_cache: bool) -> None:
        record = self.record
        name = QLabel(record.display_name)
        name.setObjectName("recordName")
        font = QFont(name.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        name.setFont(font)
        name.setTextFormat(Qt.TextFormat.PlainText)
        name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(name)
        self._layout.addWidget(
            _value(
                self.tr("Born {date} · Index id {index_id}").format(
                    date=format_date(record.date_of_birth, "d MMMM yyyy"),
                    index_id=record.index_id,
                )
            )
        )
        if from_cache:
            note = Banner(
                self.tr(
                    "Opened offline, from the copy on this computer: it may not show the "
                    "latest changes. Your access is recorded and sent at the next sync."
                ),
                Tone.INFO,
                name="fromCache",
            )
            note.label.setObjectName("fromCacheNote")
            self._layout.addWidget(note)
        if record.shielded:
            self._layout.addWidget(self._shield_notice())
        if record.restricted_information_exists:
            banner = Banner(
                self.tr(
                    "Further information exists — contact essential staff. Another service "
                    "is involved whose details only essential staff, such as the child's "
                    "social worker, may see."
                ),
                Tone.NOTICE,
                name="restrictedBanner",
            )
            self._layout.addWidget(banner)
        self._identity()
        self._parents(record.parents_carers)
        if record.setting is not None:
            self._organisation("settingSection", self.tr("Educational setting"), record.setting)
        if record.gp_practice is not None:
            self._organisation("gpSection", self.tr("GP practice"), record.gp_practice)
        if record.health_visitor is not None:
            self._organisation(
                "healthVisitorSection", self.tr("Health visitor"), record.health_visitor
            )
        self._involvements(record.involvements)
        self._decisions(record.decisions)

    def _shield_notice(self) -> Banner:
        text = self.tr(
            "This record is shielded: only the child's name, date of birth, index id and "
            "the names of parents and carers are shown."
        )
        shield = self.record.shield
        if shield is not None:
            text += " " + self.tr("Reason: {reason} Review by {date}.").format(
                reason=shield.reason, date=format_date(shield.review_date)
            )
        return Banner(text, Tone.WARNING, name="shieldedNotice")

    def _section(self, name: str, title: str) -> QFormLayout:
        box = QGroupBox(title)
        box.setObjectName(name)
        box.setAccessibleName(title)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._layout.addWidget(box)
        return form

    @staticmethod
    def _rows(form: QFormLayout, rows: Iterable[tuple[str, str | None]]) -> None:
        for label, value in rows:
            if value:
                form.addRow(label, _value(value))

    def _identity(self) -> None:
        record = self.record
        address = record.address
        address_text = (
            "\n".join(
                part
                for part in (address.line1, address.line2, address.town, address.postcode)
                if part
            )
            if address is not None
            else None
        )
        form = self._section("identitySection", self.tr("Child"))
        self._rows(
            form,
            [
                (self.tr("Name:"), record.display_name),
                (self.tr("Other names:"), ", ".join(record.other_names)),
                (self.tr("Date of birth:"), format_date(record.date_of_birth, "d MMMM yyyy")),
                (self.tr("Gender:"), record.gender),
                (self.tr("NHS number:"), _nhs(record.nhs_number)),
                (self.tr("Index id:"), record.index_id),
                (self.tr("Address:"), address_text),
            ],
        )

    def _parents(self, parents: tuple[ParentCarer, ...]) -> None:
        if not parents:
            return
        form = self._section("parentsSection", self.tr("Parents and carers"))
        for parent in parents:
            details = [parent.name]
            if parent.relationship:
                details[0] += f" ({parent.relationship})"
            if parent.parental_responsibility is True:
                details.append(self.tr("Has parental responsibility"))
            elif parent.parental_responsibility is False:
                details.append(self.tr("Does not have parental responsibility"))
            form.addRow(_value("\n".join(details)))
            contact = contact_text(parent.contact)
            if contact:
                form.addRow(self._contact_row(contact, parent.name))

    def _organisation(self, name: str, title: str, place: Setting | HealthContact) -> None:
        form = self._section(name, title)
        form.addRow(_value(place.name))
        text = contact_text(place.contact)
        if text:
            form.addRow(self._contact_row(text, place.name))

    def _contact_row(self, text: str, whose: str) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_value(text), 1)
        button = QPushButton(self.tr("Copy"))
        button.setObjectName("copyContactButton")
        button.setAccessibleName(self.tr("Copy contact details of {whom}").format(whom=whose))
        button.setToolTip(self.tr("Copy these contact details"))
        button.clicked.connect(lambda: QGuiApplication.clipboard().setText(text))
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.copy_buttons.append(button)
        return row

    def _involvements(self, involvements: tuple[Involvement, ...]) -> None:
        if not involvements:
            return
        form = self._section("involvementsSection", self.tr("Who is involved"))
        ordered = sorted(involvements, key=lambda i: (not i.is_lead, not i.active, i.start_date))
        for involvement in ordered:
            form.addRow(self._involvement(involvement))
        if any(i.indicators for i in involvements):
            reminder = _value(self.tr(INDICATOR_REMINDER))
            reminder.setObjectName("indicatorReminder")
            form.addRow(reminder)

    def _involvement(self, involvement: Involvement) -> QWidget:
        frame = QFrame()
        frame.setObjectName("involvement")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(frame)
        heading = QLabel(
            self.tr("{name} — {role}, {organisation}").format(
                name=involvement.practitioner_name,
                role=involvement.practitioner_role,
                organisation=involvement.organisation,
            )
        )
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        _emphasise(heading)
        layout.addWidget(heading)
        if involvement.is_lead:
            lead = QLabel(self.tr("Lead professional"))
            lead.setObjectName("leadProfessionalMark")
            _emphasise(lead)
            layout.addWidget(lead)
        service = service_name(involvement.service_code)
        if involvement.sensitive:
            service = self.tr("{service} (sensitive service)").format(service=service)
        layout.addWidget(_value(self.tr("Service: {service}").format(service=service)))
        if involvement.end_date is None:
            dates = self.tr("Since {start}").format(start=format_date(involvement.start_date))
        else:
            dates = self.tr("From {start} to {end} (ended)").format(
                start=format_date(involvement.start_date), end=format_date(involvement.end_date)
            )
        layout.addWidget(_value(dates))
        if involvement.consent is not None:
            layout.addWidget(_value(self._consent_text(involvement)))
        contact = contact_text(involvement.contact)
        if contact:
            layout.addWidget(self._contact_row(contact, involvement.practitioner_name))
        for indicator in involvement.indicators:
            label = _value(self._indicator_text(indicator))
            label.setObjectName("indicator")
            layout.addWidget(label)
        return frame

    def _consent_text(self, involvement: Involvement) -> str:
        consent = involvement.consent
        assert consent is not None
        return describe_consent(consent)

    def _indicator_text(self, indicator: Indicator) -> str:
        return self.tr("Indicator: {kind} — set by {who} on {when}").format(
            kind=self.tr(INDICATOR_LABELS[indicator.kind]),
            who=indicator.set_by_name,
            when=_moment(indicator.set_at),
        )

    def _decisions(self, decisions: tuple[Decision, ...]) -> None:
        if not decisions:
            return
        form = self._section("decisionsSection", self.tr("Information-sharing decisions"))
        # Each decision as recorded (golden rule 7), with the flowchart path on demand.
        panel = DecisionsPanel(decisions, can_record=self._can_record_decisions)
        panel.withdraw_requested.connect(self.withdraw_requested)
        form.addRow(panel)


def _emphasise(label: QLabel) -> None:
    # Bold in the font (so it holds without the stylesheet) and marked for the
    # stylesheet, whose section rules would otherwise set it back to normal weight.
    bold = QFont(label.font())
    bold.setBold(True)
    label.setFont(bold)
    label.setProperty("emphasis", "true")


def _nhs(number: str | None) -> str | None:
    """An NHS number spaced 3-3-4, as it is printed on cards and letters."""
    if number is None or len(number) != 10:
        return number
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def _moment(moment: datetime) -> str:
    return format_moment(moment)
