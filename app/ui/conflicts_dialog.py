"""Conflicts: changes the index could not make because the record had changed meanwhile.

PRODUCT.md §6: conflicts (for example the same involvement ended on two devices) are
detected with versions, never silently overwritten, and shown to the user to resolve.
For each conflict the dialog shows the change the user made and what the index holds
now, and the user chooses which version to keep:

* **Keep the index's version** — the user's change is dropped (``resolve_conflict``
  with ``"theirs"``);
* **Make my change again** — the change is made again on the record as it is now, as a
  new change sent at the next sync (``"mine"``); if it no longer fits the record (the
  involvement has already ended), the rules' refusal is shown and the conflict stays.
"""

from __future__ import annotations

from typing import Any, Literal

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QFormLayout, QWidget

from app.ui import session as ops
from app.ui.change_dialog import paragraph
from app.ui.change_words import describe_change, index_now
from app.ui.list_dialog import ListDialog
from app.ui.session import ConflictLine, Session, UiContext
from app.ui.sync_status import format_moment
from app.ui.table_model import Column
from app.ui.tasks import CacheWorker


def _tr(text: str) -> str:
    return QCoreApplication.translate("ConflictsDialog", text)


def conflict_columns() -> list[Column]:
    """The conflicts list's columns."""
    return [
        Column(_tr("Child"), lambda line: line.child_name),
        Column(_tr("Your change"), lambda line: describe_change(line.conflict.mutation)),
        Column(
            _tr("Made"),
            lambda line: format_moment(line.conflict.mutation.created_at),
            sort_key=lambda line: line.conflict.mutation.created_at.isoformat(),
        ),
        Column(
            _tr("On the index now"),
            lambda line: index_now(line.conflict.mutation, line.conflict.current),
        ),
    ]


class ConflictsDialog(ListDialog):
    """Conflicts waiting for the user, and the choice of which version to keep."""

    #: A conflict was resolved: ``(mutation id, "mine" or "theirs")``.
    resolved = Signal(str, str)

    def __init__(
        self,
        worker: CacheWorker,
        context: UiContext,
        session: Session,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            worker,
            lambda: ops.conflicts(session),
            conflict_columns(),
            name="conflictsDialog",
            title=_tr("Changes to resolve"),
            explanation=_tr(
                "The index could not make these changes because the record had changed "
                "meanwhile — for example, on another computer of yours. Nothing was saved. "
                "For each, choose which version to keep."
            ),
            empty_text=_tr("No changes are waiting to be resolved."),
            parent=parent,
        )
        self._context = context
        self._session = session
        form = QFormLayout()
        self.mine_text = paragraph("", "yourChange")
        self.theirs_text = paragraph("", "indexNow")
        form.addRow(_tr("Your change:"), self.mine_text)
        form.addRow(_tr("On the index now:"), self.theirs_text)
        self.details.addLayout(form)
        self.theirs_button = self.action_button(
            _tr("&Keep the index's version"),
            "keepTheirsButton",
            _tr("Keep the index's version and drop your change"),
        )
        self.mine_button = self.action_button(
            _tr("&Make my change again"),
            "keepMineButton",
            _tr("Make your change again on the record as it is now"),
        )
        self.theirs_button.clicked.connect(lambda: self.resolve("theirs"))
        self.mine_button.clicked.connect(lambda: self.resolve("mine"))

    def row_changed(self, item: Any | None) -> None:
        """Show the selected conflict's two versions."""
        line = item if isinstance(item, ConflictLine) else None
        self.theirs_button.setEnabled(line is not None)
        self.mine_button.setEnabled(line is not None)
        self.mine_text.setText("" if line is None else describe_change(line.conflict.mutation))
        self.theirs_text.setText(
            "" if line is None else index_now(line.conflict.mutation, line.conflict.current)
        )

    def resolve(self, keep: Literal["mine", "theirs"]) -> None:
        """Resolve the selected conflict by keeping ``keep``."""
        line = self.selected()
        if not isinstance(line, ConflictLine):
            return
        context, session = self._context, self._session
        mutation_id = line.conflict.mutation_id
        self.run(
            lambda: ops.resolve_conflict(context, session, mutation_id, keep),
            lambda _record: self.resolved.emit(mutation_id, keep),
        )
