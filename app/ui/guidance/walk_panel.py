"""One question at a time, with the guidance beside it and the chart drawn alongside.

PRODUCT.md §4: "A guided dialog walks the user through one question at a time, with the
help text from the guidance, shows the chart with the path taken so far highlighted, and
lets them go back." :class:`WalkPanel` is that walk, for any chart; the dialogs around it
(:mod:`~app.ui.guidance.walk_dialog`, :mod:`~app.ui.guidance.decision_dialog`,
:mod:`~app.ui.guidance.consent_step`) decide what happens at the outcome.

Keyboard only, all the way: the number keys choose an answer (as do the arrow keys among
the answers), Enter or Alt+N goes on, Alt+B or Alt+Left goes back, Alt+Right goes forward
again the way already answered. Going back keeps the answers given further on: choosing
the same answer again leads forward along them; choosing another forgets them. The list
"Your answers so far" names every step; activating one goes back to it.

The panel never touches the cache or the index: it is the domain's
:class:`~app.domain.flowcharts.Walk` on screen.
"""

from __future__ import annotations

import textwrap

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.flowcharts import (
    ActionNode,
    Flowchart,
    OutcomeNode,
    QuestionNode,
    Walk,
    WalkResult,
    path_steps,
)
from app.ui.guidance.chart_view import ChartView
from app.ui.guidance.wording import chart_text

#: Answer labels are wrapped at this many characters (radio buttons do not wrap).
ANSWER_WRAP = 64


class _PathList(QListWidget):
    """The steps walked; Enter goes back to the chosen step and nothing else."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter activates the step and is kept from the dialog's default button."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.currentItem()
            if item is not None:
                self.itemActivated.emit(item)
            event.accept()
            return
        super().keyPressEvent(event)


class WalkPanel(QWidget):
    """A walk through ``chart``: the step on show, its guidance, the answers and the chart.

    The dialog around it makes :attr:`next_button` its default button (Enter), once the
    panel is inside it: a button only becomes a dialog's default from within the dialog.
    """

    #: The walk reached an outcome (the :class:`WalkResult`).
    outcome_reached = Signal(object)
    #: The walk left the outcome it was at (the practitioner went back).
    outcome_left = Signal()
    #: A new step is on show (its node id).
    step_shown = Signal(str)

    def __init__(self, chart: Flowchart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("walkPanel")
        self.chart = chart
        self.walk = Walk(chart)
        #: Answers given at each question, kept when going back so forward can follow them.
        self._remembered: dict[str, str] = {}
        self._at_outcome = False
        self.answer_buttons: list[QRadioButton] = []

        step = self._step_column()
        self.chart_view = ChartView(chart)
        # The chart is a picture of what the list and the question say in words: keyboard
        # users are not sent through it on the way between answers and buttons.
        self.chart_view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("walkSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(step)
        self.splitter.addWidget(self.chart_view)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        step.setMinimumWidth(self.fontMetrics().averageCharWidth() * (ANSWER_WRAP + 20))

        for keys, slot in (
            (QKeySequence("Alt+Left"), self.go_back),
            (QKeySequence("Alt+Right"), self.go_forward),
        ):
            shortcut = QShortcut(keys, self)
            # The whole window: at an outcome the keyboard is on the dialog's own buttons.
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
        self._show()

    # -- building -------------------------------------------------------------------------------

    def _step_column(self) -> QWidget:
        """The question, its answers, the buttons, the guidance and the path so far."""
        self._question()
        self.help = QTextBrowser()
        self.help.setObjectName("walkHelp")
        self.help.setAccessibleName(self.tr("What the guidance says"))
        self.help.setOpenLinks(False)
        self.help.setTabChangesFocus(True)
        help_label = QLabel(self.tr("What the &guidance says:"))
        help_label.setBuddy(self.help)

        buttons = self._buttons()
        path_label = self._path()
        step = QWidget()
        step.setObjectName("walkStep")
        left = QVBoxLayout(step)
        left.addWidget(self.progress)
        left.addWidget(self.step_text)
        left.addWidget(self.answers_box)
        left.addWidget(self.action_note)
        left.addLayout(buttons)
        left.addWidget(help_label)
        left.addWidget(self.help, 2)
        left.addWidget(path_label)
        left.addWidget(self.path_list, 1)

        return step

    def _question(self) -> None:
        self.progress = QLabel()
        self.progress.setObjectName("walkProgress")
        self.step_text = QLabel()
        self.step_text.setObjectName("walkStepText")
        self.step_text.setWordWrap(True)
        self.step_text.setTextFormat(Qt.TextFormat.PlainText)
        self.step_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bigger = QFont(self.step_text.font())
        bigger.setPointSizeF(bigger.pointSizeF() * 1.25)
        bigger.setBold(True)
        self.step_text.setFont(bigger)

        self.answers_box = QGroupBox(self.tr("Your answer (press a number key to choose)"))
        self.answers_box.setObjectName("walkAnswers")
        self._answers_layout = QVBoxLayout(self.answers_box)
        self.group = QButtonGroup(self)
        self.group.idToggled.connect(self._choice_changed)

        self.action_note = QLabel(
            self.tr("This is something to do. When you have done it, choose Next.")
        )
        self.action_note.setObjectName("walkActionNote")
        self.action_note.setWordWrap(True)

    def _buttons(self) -> QHBoxLayout:
        self.back_button = QPushButton(self.tr("&Back"))
        self.back_button.setObjectName("walkBack")
        self.back_button.setAccessibleName(self.tr("Back to the previous question"))
        self.back_button.setToolTip(self.tr("Back (Alt+B, Alt+Left)"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton(self.tr("&Next"))
        self.next_button.setObjectName("walkNext")
        self.next_button.setAccessibleName(self.tr("Next question"))
        self.next_button.setToolTip(self.tr("Next (Enter, Alt+N, Alt+Right)"))
        self.next_button.clicked.connect(self.go_on)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)

        return buttons

    def _path(self) -> QLabel:
        self.path_list = _PathList()
        self.path_list.setObjectName("walkPath")
        self.path_list.setAccessibleName(self.tr("Your answers so far"))
        self.path_list.setAccessibleDescription(
            self.tr("Choose a step and press Enter to go back to it.")
        )
        self.path_list.setWordWrap(True)
        self.path_list.itemActivated.connect(self._path_item_activated)
        path_label = QLabel(self.tr("Your answers &so far:"))
        path_label.setBuddy(self.path_list)

        return path_label

    # -- reading the state (for the dialogs and tests) ----------------------------------------

    @property
    def current_id(self) -> str:
        """The node on show."""
        return self.walk.current_id

    def result(self) -> WalkResult | None:
        """The outcome reached, or ``None`` while the walk goes on."""
        return self.walk.result() if self.walk.is_finished else None

    def answer_labels(self) -> list[str]:
        """The answers on offer, as the chart words them."""
        node = self.walk.current
        return [a.label for a in node.answers] if isinstance(node, QuestionNode) else []

    def path_texts(self) -> list[str]:
        """The lines of "Your answers so far"."""
        return [self.path_list.item(i).text() for i in range(self.path_list.count())]

    # -- moving ---------------------------------------------------------------------------------

    def choose(self, number: int) -> None:
        """Pick answer ``number`` (from 1), as its number key does, and focus it."""
        if 1 <= number <= len(self.answer_buttons):
            button = self.answer_buttons[number - 1]
            button.setChecked(True)
            button.setFocus()

    def go_on(self) -> None:
        """Answer with the choice made, or go on from a step to take."""
        node = self.walk.current
        if isinstance(node, QuestionNode):
            chosen = self.group.checkedId()
            if chosen < 1:
                return
            answer = node.answers[chosen - 1]
            if self._remembered.get(self.walk.current_id) != answer.id:
                # Another way through: what was answered beyond here no longer applies.
                self._forget_beyond()
            self._remembered[self.walk.current_id] = answer.id
            self.walk.answer(answer.id)
        elif isinstance(node, ActionNode):
            self.walk.advance()
        else:
            return
        self._show()

    def go_forward(self) -> None:
        """Go on the way already answered (after going back), if there is one."""
        node = self.walk.current
        answered = isinstance(node, QuestionNode) and self.walk.current_id in self._remembered
        if isinstance(node, ActionNode) or answered:
            self.go_on()

    def go_back(self) -> None:
        """Back one question or step, keeping the answers given further on."""
        if not self.walk.can_go_back:
            return
        self.walk.back()
        self._show()

    def go_to_step(self, position: int) -> None:
        """Go back to step ``position`` (0 is the first) of the path walked."""
        while len(self.walk.path) - 1 > position and self.walk.can_go_back:
            self.walk.back()
        self._show()

    def restart(self) -> None:
        """Start again from the first question, forgetting every answer."""
        self.walk = Walk(self.chart)
        self._remembered.clear()
        self._show()

    def _forget_beyond(self) -> None:
        on_path = {node_id for node_id, _answer in self.walk.path}
        for node_id in list(self._remembered):
            if node_id not in on_path:
                del self._remembered[node_id]

    # -- showing ----------------------------------------------------------------------------

    def _show(self) -> None:
        node = self.walk.current
        was_at_outcome = self._at_outcome
        self._at_outcome = isinstance(node, OutcomeNode)
        questions = sum(1 for step in path_steps(self.walk) if step.kind == "question")
        if isinstance(node, QuestionNode):
            self.progress.setText(self.tr("Question {number}").format(number=questions))
        elif isinstance(node, ActionNode):
            self.progress.setText(self.tr("Something to do"))
        else:
            self.progress.setText(self.tr("Outcome"))
        self.step_text.setText(chart_text(node.text))
        self.help.setPlainText(chart_text(node.help) if node.help else self.tr("(No guidance.)"))
        self.action_note.setVisible(isinstance(node, ActionNode))
        self.back_button.setEnabled(self.walk.can_go_back)
        self.next_button.setEnabled(not self._at_outcome)
        self._set_answers(node)
        self.next_button.setText(
            self.tr("Done — &next") if isinstance(node, ActionNode) else self.tr("&Next")
        )
        self.next_button.setAccessibleName(
            self.tr("Done, go on") if isinstance(node, ActionNode) else self.tr("Next question")
        )
        self._refresh_path()
        self.chart_view.show_path(self.walk.path)
        self._focus_step()
        self.step_shown.emit(self.walk.current_id)
        if self._at_outcome:
            self.outcome_reached.emit(self.walk.result())
        elif was_at_outcome:
            self.outcome_left.emit()

    def _set_answers(self, node: QuestionNode | ActionNode | OutcomeNode) -> None:
        for button in self.answer_buttons:
            self.group.removeButton(button)
            self._answers_layout.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.answer_buttons = []
        is_question = isinstance(node, QuestionNode)
        self.answers_box.setVisible(is_question)
        if not isinstance(node, QuestionNode):
            return
        remembered = self._remembered.get(self.walk.current_id)
        for number, answer in enumerate(node.answers, start=1):
            label = chart_text(answer.label)
            shown = textwrap.fill(label, ANSWER_WRAP).replace("&", "&&")
            button = QRadioButton(f"&{number}  {shown}" if number <= 9 else shown)
            button.setObjectName(f"answer_{answer.id}")
            button.setAccessibleName(f"{number}. {label}")
            self.group.addButton(button, number)
            self._answers_layout.addWidget(button)
            # A layout shows a new child only later, from the event loop; the keyboard
            # focus must land on it now.
            button.show()
            self.answer_buttons.append(button)
            if answer.id == remembered:
                button.setChecked(True)
        self._choice_changed()

    def _choice_changed(self, *_args: object) -> None:
        if isinstance(self.walk.current, QuestionNode):
            self.next_button.setEnabled(self.group.checkedId() > 0)

    def _refresh_path(self) -> None:
        self.path_list.clear()
        for number, step in enumerate(path_steps(self.walk), start=1):
            if step.kind == "question" and step.answer_label is not None:
                text = self.tr("{number}. {question} — {answer}").format(
                    number=number,
                    question=chart_text(step.text),
                    answer=chart_text(step.answer_label),
                )
            elif step.kind == "action" and step.node_id != self.walk.current_id:
                text = self.tr("{number}. Done: {step}").format(
                    number=number, step=chart_text(step.text)
                )
            else:
                text = self.tr("{number}. Now: {step}").format(
                    number=number, step=chart_text(step.text)
                )
            item = QListWidgetItem(text)
            self.path_list.addItem(item)
        self.path_list.setCurrentRow(self.path_list.count() - 1)

    def _path_item_activated(self, item: QListWidgetItem) -> None:
        position = self.path_list.row(item)
        if position < self.path_list.count() - 1:
            self.go_to_step(position)

    def _focus_step(self) -> None:
        checked = self.group.checkedButton()
        if checked is not None:
            checked.setFocus()
        elif self.answer_buttons:
            self.answer_buttons[0].setFocus()
        elif not self._at_outcome:
            self.next_button.setFocus()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """On first showing, the keyboard starts at the answers (not at a button)."""
        super().showEvent(event)
        focused = QApplication.focusWidget()
        if focused is None or not self.isAncestorOf(focused):
            self._focus_step()

    # -- keys -----------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Number keys choose an answer."""
        number = int(event.key()) - int(Qt.Key.Key_0.value)
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if plain and 1 <= number <= min(9, len(self.answer_buttons)):
            self.choose(number)
            return
        super().keyPressEvent(event)
