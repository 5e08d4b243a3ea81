"""Changes and audit entries in the practitioner's words, for the lists that show them.

A conflict, a change the index refused and a line of the access log each say what the
user did; these functions say it the same way everywhere, translated, and never by a
code. They name no child: the lists show the child's name in a column of its own.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.domain.audit import AuditAction
from app.domain.changes import (
    AddInvolvement,
    ClearIndicator,
    EndInvolvement,
    Mutation,
    Pin,
    RecordDecision,
    SetIndicator,
    Unpin,
)
from app.domain.reasons import ReasonCode
from app.domain.records import INDICATOR_LABELS, ChildRecord
from app.ui.caseload_model import format_date
from app.ui.reason_dialog import reason_title

_ACTIONS: dict[AuditAction, str] = {
    AuditAction.OPEN: "Opened the record",
    AuditAction.PIN: "Pinned the record",
    AuditAction.UNPIN: "Unpinned the record",
    AuditAction.ADD_INVOLVEMENT: "Added yourself as involved",
    AuditAction.END_INVOLVEMENT: "Ended your involvement",
    AuditAction.SET_INDICATOR: "Set an indicator",
    AuditAction.CLEAR_INDICATOR: "Cleared an indicator",
    AuditAction.RECORD_DECISION: "Recorded an information-sharing decision",
    AuditAction.PRINT: "Printed the record",
    AuditAction.EXPORT: "Exported the record",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ChangeWords", text)


def describe_change(mutation: Mutation) -> str:
    """What a change does, in words: "End your involvement on 3 Dec 2026"."""
    payload = mutation.payload
    match payload:
        case AddInvolvement():
            return _tr("Add yourself as involved, from {start}").format(
                start=format_date(payload.start_date)
            )
        case EndInvolvement():
            return _tr("End your involvement on {end}").format(end=format_date(payload.end_date))
        case SetIndicator():
            return _tr("Set the indicator “{kind}”").format(
                kind=QCoreApplication.translate("indicators", INDICATOR_LABELS[payload.indicator])
            )
        case ClearIndicator():
            return _tr("Clear one of your indicators")
        case RecordDecision():
            return _tr("Record an information-sharing decision")
        case Pin():
            return _tr("Pin the record")
        case Unpin():
            return _tr("Unpin the record")


def describe_action(action: AuditAction) -> str:
    """What an audit entry recorded, in words."""
    return _tr(_ACTIONS.get(action, action.value.replace("_", " ").capitalize()))


def describe_reason(code: str | None, text: str | None, on_behalf_of: str | None) -> str:
    """A reason for access as the user gave it; "" if none was needed."""
    if code is None:
        return ""
    try:
        words = reason_title(ReasonCode(code))
    except ValueError:
        words = code
    if text:
        words = _tr("{reason}: {text}").format(reason=words, text=text)
    if on_behalf_of:
        words = _tr("{reason} (asked by {user})").format(reason=words, user=on_behalf_of)
    return words


def index_now(mutation: Mutation, current: ChildRecord | None) -> str:
    """What the index holds now that made the change conflict, in words."""
    if current is None:
        return _tr("You can no longer see this record on the index.")
    payload = mutation.payload
    if isinstance(payload, EndInvolvement):
        involvement = next(
            (i for i in current.involvements if i.id == payload.involvement_id), None
        )
        if involvement is None:
            return _tr("This involvement is no longer on the record.")
        if involvement.end_date is not None:
            return _tr("The index shows this involvement already ended on {end}.").format(
                end=format_date(involvement.end_date)
            )
        return _tr("This involvement was changed on the index after you last saw it.")
    if isinstance(payload, ClearIndicator):
        present = any(
            x.id == payload.indicator_id for i in current.involvements for x in i.indicators
        )
        if not present:
            return _tr("The index shows this indicator already cleared.")
        return _tr("This indicator was changed on the index after you last saw it.")
    return _tr("The record was changed on the index after you made your change.")
