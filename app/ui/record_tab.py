"""One open record in its tab: the changes the user may make, and the record itself.

The buttons along the top are the main window's own actions (*Record* menu), so a
change has one keyboard shortcut, one menu entry and one button, enabled and shown
alike; the window shows only the changes the rules allow on the record on show
(:mod:`app.ui.action_offers`). After a change the tab shows the record as it now stands
— from the cache, where the change waits for the next sync, or from the index — and
says where the change went. After a sync it shows the cached record as the sync left
it (the main window closes the tab if the sync took the child out of the copy on this
computer). The record view beneath is read-only
(:class:`~app.ui.record_view.RecordView`); its *Consent withdrawn…* buttons, offered
when the user may record decisions, are passed on as :attr:`RecordTab.withdraw_requested`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from app.domain.records import ChildRecord
from app.store.models import CaseloadRow
from app.ui.action_offers import NOTHING, Offers
from app.ui.banners import Banner, Tone
from app.ui.record_view import RecordView


class RecordTab(QWidget):
    """An open record with its change buttons."""

    #: The user asked to record that the consent of this decision was withdrawn.
    withdraw_requested = Signal(object)

    def __init__(
        self,
        record: ChildRecord,
        row: CaseloadRow | None,
        *,
        from_cache: bool,
        actions: Sequence[QAction],
        decisions_recordable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"record-{record.index_id}")
        self.setAccessibleName(self.tr("Record of {child}").format(child=record.display_name))
        self.record = record
        self.row = row
        self.from_cache = from_cache
        self.decisions_recordable = decisions_recordable
        self.offers: Offers = NOTHING
        #: Pinned or unpinned straight at the index, for a child not in the copy here.
        self.pinned_at_index: bool | None = None
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self.buttons: list[QToolButton] = []
        for action in actions:
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setObjectName(f"{action.objectName()}Button")
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.setAccessibleName(action.text().replace("&", "").removesuffix("…"))
            # A tool button follows its action's enabled state but not its visibility;
            # a change the rules do not allow is not offered at all, not greyed out. (A
            # bound method, so the connection ends with the tab.)
            action.changed.connect(self._follow_actions)
            bar.addWidget(button)
            self.buttons.append(button)
        self._follow_actions()
        bar.addStretch(1)
        self.note = Banner("", Tone.INFO, name="changeNote")
        self.note.setVisible(False)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(bar)
        self._layout.addWidget(self.note)
        self.view = self._view()
        self._layout.addWidget(self.view, 1)

    def _view(self) -> RecordView:
        view = RecordView(
            self.record,
            from_cache=self.from_cache,
            can_record_decisions=self.decisions_recordable,
        )
        view.withdraw_requested.connect(self.withdraw_requested)
        return view

    def _follow_actions(self) -> None:
        for button in self.buttons:
            action = button.defaultAction()
            button.setVisible(action is not None and action.isVisible())

    @property
    def pinned(self) -> bool:
        """True if the child is pinned (in the offline caseload, or at the index)."""
        if self.row is not None:
            return self.row.pinned
        return bool(self.pinned_at_index)

    @property
    def cached(self) -> bool:
        """True if the child is in the copy on this computer."""
        return self.row is not None

    def show_record(self, record: ChildRecord, row: CaseloadRow | None) -> None:
        """Show the record as it now stands (after a change or a sync)."""
        self.record = record
        self.row = row
        self._replace_view()

    def allow_decisions(self, allowed: bool) -> None:
        """Offer (or stop offering) to record decisions on the record on show."""
        if allowed != self.decisions_recordable:
            self.decisions_recordable = allowed
            self._replace_view()

    def _replace_view(self) -> None:
        # Where the practitioner was reading stays where it was.
        scrolled = self.view.verticalScrollBar().value()
        view = self._view()
        self._layout.replaceWidget(self.view, view)
        self.view.deleteLater()
        self.view = view
        view.verticalScrollBar().setValue(scrolled)

    def show_note(self, text: str) -> None:
        """Say what became of the last change."""
        self.note.set_text(text)
        self.note.setVisible(True)
