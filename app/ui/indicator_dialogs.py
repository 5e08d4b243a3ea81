"""Setting and clearing your own indicators on a child's record (seed 000 §16–17).

An indicator tells other practitioners that the user has important information to
share, that action is under way, or that an assessment has been initiated or completed;
it always belongs to one of the user's own involvements and shows who set it and when.
Both dialogs say plainly, in the rules package's own words
(``app.domain.records.INDICATOR_REMINDER``), that **an indicator is not a substitute for
action**. The number keys choose an indicator.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.changes import ClearIndicator, SetIndicator
from app.domain.errors import DomainError
from app.domain.records import (
    INDICATOR_LABELS,
    INDICATOR_REMINDER,
    Indicator,
    IndicatorKind,
    Involvement,
)
from app.ui.banners import Banner, Tone
from app.ui.change_dialog import ChangeDialog
from app.ui.sync_status import format_moment

#: The order indicators are listed and numbered in.
INDICATOR_ORDER = tuple(IndicatorKind)


def _tr(text: str) -> str:
    return QCoreApplication.translate("IndicatorDialogs", text)


def indicator_label(kind: IndicatorKind) -> str:
    """The rules package's name for an indicator, translated."""
    return QCoreApplication.translate("indicators", INDICATOR_LABELS[kind])


def reminder_banner() -> Banner:
    """The reminder that an indicator is not a substitute for action."""
    banner = Banner(
        QCoreApplication.translate("indicators", INDICATOR_REMINDER),
        Tone.NOTICE,
        name="indicatorReminderBanner",
    )
    font = banner.label.font()
    font.setBold(True)
    banner.label.setFont(font)
    return banner


def _radio_list(
    title: str, texts: list[str], names: list[str], parent: QWidget
) -> tuple[QGroupBox, QButtonGroup, list[QRadioButton]]:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    group = QButtonGroup(parent)
    buttons = []
    for number, (text, name) in enumerate(zip(texts, names, strict=True), start=1):
        button = QRadioButton(f"&{number}  {text}" if number < 10 else text)
        button.setObjectName(name)
        button.setAccessibleName(f"{number}. {text}")
        group.addButton(button, number)
        layout.addWidget(button)
        buttons.append(button)
    return box, group, buttons


class _NumberedChoice(ChangeDialog):
    """A change dialog whose main choice is a numbered list of radio buttons."""

    group: QButtonGroup
    choices: list[QRadioButton]

    def quiet_until_chosen(self) -> bool:
        """No refusal before a choice."""
        return self.group.checkedId() < 1

    def choose(self, number: int) -> None:
        """Pick the ``number``-th choice (1-based), as a click or its number key would."""
        button = self.choices[number - 1]
        button.setChecked(True)
        button.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Number keys pick a choice (a text field would take its digits first)."""
        number = int(event.key()) - int(Qt.Key.Key_0.value)
        if event.modifiers() == Qt.KeyboardModifier.NoModifier and 1 <= number <= len(self.choices):
            self.choose(number)
            return
        super().keyPressEvent(event)


class SetIndicatorDialog(_NumberedChoice):
    """Set an indicator on one of the user's own involvements."""

    def __init__(
        self,
        child_label: str,
        involvements: tuple[Involvement, ...],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            name="setIndicatorDialog",
            title=_tr("Set an indicator"),
            heading=_tr("Set an indicator on the record of {child}.").format(child=child_label),
            confirm_text=_tr("&Set indicator"),
            confirm_name="setIndicatorButton",
            parent=parent,
        )
        self._involvements = involvements
        self._indicator_id = uuid.uuid4().hex
        self.body.addWidget(reminder_banner())
        box, self.group, self.choices = _radio_list(
            _tr("What do you want others to know?"),
            [indicator_label(kind) for kind in INDICATOR_ORDER],
            [f"indicator_{kind.value}" for kind in INDICATOR_ORDER],
            self,
        )
        self.body.addWidget(box)
        self.which = QComboBox()
        self.which.setObjectName("whichInvolvement")
        self.which.setAccessibleName(_tr("On which of your involvements"))
        for involvement in involvements:
            self.which.addItem(
                _tr("{role}, {organisation}").format(
                    role=involvement.practitioner_role, organisation=involvement.organisation
                )
            )
        if len(involvements) > 1:
            form = QFormLayout()
            label = QLabel(_tr("On &involvement:"))
            label.setBuddy(self.which)
            form.addRow(label, self.which)
            self.body.addLayout(form)
        else:
            self.which.setVisible(False)
        self.body.addWidget(
            QLabel(_tr("Others will see that you set it, and when. Press a number to choose."))
        )
        self.group.idToggled.connect(self.revalidate)
        self.revalidate()
        self.choices[0].setFocus()

    def build(self) -> BaseModel:
        """The ``SetIndicator`` payload."""
        number = self.group.checkedId()
        if number < 1:
            raise DomainError("indicator_required", "Choose which indicator to set.")
        involvement = self._involvements[max(self.which.currentIndex(), 0)]
        return SetIndicator(
            indicator_id=self._indicator_id,
            involvement_id=involvement.id,
            indicator=INDICATOR_ORDER[number - 1],
        )


class ClearIndicatorDialog(_NumberedChoice):
    """Clear one of the user's own indicators."""

    def __init__(
        self,
        child_label: str,
        indicators: tuple[tuple[Involvement, Indicator], ...],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            name="clearIndicatorDialog",
            title=_tr("Clear an indicator"),
            heading=_tr("Clear one of your indicators on the record of {child}.").format(
                child=child_label
            ),
            confirm_text=_tr("C&lear indicator"),
            confirm_name="clearIndicatorButton",
            parent=parent,
        )
        self._indicators = indicators
        box, self.group, self.choices = _radio_list(
            _tr("Which indicator?"),
            [
                _tr("{kind} — set on {when}").format(
                    kind=indicator_label(indicator.kind), when=format_moment(indicator.set_at)
                )
                for _, indicator in indicators
            ],
            [f"clear_{indicator.id}" for _, indicator in indicators],
            self,
        )
        self.body.addWidget(box)
        self.body.addWidget(reminder_banner())
        self.group.idToggled.connect(self.revalidate)
        if len(indicators) == 1:
            self.choose(1)
        self.revalidate()
        (self.group.checkedButton() or self.choices[0]).setFocus()

    def build(self) -> BaseModel:
        """The ``ClearIndicator`` payload, with the version the user saw."""
        number = self.group.checkedId()
        if number < 1:
            raise DomainError("indicator_required", "Choose which indicator to clear.")
        _, indicator = self._indicators[number - 1]
        return ClearIndicator(indicator_id=indicator.id, base_version=indicator.version)
