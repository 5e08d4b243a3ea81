"""Walking a chart as guidance: the procedure charts, or any chart to learn it.

The five procedure flowcharts of seed 003 (referral to children's social care, action
following assessment, urgent action, after the strategy discussion, after the child
protection conference) are guidance: walking one tells the practitioner what to do and
what to record, and stores nothing. :class:`WalkDialog` is that walk, opened from the
guidance viewer; at the outcome it lists what the guidance says to record.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.flowcharts import Flowchart, WalkResult
from app.ui.banners import Banner, Tone
from app.ui.guidance.walk_panel import WalkPanel
from app.ui.guidance.wording import chart_text, field_label


class WalkDialog(QDialog):
    """One chart, walked one question at a time; nothing is saved."""

    def __init__(self, chart: Flowchart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("walkDialog")
        self.setWindowTitle(chart_text(chart.title))
        self.setAccessibleName(self.tr("Walk through {title}").format(title=chart.title))
        summary = QLabel(chart_text(chart.summary))
        summary.setObjectName("walkSummary")
        summary.setWordWrap(True)
        summary.setTextFormat(Qt.TextFormat.PlainText)
        self.panel = WalkPanel(chart)
        self.panel.outcome_reached.connect(self._outcome_reached)
        self.panel.outcome_left.connect(self._outcome_left)
        self.to_record = Banner("", Tone.INFO, name="toRecord")
        self.to_record.setVisible(False)
        buttons = QDialogButtonBox()
        self.restart_button = QPushButton(self.tr("Start &again"))
        self.restart_button.setObjectName("restartButton")
        self.restart_button.setAccessibleName(self.tr("Start again from the first question"))
        self.restart_button.setAutoDefault(False)
        self.restart_button.clicked.connect(self.panel.restart)
        self.close_button = QPushButton(self.tr("&Close"))
        self.close_button.setObjectName("closeButton")
        self.close_button.setAccessibleName(self.tr("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        buttons.addButton(self.restart_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.to_record)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 190, metrics.height() * 52)
        self.panel.next_button.setDefault(True)

    def _outcome_reached(self, result: WalkResult) -> None:
        fields = "; ".join(field_label(f) for f in result.record_fields)
        self.to_record.set_text(
            self.tr("Keep a record (golden rule 7) of: {fields}.").format(fields=fields)
        )
        self.to_record.setVisible(True)
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def _outcome_left(self) -> None:
        self.to_record.setVisible(False)
        self.close_button.setDefault(False)
        self.panel.next_button.setDefault(True)
