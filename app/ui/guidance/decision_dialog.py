"""The guided information-sharing decision, from the first question to the saved record.

PRODUCT.md §4. :class:`DecisionDialog` walks the practitioner through a decision chart
("Should I share this information?" unless told otherwise) one question at a time
(:class:`~app.ui.guidance.walk_panel.WalkPanel`). At an outcome that is a decision — share,
or do not share — it offers **Record this decision…**, which opens the form of exactly the
fields that outcome asks for (:class:`~app.ui.guidance.decision_form.DecisionForm`); **Save
decision** turns them, with the chart id, version and answers, into a ``RecordDecision``
and saves it through the cache worker (record, outbox and local audit in one
transaction; the next sync takes it to the index). An outcome that is not yet a decision
("seek consent first", "seek advice") says so and offers to start again.

:class:`WithdrawConsentDialog` records that consent has been withdrawn: its own decision,
pointing at the one it withdraws.

Refusals — a field left empty, a review date in the past, a change the access rules do
not allow — are shown inline in the practitioner's words, and the cursor goes to the
field concerned. A bug goes to the crash dialog as usual.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.changes import RecordDecision
from app.domain.errors import DomainError
from app.domain.flowcharts import (
    Flowchart,
    WalkResult,
    build_decision,
    build_withdrawal,
    is_recordable,
    load_flowchart,
)
from app.domain.records import Decision
from app.ui.banners import Banner, Tone
from app.ui.errors import message_for, report
from app.ui.guidance.decision_form import DecisionForm
from app.ui.guidance.saving import DecisionSaver, SavedDecision, new_client_id
from app.ui.guidance.walk_panel import WalkPanel
from app.ui.guidance.wording import chart_text, decision_outcome_label, outcome_decision_label
from app.ui.sync_status import format_moment

#: The chart a decision is made with unless the caller names another.
DEFAULT_CHART = "should-i-share"


def _heading(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    bold = QFont(label.font())
    bold.setBold(True)
    label.setFont(bold)
    return label


class DecisionDialog(QDialog):
    """Walk a decision chart, complete the record, save it to the cache."""

    #: The decision was saved in the cache (the :class:`SavedDecision`); sync to send it.
    decision_saved = Signal(object)
    #: A save is running (``True``) or over (``False``).
    busy_changed = Signal(bool)

    def __init__(
        self,
        saver: DecisionSaver,
        *,
        child_label: str,
        chart: Flowchart | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decisionDialog")
        self.saver = saver
        self.chart = chart if chart is not None else load_flowchart(DEFAULT_CHART)
        self.setWindowTitle(
            self.tr("{title} — {child}").format(title=self.chart.title, child=child_label)
        )
        self.setAccessibleName(self.tr("Information-sharing decision"))
        self.form: DecisionForm | None = None
        self.saved: SavedDecision | None = None
        self._saving = False

        intro = _heading(
            self.tr("An information-sharing decision about {child}.").format(child=child_label),
            "decisionIntro",
        )
        self.panel = WalkPanel(self.chart)
        self.panel.outcome_reached.connect(self._outcome_reached)
        self.panel.outcome_left.connect(self._outcome_left)
        self.outcome_note = Banner("", Tone.INFO, name="outcomeNote")
        self.outcome_note.setVisible(False)
        walk_page = QWidget()
        walk_layout = QVBoxLayout(walk_page)
        walk_layout.setContentsMargins(0, 0, 0, 0)
        walk_layout.addWidget(self.panel, 1)
        walk_layout.addWidget(self.outcome_note)

        self.form_area = QScrollArea()
        self.form_area.setObjectName("decisionFormArea")
        self.form_area.setWidgetResizable(True)
        self.form_area.setAccessibleName(self.tr("Decision record"))
        self.pages = QStackedWidget()
        self.pages.addWidget(walk_page)
        self.pages.addWidget(self.form_area)

        self.problem = Banner("", Tone.WARNING, name="decisionProblem")
        self.problem.setVisible(False)

        self.buttons = self._button_box()

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 190, metrics.height() * 52)
        self._set_buttons()

    def _button_box(self) -> QDialogButtonBox:
        box = QDialogButtonBox()
        self.record_button = QPushButton(self.tr("&Record this decision…"))
        self.record_button.setObjectName("recordDecisionButton")
        self.record_button.setAccessibleName(self.tr("Record this decision"))
        self.record_button.clicked.connect(self.show_form)
        self.restart_button = QPushButton(self.tr("Start &again"))
        self.restart_button.setObjectName("restartButton")
        self.restart_button.setAccessibleName(self.tr("Start again from the first question"))
        self.restart_button.setAutoDefault(False)
        self.restart_button.clicked.connect(self._restart)
        self.questions_button = QPushButton(self.tr("Back to the &questions"))
        self.questions_button.setObjectName("backToQuestionsButton")
        self.questions_button.setAccessibleName(self.tr("Back to the questions"))
        self.questions_button.setAutoDefault(False)
        self.questions_button.clicked.connect(self.show_walk)
        self.save_button = QPushButton(self.tr("&Save decision"))
        self.save_button.setObjectName("saveDecisionButton")
        self.save_button.setAccessibleName(self.tr("Save decision"))
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        for button, role in (
            (self.restart_button, QDialogButtonBox.ButtonRole.ResetRole),
            (self.questions_button, QDialogButtonBox.ButtonRole.ActionRole),
            (self.record_button, QDialogButtonBox.ButtonRole.ActionRole),
            (self.save_button, QDialogButtonBox.ButtonRole.AcceptRole),
            (self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole),
        ):
            box.addButton(button, role)

        return box

    # -- pages -------------------------------------------------------------------------------

    @property
    def on_form(self) -> bool:
        """True while the decision record's form is on show."""
        return self.pages.currentIndex() == 1

    def _outcome_reached(self, result: WalkResult) -> None:
        if is_recordable(result):
            text = self.tr(
                "Outcome: {decision}. Record this decision and your reasons (golden rule 7)."
            ).format(decision=outcome_decision_label(result.decision))
        else:
            text = self.tr(
                "Outcome: {decision}. There is no decision to record yet: do what the outcome "
                "says, then start again with the answer you get."
            ).format(decision=outcome_decision_label(result.decision))
        self.outcome_note.set_text(text)
        self.outcome_note.setVisible(True)
        self._set_buttons()
        target = self.record_button if is_recordable(result) else self.restart_button
        target.setFocus()

    def _outcome_left(self) -> None:
        self.outcome_note.setVisible(False)
        self.problem.setVisible(False)
        self._set_buttons()

    def _set_buttons(self) -> None:
        result = self.panel.result()
        on_form = self.on_form
        recordable = result is not None and is_recordable(result)
        self.record_button.setVisible(not on_form and recordable)
        self.restart_button.setVisible(not on_form and result is not None and not recordable)
        self.questions_button.setVisible(on_form)
        self.save_button.setVisible(on_form)
        self.save_button.setEnabled(on_form and not self._saving)
        # Enter does what the page is for: next question, record, save.
        self.panel.next_button.setDefault(not on_form and result is None)
        self.record_button.setDefault(not on_form and recordable)
        self.save_button.setDefault(on_form)

    def show_form(self) -> None:
        """Open the record's form for the outcome reached (kept if it is the same outcome)."""
        result = self.panel.result()
        if result is None or not is_recordable(result):
            return
        if self.form is None or self.form.result != result:
            # Another outcome asks for other fields: a fresh form, nothing carried over.
            self.form = DecisionForm(
                result, today=self.saver.today(), chart_title=chart_text(self.chart.title)
            )
            self.form_area.setWidget(self.form)
            # From the last field straight to Save: the form is read top to bottom.
            last = list(self.form.editors.values())[-1]
            QWidget.setTabOrder(last, self.save_button)
            QWidget.setTabOrder(self.save_button, self.questions_button)
            QWidget.setTabOrder(self.questions_button, self.cancel_button)
        self.pages.setCurrentIndex(1)
        self.problem.setVisible(False)
        self._set_buttons()
        self.form.focus_field(None)

    def show_walk(self) -> None:
        """Back to the questions (the form keeps what was written)."""
        self.pages.setCurrentIndex(0)
        self.problem.setVisible(False)
        self._set_buttons()
        self.panel.back_button.setFocus()

    def _restart(self) -> None:
        self.panel.restart()
        self.outcome_note.setVisible(False)
        self._set_buttons()

    # -- saving ------------------------------------------------------------------------------

    def show_problem(self, message: str) -> None:
        """Show a refusal above the buttons."""
        self.problem.set_text(message)
        self.problem.setVisible(True)

    def problem_text(self) -> str:
        """The refusal on show, or ""."""
        return "" if self.problem.isHidden() else self.problem.text

    def build(self) -> RecordDecision | None:
        """The decision from the form, or ``None`` with the refusal shown."""
        result = self.panel.result()
        if self.form is None or result is None:
            return None
        try:
            return build_decision(
                result, self.form.answers(), decision_id=new_client_id(), today=self.saver.today()
            )
        except DomainError as refusal:
            self.show_problem(message_for(refusal))
            self.form.focus_field(refusal.field)
            return None

    def save(self) -> None:
        """Check the record and save it through the cache worker."""
        if self._saving or not self.on_form:
            return
        payload = self.build()
        if payload is None:
            return
        self._set_saving(saving=True)
        (
            self.saver.save(payload, owner=self)
            .success(self._saved)
            .failure(self._save_failed)
            .finally_(lambda: self._set_saving(saving=False))
            .start()
        )

    def _set_saving(self, *, saving: bool) -> None:
        self._saving = saving
        self._set_buttons()
        self.busy_changed.emit(saving)

    def _saved(self, saved: SavedDecision) -> None:
        self.saved = saved
        self.decision_saved.emit(saved)
        self.accept()

    def _save_failed(self, error: Exception) -> None:
        if isinstance(error, DomainError):
            self.show_problem(message_for(error))
            return
        report(error, parent=self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """A save under way finishes first: the record must not be half-told."""
        if self._saving:
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        """Cancel, unless a save is under way."""
        if not self._saving:
            super().reject()


class WithdrawConsentDialog(QDialog):
    """Record that the consent a decision rested on has been withdrawn."""

    #: The withdrawal was saved in the cache (the :class:`SavedDecision`).
    decision_saved = Signal(object)

    def __init__(
        self,
        saver: DecisionSaver,
        decision: Decision,
        decisions: Iterable[Decision],
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("withdrawConsentDialog")
        self.setWindowTitle(self.tr("Consent withdrawn"))
        self.setAccessibleName(self.tr("Record that consent was withdrawn"))
        self.saver = saver
        self.decision = decision
        self.decisions = tuple(decisions)
        self.saved: SavedDecision | None = None
        self._saving = False

        when = format_moment(decision.decided_at)
        about = _heading(
            self.tr(
                "Consent given for the decision “{outcome}” of {date} has been withdrawn. "
                "The decision stays on the record; this withdrawal is recorded beside it."
            ).format(outcome=decision_outcome_label(decision.outcome), date=when),
            "withdrawIntro",
        )
        guidance = QLabel(
            self.tr(
                "“A person can withdraw consent at any time.” Stop sharing on that consent, "
                "and tell those you shared with where that is needed."
            )
        )
        guidance.setWordWrap(True)
        self.withdrawn_by = QLineEdit(decision.consent_from or "")
        self.withdrawn_by.setObjectName("withdrawnBy")
        self.withdrawn_by.setMaxLength(200)
        self.withdrawn_by.setAccessibleName(self.tr("Who withdrew consent"))
        self.reasons = QPlainTextEdit()
        self.reasons.setObjectName("withdrawReasons")
        self.reasons.setTabChangesFocus(True)
        self.reasons.setAccessibleName(self.tr("What they said, and what you have done"))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        who_label = QLabel(self.tr("&Who withdrew consent:"))
        who_label.setBuddy(self.withdrawn_by)
        reasons_label = QLabel(self.tr("What they said, and what you have &done:"))
        reasons_label.setBuddy(self.reasons)
        form.addRow(who_label, self.withdrawn_by)
        form.addRow(reasons_label, self.reasons)
        self.problem = Banner("", Tone.WARNING, name="withdrawProblem")
        self.problem.setVisible(False)
        buttons = self._button_box()
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(guidance)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.reasons.setFocus()

    def _button_box(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.save_button = QPushButton(self.tr("&Record withdrawal"))
        self.save_button.setObjectName("saveWithdrawalButton")
        self.save_button.setAccessibleName(self.tr("Record withdrawal"))
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        return buttons

    def problem_text(self) -> str:
        """The refusal on show, or ""."""
        return "" if self.problem.isHidden() else self.problem.text

    def save(self) -> None:
        """Check the withdrawal and save it through the cache worker."""
        if self._saving:
            return
        try:
            payload = build_withdrawal(
                self.decision,
                self.decisions,
                decision_id=new_client_id(),
                reasons=self.reasons.toPlainText(),
                withdrawn_by=self.withdrawn_by.text(),
            )
        except DomainError as refusal:
            self._show_problem(message_for(refusal))
            (self.withdrawn_by if refusal.field == "consent_from" else self.reasons).setFocus()
            return
        self._saving = True
        self.save_button.setEnabled(False)
        (
            self.saver.save(payload, owner=self)
            .success(self._saved)
            .failure(self._save_failed)
            .finally_(self._save_over)
            .start()
        )

    def _show_problem(self, message: str) -> None:
        self.problem.set_text(message)
        self.problem.setVisible(True)

    def _save_over(self) -> None:
        self._saving = False
        self.save_button.setEnabled(True)

    def _saved(self, saved: SavedDecision) -> None:
        self.saved = saved
        self.decision_saved.emit(saved)
        self.accept()

    def _save_failed(self, error: Exception) -> None:
        if isinstance(error, DomainError):
            self._show_problem(message_for(error))
            return
        report(error, parent=self)

    def reject(self) -> None:
        """Cancel, unless a save is under way."""
        if not self._saving:
            super().reject()
