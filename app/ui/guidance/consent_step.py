"""Consent before adding a sensitive-service involvement: chart 4, then the consent itself.

Seed 000 §11–15: a practitioner in a sensitive service (CAMHS, substance misuse, sexual
health, …) may add their details to the index only with informed, explicit consent — of
the child if competent, otherwise of a person with parental responsibility — or, where
there are genuine child-protection concerns, under an override with a written
justification, flagged for review. Adding such an involvement therefore runs the chart
"May I record my involvement from a sensitive service?" first.

:class:`ConsentStepDialog` walks that chart (:class:`~app.ui.guidance.walk_panel.WalkPanel`)
and, at its outcome, asks for what the consent record needs: whose consent, or the
justification. The domain builds the :class:`~app.domain.records.InvolvementConsent`
(``build_involvement_consent``) with the same rule the index applies; the index refuses a
sensitive involvement without it anyway. :func:`ask_involvement_consent` runs the dialog
and returns the consent, or ``None`` when the involvement is not to be added — the outcome
was "do not record", consent has yet to be asked for, or the practitioner cancelled.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.flowcharts import (
    OutcomeDecision,
    WalkResult,
    build_involvement_consent,
    load_flowchart,
)
from app.domain.records import ConsentGiver, InvolvementConsent
from app.domain.services import MIN_OVERRIDE_JUSTIFICATION
from app.ui.banners import Banner, Tone
from app.ui.errors import message_for
from app.ui.guidance.walk_panel import WalkPanel
from app.ui.guidance.wording import chart_text, consent_giver_label

#: Chart 4 of PRODUCT.md §4: consent for recording a sensitive-service involvement.
CONSENT_CHART = "sensitive-involvement-consent"
#: The outcomes of chart 4 after which the involvement is added (with its consent).
ADDING_OUTCOMES = frozenset(
    {OutcomeDecision.RECORD_WITH_CONSENT, OutcomeDecision.RECORD_WITH_OVERRIDE}
)


class ConsentStepDialog(QDialog):
    """Walk chart 4; on accepting, :attr:`consent` holds what to store with the involvement."""

    #: Accepted with a consent to record (the :class:`InvolvementConsent`).
    consent_given = Signal(object)

    def __init__(self, *, service_name: str, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consentStepDialog")
        chart = load_flowchart(CONSENT_CHART)
        self.setWindowTitle(chart_text(chart.title))
        self.setAccessibleName(self.tr("Consent to record a sensitive-service involvement"))
        self.today = today
        self.consent: InvolvementConsent | None = None
        #: The outcome reached when the dialog closed (``None`` if cancelled before one).
        self.outcome: OutcomeDecision | None = None

        intro = QLabel(
            self.tr(
                "{service} is a sensitive service. Before your details are added, answer "
                "these questions. Only essential staff will see your involvement."
            ).format(service=service_name)
        )
        intro.setObjectName("consentIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.panel = WalkPanel(chart)
        self.panel.outcome_reached.connect(self._outcome_reached)
        self.panel.outcome_left.connect(self._outcome_left)

        self.giver_box = self._giver_box()
        self.justification_box = self._justification_box()
        self.outcome_note = Banner("", Tone.INFO, name="consentOutcomeNote")
        self.problem = Banner("", Tone.WARNING, name="consentProblem")

        buttons = self._button_box()

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.outcome_note)
        layout.addWidget(self.giver_box)
        layout.addWidget(self.justification_box)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 180, metrics.height() * 52)
        self._outcome_left()

    # -- building ----------------------------------------------------------------------------

    def _giver_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Whose consent was given?"))
        box.setObjectName("consentGiverBox")
        giver_layout = QVBoxLayout(box)
        self.giver_group = QButtonGroup(self)
        self.giver_buttons: dict[ConsentGiver, QRadioButton] = {}
        for number, giver in enumerate(ConsentGiver, start=1):
            label = consent_giver_label(giver)
            button = QRadioButton(f"&{chr(ord('a') + number - 1)}  {label}")
            button.setObjectName(f"consentGiver_{giver.value}")
            button.setAccessibleName(label)
            self.giver_group.addButton(button, number)
            self.giver_buttons[giver] = button
            giver_layout.addWidget(button)
        self.competence = QPlainTextEdit()
        self.competence.setObjectName("competenceJudgement")
        self.competence.setTabChangesFocus(True)
        self.competence.setAccessibleName(self.tr("How the child's competence was judged"))
        self.competence.setMaximumHeight(self.fontMetrics().lineSpacing() * 4)
        competence_label = QLabel(
            self.tr(
                "If the child consented: how did you judge that they understand and can "
                "consent (&Fraser/Gillick)?"
            )
        )
        competence_label.setWordWrap(True)
        competence_label.setBuddy(self.competence)
        giver_layout.addWidget(competence_label)
        giver_layout.addWidget(self.competence)
        return box

    def _justification_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Justification for the override"))
        box.setObjectName("justificationBox")
        justification_layout = QVBoxLayout(box)
        self.justification = QPlainTextEdit()
        self.justification.setObjectName("overrideJustification")
        self.justification.setTabChangesFocus(True)
        self.justification.setAccessibleName(
            self.tr("The child-protection concern that justifies recording without consent")
        )
        self.justification.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        justification_label = QLabel(
            self.tr(
                "State the child-protection concern (at least {count} characters) and who you "
                "consulted. The override is flagged for review."
            ).format(count=MIN_OVERRIDE_JUSTIFICATION)
        )
        justification_label.setWordWrap(True)
        justification_label.setBuddy(self.justification)
        justification_layout.addWidget(justification_label)
        justification_layout.addWidget(self.justification)

        return box

    def _button_box(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.add_button = QPushButton(self.tr("&Add my details"))
        self.add_button.setObjectName("addWithConsentButton")
        self.add_button.setAccessibleName(self.tr("Add my details to the record"))
        self.add_button.clicked.connect(self.accept)
        self.do_not_add_button = QPushButton(self.tr("&Do not add my details"))
        self.do_not_add_button.setObjectName("doNotAddButton")
        self.do_not_add_button.setAccessibleName(self.tr("Do not add my details"))
        self.do_not_add_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.do_not_add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)

        return buttons

    # -- following the walk ----------------------------------------------------------------

    def _outcome_reached(self, result: WalkResult) -> None:
        decision = result.decision
        self.giver_box.setVisible(decision is OutcomeDecision.RECORD_WITH_CONSENT)
        self.justification_box.setVisible(decision is OutcomeDecision.RECORD_WITH_OVERRIDE)
        adds = decision in ADDING_OUTCOMES
        self.add_button.setVisible(adds)
        self.add_button.setText(
            self.tr("&Add my details under the override")
            if decision is OutcomeDecision.RECORD_WITH_OVERRIDE
            else self.tr("&Add my details")
        )
        self.do_not_add_button.setVisible(not adds)
        notes = {
            OutcomeDecision.RECORD_WITH_CONSENT: self.tr(
                "You may add your details, with consent. Say whose consent was given."
            ),
            OutcomeDecision.RECORD_WITH_OVERRIDE: self.tr(
                "You may add your details without consent, on child-protection grounds, with "
                "a written justification. The override is flagged for review."
            ),
            OutcomeDecision.DO_NOT_RECORD: self.tr(
                "Do not add your details to the index. The child's or family's decision stands."
            ),
        }
        self.outcome_note.set_text(
            notes.get(
                decision,
                self.tr(
                    "Ask for consent first; your details are not added now. Add them once you "
                    "have an answer."
                ),
            )
        )
        self.outcome_note.setVisible(True)
        self.problem.setVisible(False)
        self.panel.next_button.setDefault(False)
        target = self.add_button if adds else self.do_not_add_button
        target.setDefault(True)
        if decision is OutcomeDecision.RECORD_WITH_CONSENT:
            self.giver_buttons[ConsentGiver.CHILD].setFocus()
        elif decision is OutcomeDecision.RECORD_WITH_OVERRIDE:
            self.justification.setFocus()
        else:
            target.setFocus()

    def _outcome_left(self) -> None:
        for widget in (
            self.giver_box,
            self.justification_box,
            self.outcome_note,
            self.problem,
            self.add_button,
            self.do_not_add_button,
        ):
            widget.setVisible(False)
        self.add_button.setDefault(False)
        self.do_not_add_button.setDefault(False)
        self.panel.next_button.setDefault(True)

    # -- answering ---------------------------------------------------------------------------

    def choose_giver(self, giver: ConsentGiver) -> None:
        """Say whose consent was given (as clicking its button would)."""
        self.giver_buttons[giver].setChecked(True)

    def chosen_giver(self) -> ConsentGiver | None:
        """Whose consent is chosen."""
        return next((g for g, b in self.giver_buttons.items() if b.isChecked()), None)

    def problem_text(self) -> str:
        """The refusal on show, or ""."""
        return "" if self.problem.isHidden() else self.problem.text

    def accept(self) -> None:
        """Close with the consent (or with none, for "do not record"), if it is complete."""
        result = self.panel.result()
        if result is None:
            return
        try:
            consent = build_involvement_consent(
                result,
                given_by=self.chosen_giver(),
                justification=self.justification.toPlainText(),
                today=self.today,
                competence_judgement=self.competence.toPlainText(),
            )
        except DomainError as refusal:
            if refusal.code == "consent_not_settled":
                consent = None
            else:
                self.problem.set_text(message_for(refusal))
                self.problem.setVisible(True)
                return
        self.consent = consent
        self.outcome = result.decision
        super().accept()
        if consent is not None:
            self.consent_given.emit(consent)


def ask_involvement_consent(
    parent: QWidget | None, *, service_name: str, today: date
) -> InvolvementConsent | None:
    """Run chart 4 (modal); the consent to store, or ``None`` if the involvement is not added."""
    dialog = ConsentStepDialog(service_name=service_name, today=today, parent=parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.consent
    finally:
        dialog.deleteLater()
