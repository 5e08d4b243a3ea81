"""My access log: what the user did with children's records on this computer (PRODUCT.md §5).

Read from this device's own audit chain (``Cache.access_log``), newest first: each
record opened from the copy on this computer, with the reason given, and each change
made, and whether the index has the entry yet. A record opened while signed in is
audited by the index itself, not on this computer; the dialog says so, so that the list
is never mistaken for the whole trail.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app.ui import session as ops
from app.ui.change_words import describe_action, describe_reason
from app.ui.list_dialog import ListDialog
from app.ui.session import Session
from app.ui.sync_status import format_moment
from app.ui.table_model import Column
from app.ui.tasks import CacheWorker


def _tr(text: str) -> str:
    return QCoreApplication.translate("AccessLogDialog", text)


def access_columns() -> list[Column]:
    """The access log's columns."""
    return [
        Column(
            _tr("When"),
            lambda line: format_moment(line.at),
            sort_key=lambda line: line.at.isoformat(),
        ),
        Column(_tr("Child"), lambda line: line.child_name or line.child_id),
        Column(_tr("What you did"), lambda line: describe_action(line.action)),
        Column(
            _tr("Reason"),
            lambda line: describe_reason(line.reason_code, line.reason_text, line.on_behalf_of),
        ),
        Column(
            _tr("Sent to the index"),
            lambda line: _tr("Yes") if line.sent else _tr("Not yet"),
        ),
    ]


class AccessLogDialog(ListDialog):
    """The user's own recent accesses and changes on this computer."""

    def __init__(
        self, worker: CacheWorker, session: Session, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            worker,
            lambda: ops.access_log(session),
            access_columns(),
            name="accessLogDialog",
            title=_tr("My access log"),
            explanation=_tr(
                "What you did with children's records on this computer, newest first: "
                "records opened from the copy on this computer, with the reason you gave, "
                "and the changes you made. Records you open while signed in are recorded by "
                "the index itself; your index team can give you the whole trail."
            ),
            empty_text=_tr("Nothing recorded on this computer yet."),
            parent=parent,
        )
