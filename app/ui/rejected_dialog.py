"""Changes the index refused, each with the index's own reason (PRODUCT.md §6).

A pushed change the index refuses (the user's role no longer allows it, the record is
shielded, …) is never dropped silently: the cache keeps it with the index's code and
message, and this dialog lists them in the index's words until the user has read each
one and dismissed it. Nothing listed here was saved on the index.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QWidget

from app.store.models import OutboxKind
from app.ui import session as ops
from app.ui.change_dialog import paragraph
from app.ui.change_words import describe_action, describe_change
from app.ui.list_dialog import ListDialog
from app.ui.session import RejectedLine, Session
from app.ui.sync_status import format_moment
from app.ui.table_model import Column
from app.ui.tasks import CacheWorker


def _tr(text: str) -> str:
    return QCoreApplication.translate("RejectedDialog", text)


def what(line: RejectedLine) -> str:
    """What the refused item would have done."""
    item = line.item
    if item.kind is OutboxKind.MUTATION and item.mutation is not None:
        return describe_change(item.mutation)
    if item.audit is not None:
        return _tr("The record of your action: {action}").format(
            action=describe_action(item.audit.action)
        )
    return _tr("A change")


def rejected_columns() -> list[Column]:
    """The refused list's columns."""
    return [
        Column(_tr("Child"), lambda line: line.child_name or ""),
        Column(_tr("Change"), what),
        Column(
            _tr("Made"),
            lambda line: format_moment(line.item.created_at),
            sort_key=lambda line: line.item.created_at.isoformat(),
        ),
        Column(_tr("Why the index refused it"), lambda line: line.item.rejected_message or ""),
    ]


class RejectedDialog(ListDialog):
    """Refused changes, until the user has read them."""

    #: A refused item was dismissed (its id).
    dismissed = Signal(str)

    def __init__(
        self, worker: CacheWorker, session: Session, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            worker,
            lambda: ops.rejected(session),
            rejected_columns(),
            name="rejectedDialog",
            title=_tr("Changes the index refused"),
            explanation=_tr(
                "The index refused these changes, so they were not made. Read why; if the "
                "change is still needed, speak to your manager or the index team. Dismiss "
                "each once you have read it."
            ),
            empty_text=_tr("The index has refused none of your changes."),
            parent=parent,
        )
        self._session = session
        self.reason_text = paragraph("", "refusedBecause")
        self.details.addWidget(self.reason_text)
        self.dismiss_button = self.action_button(
            _tr("&Dismiss: I have read this"),
            "dismissButton",
            _tr("Dismiss the selected refusal: I have read it"),
        )
        self.dismiss_button.clicked.connect(self.dismiss)

    def row_changed(self, item: Any | None) -> None:
        """Show the selected refusal in full; dismissing needs a row."""
        line = item if isinstance(item, RejectedLine) else None
        self.dismiss_button.setEnabled(line is not None)
        self.reason_text.setText(
            ""
            if line is None
            else _tr("{change}: {why}").format(
                change=what(line), why=line.item.rejected_message or ""
            )
        )

    def dismiss(self) -> None:
        """Forget the selected refusal."""
        line = self.selected()
        if not isinstance(line, RejectedLine):
            return
        session, item_id = self._session, line.item.item_id
        self.run(
            lambda: ops.dismiss_rejected(session, item_id),
            lambda _none: self.dismissed.emit(item_id),
        )
