"""The changes a user can make to the record on show, as window actions (PRODUCT.md §1–§2).

:class:`RecordChanges` owns the *Record* menu's change actions — add me as involved,
end my involvement, set an indicator, clear my indicator, pin, unpin, record a
decision — each with a keyboard shortcut and a button on the record's tab, and the
*Consent withdrawn…* button of each decision resting on consent. Only the changes the
rules allow for the record on show are offered (:func:`app.ui.action_offers.offers_for`);
the others are hidden, not merely disabled. Each opens its dialog (pinning reuses the
reason dialog: a reason for access is needed, as for opening; a sensitive service walks
the consent chart before the details), and the payload the dialog returns is made into
a change on the cache worker (``ops.make_change``): through ``Cache.apply_local_change``
for a cached record — record, outbox and audit entry in one transaction — then
:attr:`RecordChanges.changed` asks the window to refresh its list and sync in the
background.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QWidget

from app.domain.changes import MutationPayload, Pin, Unpin
from app.domain.errors import DomainError
from app.domain.flowcharts import OutcomeDecision
from app.domain.policy import Action, permit
from app.domain.reasons import AccessReason
from app.domain.records import ChildRecord, Decision, InvolvementConsent
from app.domain.services import default_catalogue
from app.ui import session as ops
from app.ui.action_offers import NOTHING, offers_for
from app.ui.caseload_model import format_date
from app.ui.change_dialog import ChangeDialog
from app.ui.errors import report
from app.ui.guidance.consent_step import ADDING_OUTCOMES, ConsentStepDialog
from app.ui.guidance.decision_dialog import DecisionDialog, WithdrawConsentDialog
from app.ui.guidance.saving import DecisionSaver, SavedDecision
from app.ui.indicator_dialogs import ClearIndicatorDialog, SetIndicatorDialog
from app.ui.involvement_dialogs import AddInvolvementDialog, EndInvolvementDialog
from app.ui.reason_dialog import Purpose, ReasonDialog
from app.ui.record_tab import RecordTab
from app.ui.session import ChangeMade, Session, UiContext
from app.ui.sync_runner import SESSION_ENDING_CODES
from app.ui.tasks import CacheWorker


def child_label(tab: RecordTab) -> str:
    """The child as the dialogs name them: "Amelia Hart, born 14 March 2015"."""
    record = tab.record
    return tab.tr("{name}, born {date}").format(
        name=record.display_name, date=format_date(record.date_of_birth, "d MMMM yyyy")
    )


class RecordChanges(QObject):
    """The change actions of one main window, acting on its current record tab."""

    #: A change was made (the :class:`~app.ui.session.ChangeMade`).
    changed = Signal(object)
    #: A dialog for a change is on show (for screen readers' sake and tests).
    dialog_opened = Signal(object)
    #: The index ended the session while a change was made (the error).
    session_failed = Signal(object)

    def __init__(
        self,
        window: QWidget,
        worker: CacheWorker,
        context: UiContext,
        session: Session,
        *,
        signed_in: Callable[[], bool],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._worker = worker
        self._context = context
        self._session = session
        self._signed_in = signed_in
        self._tab: RecordTab | None = None
        self.dialog: QDialog | None = None
        self.add_involvement = self._action(
            "addInvolvement", self.tr("Add me as &involved…"), "Ctrl+Shift+N", self.ask_add
        )
        self.end_involvement = self._action(
            "endInvolvement", self.tr("E&nd my involvement…"), "Ctrl+Shift+E", self.ask_end
        )
        self.set_indicator = self._action(
            "setIndicator", self.tr("Set an in&dicator…"), "Ctrl+Shift+I", self.ask_set_indicator
        )
        self.clear_indicator = self._action(
            "clearIndicator",
            self.tr("C&lear my indicator…"),
            "Ctrl+Shift+K",
            self.ask_clear_indicator,
        )
        self.pin = self._action(
            "pinRecord", self.tr("&Pin to my caseload…"), "Ctrl+Shift+P", self.ask_pin
        )
        self.unpin = self._action("unpinRecord", self.tr("&Unpin"), "Ctrl+Shift+U", self.do_unpin)
        self.record_decision = self._action(
            "recordDecision",
            self.tr("Record an information-sharing &decision…"),
            "Ctrl+Shift+D",
            self.ask_decision,
        )
        self.refresh()

    def _action(self, name: str, text: str, shortcut: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(self.tr(shortcut)))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(
            f"{text.replace('&', '').removesuffix('…')} "
            f"({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
        )
        action.triggered.connect(slot)
        self._window.addAction(action)
        return action

    @property
    def actions(self) -> list[QAction]:
        """Every change action, in menu order."""
        return [
            self.add_involvement,
            self.end_involvement,
            self.set_indicator,
            self.clear_indicator,
            self.pin,
            self.unpin,
            self.record_decision,
        ]

    # -- which changes are offered ---------------------------------------------------------

    def _today(self) -> date:
        return self._context.clock().date()

    def set_tab(self, tab: RecordTab | None) -> None:
        """Act on this record tab from now on (``None``: no record on show)."""
        self._tab = tab
        self.refresh()

    def refresh(self) -> None:
        """Offer what the rules allow on the record on show, and nothing else."""
        tab = self._tab if self._tab is not None and shiboken6.isValid(self._tab) else None
        offers = (
            NOTHING
            if tab is None
            else offers_for(
                ops.acting_user(self._session),
                tab.record,
                today=self._today(),
                cached=tab.cached,
                pinned=tab.pinned,
                signed_in=self._signed_in(),
            )
        )
        decisions = self._decision_offered(tab)
        if tab is not None:
            tab.offers = offers
            # The record view's "Consent withdrawn…" buttons follow the same rule.
            tab.allow_decisions(decisions)
        for action, offered in (
            (self.add_involvement, offers.add_involvement),
            (self.end_involvement, bool(offers.end)),
            (self.set_indicator, bool(offers.set_indicator)),
            (self.clear_indicator, bool(offers.clear)),
            (self.pin, offers.pin),
            (self.unpin, offers.unpin),
            (self.record_decision, decisions),
        ):
            action.setVisible(offered)
            action.setEnabled(offered)

    def _decision_offered(self, tab: RecordTab | None) -> bool:
        return tab is not None and self.decisions_recordable(tab.record, cached=tab.cached)

    def decisions_recordable(self, record: ChildRecord, *, cached: bool) -> bool:
        """True if the user may record decisions (and withdrawals) on ``record`` here."""
        # Decisions are saved to the copy on this computer, then synced (golden rule 7).
        actor = ops.acting_user(self._session)
        if not cached or actor is None:
            return False
        return permit(actor, Action.RECORD_DECISION, today=self._today(), record=record).allowed

    # -- asking ---------------------------------------------------------------------------

    def ask_decision(self) -> None:
        """Walk "Should I share this information?" and record the decision it leads to."""
        tab = self._current()
        actor = ops.acting_user(self._session)
        if tab is None or actor is None or not self._decision_offered(tab):
            return
        saver = DecisionSaver(
            self._worker, self._session.cache, actor=actor, child_id=tab.record.index_id
        )
        dialog = DecisionDialog(saver, child_label=child_label(tab), parent=self._window)
        dialog.decision_saved.connect(lambda saved: self._decision_saved(tab, saved))
        self._open(dialog)

    def ask_withdraw(self, tab: RecordTab, decision: Decision) -> None:
        """Record that the consent ``decision`` rested on has been withdrawn."""
        actor = ops.acting_user(self._session)
        if (
            not shiboken6.isValid(tab)
            or self.dialog is not None
            or actor is None
            or not self._decision_offered(tab)
        ):
            return
        saver = DecisionSaver(
            self._worker, self._session.cache, actor=actor, child_id=tab.record.index_id
        )
        dialog = WithdrawConsentDialog(saver, decision, tab.record.decisions, parent=self._window)
        dialog.decision_saved.connect(lambda saved: self._decision_saved(tab, saved))
        self._open(dialog)

    def _decision_saved(self, tab: RecordTab, saved: SavedDecision) -> None:
        if not shiboken6.isValid(tab):
            return
        made = ChangeMade(
            index_id=saved.record.index_id, record=saved.record, row=tab.row, queued=True
        )
        self._made(tab, made, saved.payload)

    def _current(self) -> RecordTab | None:
        tab = self._tab
        if tab is None or not shiboken6.isValid(tab) or self.dialog is not None:
            return None
        return tab

    def ask_add(self) -> None:
        """Ask for the details; for a sensitive service, walk the consent chart first."""
        tab = self._current()
        user = ops.acting_user(self._session)
        if tab is None or user is None or not tab.offers.add_involvement:
            return
        assert user.service_code is not None
        service = default_catalogue().get(user.service_code)
        if not service.sensitive:
            self._ask_details(tab, None)
            return
        consent_step = ConsentStepDialog(
            service_name=service.name, today=self._today(), parent=self._window
        )
        consent_step.consent_given.connect(lambda consent: self._ask_details(tab, consent))
        consent_step.accepted.connect(lambda: self._consent_settled(tab, consent_step.outcome))
        self._open(consent_step)

    def _consent_settled(self, tab: RecordTab, outcome: OutcomeDecision | None) -> None:
        """Say so on the tab when chart 4 ended without adding the involvement."""
        if not shiboken6.isValid(tab) or outcome in ADDING_OUTCOMES:
            return
        if outcome is OutcomeDecision.DO_NOT_RECORD:
            tab.show_note(
                self.tr(
                    "Your details were not added: without consent, and with no "
                    "child-protection concern, your involvement is not recorded on the index."
                )
            )
        else:
            tab.show_note(
                self.tr(
                    "Your details were not added. Ask for consent first, then add yourself "
                    "as involved with the answer."
                )
            )

    def _ask_details(self, tab: RecordTab, consent: InvolvementConsent | None) -> None:
        user = ops.acting_user(self._session)
        if not shiboken6.isValid(tab) or user is None or user.service_code is None:
            return
        profile = self._session.user
        dialog = AddInvolvementDialog(
            child_label(tab),
            user,
            default_catalogue().get(user.service_code),
            job_title=profile.job_title if profile is not None else "",
            today=self._today(),
            consent=consent,
            parent=self._window,
        )
        self._show(dialog, tab)

    def ask_end(self) -> None:
        """Ask which involvement to end, and on which day."""
        tab = self._current()
        if tab is None or not tab.offers.end:
            return
        names = {s.code: s.name for s in default_catalogue().services}
        dialog = EndInvolvementDialog(
            child_label(tab),
            tab.offers.end,
            today=self._today(),
            service_names=names,
            parent=self._window,
        )
        self._show(dialog, tab)

    def ask_set_indicator(self) -> None:
        """Ask which indicator to set, with the reminder that it is not action."""
        tab = self._current()
        if tab is None or not tab.offers.set_indicator:
            return
        self._show(
            SetIndicatorDialog(child_label(tab), tab.offers.set_indicator, parent=self._window),
            tab,
        )

    def ask_clear_indicator(self) -> None:
        """Ask which of the user's indicators to clear."""
        tab = self._current()
        if tab is None or not tab.offers.clear:
            return
        self._show(
            ClearIndicatorDialog(child_label(tab), tab.offers.clear, parent=self._window), tab
        )

    def ask_pin(self) -> None:
        """Ask for the reason for access that pinning needs, then pin."""
        tab = self._current()
        if tab is None or not tab.offers.pin:
            return
        dialog = ReasonDialog(child_label(tab), self._window, purpose=Purpose.PIN)
        dialog.reason_given.connect(lambda reason: self._pin(tab, reason))
        self._open(dialog)

    def _pin(self, tab: RecordTab, reason: AccessReason) -> None:
        self.submit(
            tab,
            Pin(reason_code=reason.code.value, reason_text=reason.text, on_behalf_of=None),
        )

    def do_unpin(self) -> None:
        """Stop keeping the record offline (no reason needed)."""
        tab = self._current()
        if tab is None or not tab.offers.unpin:
            return
        self.submit(tab, Unpin())

    def _show(self, dialog: ChangeDialog, tab: RecordTab) -> None:
        dialog.payload_ready.connect(lambda payload: self.submit(tab, payload))
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _dialog_closed(self) -> None:
        self.dialog = None

    def close_dialog(self) -> None:
        """Cancel a change dialog on show (before locking)."""
        if self.dialog is not None:
            self.dialog.reject()

    # -- making the change ---------------------------------------------------------------

    def submit(self, tab: RecordTab, payload: MutationPayload) -> None:
        """Make the change on the cache worker."""
        context, session, record = self._context, self._session, tab.record
        (
            self._worker.task(lambda: ops.make_change(context, session, record, payload), owner=tab)
            .success(lambda made: self._made(tab, made, payload))
            .failure(self._failed)
            .start()
        )

    def _made(self, tab: RecordTab, made: ChangeMade, payload: MutationPayload) -> None:
        if made.record is not None:
            tab.show_record(made.record, made.row)
        elif made.row is not None:
            tab.row = made.row
        if not made.queued and isinstance(payload, Pin | Unpin):
            # Pinned at the index: the child joins the copy on this computer at the sync.
            tab.pinned_at_index = isinstance(payload, Pin)
        if not made.queued:
            tab.show_note(self.tr("Your change has been made on the index."))
        elif self._signed_in():
            tab.show_note(
                self.tr("Your change is saved on this computer and is being sent to the index.")
            )
        else:
            tab.show_note(
                self.tr(
                    "Your change is saved on this computer. It will be sent to the index when "
                    "you sign in and sync (F5)."
                )
            )
        self.refresh()
        self.changed.emit(made)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, DomainError) and error.code in SESSION_ENDING_CODES:
            self.session_failed.emit(error)
            return
        report(error, parent=self._window)
