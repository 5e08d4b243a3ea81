"""A recorded decision on screen: every field of the record, and the path that led to it.

PRODUCT.md §4: a decision is "shown on the child's record with the full path on demand".
:class:`DecisionCard` shows one decision — outcome, basis, whose consent and how
competence was judged, what information, with whom, for what purpose, reasons, who was
consulted, whether the person was told, the review date, the chart and its version — and
**Show the path taken** opens :class:`DecisionPathView`: the stored answers replayed
against the chart (``replay_stored``), listed in words and drawn on the chart. A chart
that has changed since is said so plainly, and the stored answers are still shown.

A decision resting on consent that still stands offers **Consent withdrawn…** (when the
viewer may record decisions); a withdrawn one says when and by whom.
:class:`DecisionsPanel` lists a record's decisions, newest first, for the record view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.flowcharts import Flowchart, can_withdraw, load_flowcharts, replay_stored
from app.domain.flowcharts.paths import StoredPath
from app.domain.records import Decision, DecisionOutcome
from app.ui.banners import Banner, Tone
from app.ui.caseload_model import format_date
from app.ui.guidance.chart_view import ChartView
from app.ui.guidance.wording import chart_text, decision_outcome_label, sharing_basis_label
from app.ui.sync_status import format_moment


def _value(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DecisionPathView(QWidget):
    """The way through the chart that led to a decision, in words and drawn."""

    def __init__(
        self,
        decision: Decision,
        *,
        charts: Mapping[str, Flowchart] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decisionPath")
        self.stored: StoredPath = replay_stored(
            charts if charts is not None else load_flowcharts(),
            decision.flowchart_id,
            decision.flowchart_version,
            decision.answers,
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note: Banner | None = None
        if self.stored.problem is not None:
            self.note = Banner(self.stored.problem, Tone.NOTICE, name="pathProblem")
        elif self.stored.version_differs and self.stored.chart is not None:
            self.note = Banner(
                self.tr(
                    "This decision was made with version {old} of the chart; this computer "
                    "has version {new}. The answers still lead the same way."
                ).format(old=decision.flowchart_version, new=self.stored.chart.version),
                Tone.INFO,
                name="pathVersion",
            )
        if self.note is not None:
            layout.addWidget(self.note)
        self.steps = QListWidget()
        self.steps.setObjectName("pathSteps")
        self.steps.setAccessibleName(self.tr("The path taken"))
        self.steps.setWordWrap(True)
        for number, step in enumerate(self.stored.steps, start=1):
            if step.kind == "question":
                text = self.tr("{number}. {question} — {answer}").format(
                    number=number,
                    question=chart_text(step.text),
                    answer=chart_text(step.answer_label or ""),
                )
            elif step.kind == "action":
                text = self.tr("{number}. Done: {step}").format(
                    number=number, step=chart_text(step.text)
                )
            else:
                text = self.tr("{number}. Outcome: {step}").format(
                    number=number, step=chart_text(step.text)
                )
            self.steps.addItem(text)
        line = self.fontMetrics().lineSpacing()
        self.steps.setMinimumHeight(line * min(12, 2 * len(self.stored.steps) + 1))
        layout.addWidget(self.steps)
        self.chart_view: ChartView | None = None
        if self.stored.walk is not None and self.stored.chart is not None:
            self.chart_view = ChartView(self.stored.chart)
            self.chart_view.setMinimumHeight(line * 24)
            self.chart_view.show_path(self.stored.walk.path, marker=self.tr("Decided here"))
            layout.addWidget(self.chart_view, 1)

    def step_texts(self) -> list[str]:
        """The steps as listed."""
        return [self.steps.item(i).text() for i in range(self.steps.count())]


class DecisionCard(QFrame):
    """One recorded decision, its path on demand, and the way to record a withdrawal."""

    #: The practitioner asked to record that this decision's consent was withdrawn.
    withdraw_requested = Signal(object)

    def __init__(
        self,
        decision: Decision,
        decisions: Sequence[Decision] = (),
        *,
        can_record: bool = False,
        charts: Mapping[str, Flowchart] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decisionCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.decision = decision
        self._charts = charts if charts is not None else load_flowcharts()
        everything = tuple(decisions) or (decision,)
        outcome = decision_outcome_label(decision.outcome)
        self.setAccessibleName(
            self.tr("Decision: {outcome}, {when}").format(
                outcome=outcome, when=format_moment(decision.decided_at)
            )
        )
        layout = QVBoxLayout(self)
        heading = _value(
            self.tr("{outcome} — decided by {who} on {when}").format(
                outcome=outcome,
                who=decision.decided_by_name,
                when=format_moment(decision.decided_at),
            )
        )
        heading.setObjectName("decisionHeading")
        bold = QFont(heading.font())
        bold.setBold(True)
        heading.setFont(bold)
        heading.setProperty("emphasis", "true")
        layout.addWidget(heading)
        withdrawal = next((d for d in everything if d.withdraws == decision.id), None)
        if withdrawal is not None:
            notice = Banner(
                self.tr(
                    "Consent withdrawn on {when} ({who}). Do not share on this consent."
                ).format(
                    when=format_moment(withdrawal.decided_at),
                    who=withdrawal.consent_from or withdrawal.decided_by_name,
                ),
                Tone.WARNING,
                name="consentWithdrawnNotice",
            )
            layout.addWidget(notice)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, value in self._rows(everything):
            if value:
                form.addRow(label, _value(value))
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.path_button: QPushButton | None = None
        self.path_view: DecisionPathView | None = None
        if decision.flowchart_id is not None:
            self.path_button = QPushButton(self.tr("Show the &path taken"))
            self.path_button.setObjectName("showPathButton")
            self.path_button.setAccessibleName(self.tr("Show the path taken to this decision"))
            self.path_button.setCheckable(True)
            self.path_button.toggled.connect(self.show_path)
            buttons.addWidget(self.path_button)
        self.withdraw_button: QPushButton | None = None
        if can_record and can_withdraw(decision, everything):
            self.withdraw_button = QPushButton(self.tr("Consent &withdrawn…"))
            self.withdraw_button.setObjectName("withdrawConsentButton")
            self.withdraw_button.setAccessibleName(
                self.tr("Record that consent for this decision was withdrawn")
            )
            self.withdraw_button.clicked.connect(lambda: self.withdraw_requested.emit(decision))
            buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._layout = layout

    def _rows(self, everything: Iterable[Decision]) -> list[tuple[str, str | None]]:
        decision = self.decision
        chart = self._charts.get(decision.flowchart_id or "")
        chart_name: str | None = None
        if decision.flowchart_id is not None:
            chart_name = self.tr("{title}, version {version}").format(
                title=chart_text(chart.title) if chart is not None else decision.flowchart_id,
                version=decision.flowchart_version or "?",
            )
        withdraws: str | None = None
        if decision.withdraws is not None:
            original = next((d for d in everything if d.id == decision.withdraws), None)
            withdraws = (
                self.tr("The decision of {when}").format(when=format_moment(original.decided_at))
                if original is not None
                else self.tr("A decision not on this copy of the record")
            )
        informed: str | None = None
        if decision.person_informed is not None:
            informed = self.tr("Yes") if decision.person_informed else self.tr("No")
        whose = (
            self.tr("Withdrawn by:")
            if decision.outcome is DecisionOutcome.CONSENT_WITHDRAWN
            else self.tr("Whose consent:")
        )
        return [
            (self.tr("Decision:"), decision_outcome_label(decision.outcome)),
            (self.tr("Withdraws consent for:"), withdraws),
            (
                self.tr("Basis:"),
                None if decision.basis is None else sharing_basis_label(decision.basis),
            ),
            (whose, decision.consent_from),
            (self.tr("How competence was judged:"), decision.competence_judgement),
            (self.tr("What information:"), decision.information_shared),
            (self.tr("With whom:"), decision.shared_with),
            (self.tr("Purpose:"), decision.purpose),
            (self.tr("Reasons:"), decision.reasons),
            (self.tr("Consulted:"), decision.consulted),
            (self.tr("Person told:"), informed),
            (
                self.tr("Review by:"),
                None if decision.review_date is None else format_date(decision.review_date),
            ),
            (self.tr("Flowchart:"), chart_name),
        ]

    def show_path(self, shown: bool = True) -> None:
        """Show (or hide) the path taken; it is replayed the first time it is asked for."""
        if shown and self.path_view is None:
            self.path_view = DecisionPathView(self.decision, charts=self._charts)
            self._layout.addWidget(self.path_view)
        if self.path_view is not None:
            self.path_view.setVisible(shown)
        if self.path_button is not None and self.path_button.isChecked() != shown:
            self.path_button.setChecked(shown)
        if self.path_button is not None:
            self.path_button.setText(
                self.tr("Hide the &path taken") if shown else self.tr("Show the &path taken")
            )

    def visible_text(self) -> str:
        """Every piece of text on show, one per line (for tests and screen readers)."""
        return "\n".join(
            label.text() for label in self.findChildren(QLabel) if label.isVisibleTo(self)
        )


class DecisionsPanel(QWidget):
    """A record's decisions, newest first; withdrawals sit with the rest, marked as such."""

    #: Passed on from a card: record a withdrawal of this decision's consent.
    withdraw_requested = Signal(object)

    def __init__(
        self,
        decisions: Iterable[Decision],
        *,
        can_record: bool = False,
        charts: Mapping[str, Flowchart] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decisionsPanel")
        self.setAccessibleName(self.tr("Information-sharing decisions"))
        everything = tuple(decisions)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.cards: list[DecisionCard] = []
        if not everything:
            layout.addWidget(_value(self.tr("No information-sharing decisions are recorded.")))
        for decision in sorted(everything, key=lambda d: d.decided_at, reverse=True):
            card = DecisionCard(decision, everything, can_record=can_record, charts=charts)
            card.withdraw_requested.connect(self.withdraw_requested)
            layout.addWidget(card)
            self.cards.append(card)
