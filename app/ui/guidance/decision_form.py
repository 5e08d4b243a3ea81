"""The decision record's form: exactly the fields the outcome reached asks for.

PRODUCT.md §4 lists what a decision record holds: the decision and its basis (filled in
by the chart), whose consent and how competence was judged, what information, with whom,
for what purpose, the reasons, who was consulted, whether the person was told, and a
review date. Each outcome of a chart names the ones that apply to it; this form shows
those and no others, with a line of help under each from the guidance. The domain
(:func:`~app.domain.flowcharts.build_decision`) judges what was written; the form only
collects it and puts the cursor on the field a refusal names.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.flowcharts import DecisionAnswers, RecordField, WalkResult, form_fields
from app.domain.flowcharts.decisions import RECORDABLE_OUTCOMES, SHARING_BASES, TEXT_LIMITS
from app.ui.guidance.wording import (
    chart_basis_label,
    decision_outcome_label,
    field_label,
    outcome_decision_label,
)

#: A first review date to offer: consent "needs to be kept under active review" (seed 002).
DEFAULT_REVIEW_DAYS = 90

_HINTS: dict[RecordField, str] = {
    RecordField.CONSENT_FROM: (
        "A young person of 16 or over; a younger child with sufficient understanding; "
        "otherwise a person with parental responsibility. Say who, and how they are related."
    ),
    RecordField.COMPETENCE_JUDGEMENT: (
        "Did they understand what would be shared, why, with whom, and what it means for "
        "them? (Fraser/Gillick: generally expected from 12; presumed from 16.)"
    ),
    RecordField.INFORMATION_SHARED: "Only what is necessary for the purpose.",
    RecordField.SHARED_WITH: "The person or people who need to know, and their organisation.",
    RecordField.PURPOSE: "Why it needs to be shared, or why you were asked to share it.",
    RecordField.REASONS: "Golden rule 7: your decision and the reasons for it.",
    RecordField.CONSULTED: "Your manager, a safeguarding lead, or nobody.",
    RecordField.PERSON_INFORMED: "Tell them what is being shared and why, if it is safe to do so.",
    RecordField.REVIEW_DATE: "When you will look at this decision again.",
}

_CONSENT_SUGGESTIONS = (
    "The young person (16 or over)",
    "The child (judged to have sufficient understanding)",
    "A person with parental responsibility: ",
)

_MULTI_LINE = frozenset(
    {
        RecordField.COMPETENCE_JUDGEMENT,
        RecordField.INFORMATION_SHARED,
        RecordField.PURPOSE,
        RecordField.REASONS,
    }
)


class DecisionForm(QWidget):
    """The fields to complete for one outcome; :meth:`answers` reads them back."""

    def __init__(
        self,
        result: WalkResult,
        *,
        today: date,
        chart_title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decisionForm")
        self.setMaximumWidth(self.fontMetrics().averageCharWidth() * 120)
        self.result = result
        self.fields: tuple[RecordField, ...] = form_fields(result)
        self.editors: dict[RecordField, QWidget] = {}

        layout = QVBoxLayout(self)
        heading = QLabel(self.tr("Record your decision"))
        heading.setObjectName("decisionFormHeading")
        bold = QFont(heading.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.2)
        heading.setFont(bold)
        layout.addWidget(heading)
        summary = QFormLayout()
        outcome = RECORDABLE_OUTCOMES.get(result.decision)
        summary.addRow(
            self.tr("Decision:"),
            _fixed(
                decision_outcome_label(outcome)
                if outcome is not None
                else outcome_decision_label(result.decision)
            ),
        )
        if result.basis is not None and result.basis in SHARING_BASES:
            summary.addRow(self.tr("Basis:"), _fixed(chart_basis_label(result.basis)))
        layout.addLayout(summary)
        made_with = QLabel(
            self.tr(
                "Made with “{title}”, version {version}: {count} answers, kept with the record."
            ).format(title=chart_title, version=result.chart_version, count=len(result.answers))
        )
        made_with.setObjectName("decisionMadeWith")
        made_with.setWordWrap(True)
        layout.addWidget(made_with)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        for field in self.fields:
            editor = self._editor(field, today)
            editor.setObjectName(f"field_{field.value}")
            self.editors[field] = editor
            label = QLabel(field_label(field) + ":")
            label.setBuddy(editor)
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(editor)
            hint = _HINTS.get(field)
            if hint:
                note = QLabel(self.tr(hint))
                note.setObjectName(f"hint_{field.value}")
                note.setWordWrap(True)
                note.setTextFormat(Qt.TextFormat.PlainText)
                smaller = QFont(note.font())
                smaller.setItalic(True)
                note.setFont(smaller)
                column.addWidget(note)
            form.addRow(label, column)
        layout.addLayout(form)
        layout.addStretch(1)

    def _editor(self, field: RecordField, today: date) -> QWidget:
        name = field_label(field)
        if field is RecordField.CONSENT_FROM:
            combo = QComboBox()
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            for suggestion in _CONSENT_SUGGESTIONS:
                combo.addItem(self.tr(suggestion))
            combo.setCurrentIndex(-1)
            line = combo.lineEdit()
            assert line is not None  # an editable combo box always has its line edit
            line.setMaxLength(TEXT_LIMITS[field])
            line.setPlaceholderText(self.tr("Choose or type who gave consent"))
            combo.setAccessibleName(name)
            return combo
        if field is RecordField.PERSON_INFORMED:
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            self.informed_yes = QRadioButton(self.tr("&Yes, they were told"))
            self.informed_yes.setObjectName("informedYes")
            self.informed_yes.setAccessibleName(self.tr("Yes, the person was told"))
            self.informed_no = QRadioButton(self.tr("N&o, they were not told"))
            self.informed_no.setObjectName("informedNo")
            self.informed_no.setAccessibleName(self.tr("No, the person was not told"))
            self.informed_group = QButtonGroup(box)
            self.informed_group.addButton(self.informed_yes)
            self.informed_group.addButton(self.informed_no)
            row.addWidget(self.informed_yes)
            row.addWidget(self.informed_no)
            row.addStretch(1)
            box.setAccessibleName(name)
            box.setFocusProxy(self.informed_yes)
            return box
        if field is RecordField.REVIEW_DATE:
            edit = QDateEdit()
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMMM yyyy")
            start = QDate(today.year, today.month, today.day)
            edit.setMinimumDate(start)
            edit.setDate(start.addDays(DEFAULT_REVIEW_DAYS))
            edit.setAccessibleName(name)
            return edit
        if field in _MULTI_LINE:
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setAccessibleName(name)
            line_height = self.fontMetrics().lineSpacing()
            text.setMinimumHeight(line_height * 3)
            text.setMaximumHeight(line_height * 6)
            return text
        line = QLineEdit()
        line.setMaxLength(TEXT_LIMITS[field])
        line.setAccessibleName(name)
        return line

    # -- reading back -------------------------------------------------------------------------

    def _text(self, field: RecordField) -> str:
        editor = self.editors.get(field)
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        if isinstance(editor, QLineEdit):
            return editor.text()
        return ""

    def answers(self) -> DecisionAnswers:
        """What has been written so far."""
        informed: bool | None = None
        if RecordField.PERSON_INFORMED in self.editors:
            if self.informed_yes.isChecked():
                informed = True
            elif self.informed_no.isChecked():
                informed = False
        review: date | None = None
        editor = self.editors.get(RecordField.REVIEW_DATE)
        if isinstance(editor, QDateEdit):
            chosen = editor.date()
            review = date(chosen.year(), chosen.month(), chosen.day())
        return DecisionAnswers(
            consent_from=self._text(RecordField.CONSENT_FROM),
            competence_judgement=self._text(RecordField.COMPETENCE_JUDGEMENT),
            information_shared=self._text(RecordField.INFORMATION_SHARED),
            shared_with=self._text(RecordField.SHARED_WITH),
            purpose=self._text(RecordField.PURPOSE),
            reasons=self._text(RecordField.REASONS),
            consulted=self._text(RecordField.CONSULTED),
            person_informed=informed,
            review_date=review,
        )

    def set_text(self, field: RecordField, text: str) -> None:
        """Fill in a text field (as typing would)."""
        editor = self.editors[field]
        if isinstance(editor, QComboBox):
            editor.setEditText(text)
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(text)
        elif isinstance(editor, QLineEdit):
            editor.setText(text)

    def focus_field(self, field: str | None) -> None:
        """Put the cursor on the field a refusal names (the first field otherwise)."""
        for candidate, editor in self.editors.items():
            if field is None or candidate.value == field:
                editor.setFocus()
                return

    def first_editor(self) -> QWidget | None:
        """The first field to fill."""
        return next(iter(self.editors.values()), None)


def _fixed(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    bold = QFont(label.font())
    bold.setBold(True)
    label.setFont(bold)
    return label


def default_review_date(today: date) -> date:
    """The review date the form offers first."""
    return today + timedelta(days=DEFAULT_REVIEW_DAYS)
