"""Searching the whole index, online (PRODUCT.md §3).

The caseload search (Ctrl+F) covers only the children in the copy on this computer;
this page asks the index itself (``IndexClient.search``), which needs a signed-in
session and a connection. The index's rules are explained on the page before the user
meets them:

* a search needs **at least two details** — family name and date of birth, or a name
  and a postcode, for instance — or an exact index id or NHS number on its own; the page
  checks the count before asking, and shows the index's own refusal if it disagrees;
* when more children match than the index will list (``too_many_results``), it lists
  none: the page says so and asks for another detail, rather than showing a long list.

Each search is audited by the index. A result shows only what is needed to pick the
right child; opening one asks for a reason, as every opening does.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.policy import SearchResult
from app.ui import session as ops
from app.ui.banners import Banner, Tone
from app.ui.caseload_model import format_date
from app.ui.change_dialog import paragraph
from app.ui.errors import message_for, report
from app.ui.session import Session
from app.ui.sync_runner import SESSION_ENDING_CODES
from app.ui.table_model import ITEM_ROLE, Column, RowTable
from app.ui.tasks import CacheWorker

#: Criteria that find a child on their own; every other criterion needs a second.
ALONE = frozenset({"index_id", "nhs_number"})
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/\-. ](\d{1,2})[/\-. ](\d{4})\s*$")
_YEAR_FIRST = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def _tr(text: str) -> str:
    return QCoreApplication.translate("OnlineSearch", text)


def parse_date_of_birth(text: str) -> date | None:
    """A date typed as 14/03/2015, 14-3-2015 or 2015-03-14; ``None`` if it is not one."""
    day_first = _DAY_FIRST.match(text)
    year_first = _YEAR_FIRST.match(text)
    if day_first:
        day, month, year = (int(part) for part in day_first.groups())
    elif year_first:
        year, month, day = (int(part) for part in year_first.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def enough_criteria(criteria: dict[str, str]) -> bool:
    """The index's rule: two details, or an index id or NHS number on its own."""
    return len(criteria) >= 2 or bool(criteria.keys() & ALONE)


def result_columns() -> list[Column]:
    """The results list's columns: just enough to pick the right child."""
    return [
        Column(
            _tr("Name"),
            lambda r: f"{r.family_name}, {r.given_names}",
            sort_key=lambda r: f"{r.family_name.casefold()}\x00{r.given_names.casefold()}",
        ),
        Column(
            _tr("Date of birth"),
            lambda r: format_date(r.date_of_birth),
            accessible=lambda r: format_date(r.date_of_birth, "d MMMM yyyy"),
            sort_key=lambda r: r.date_of_birth.isoformat(),
        ),
        Column(_tr("Gender"), lambda r: r.gender or ""),
        Column(_tr("Town"), lambda r: r.town or ""),
        Column(_tr("Postcode district"), lambda r: r.postcode_district or ""),
        Column(
            _tr("Shielded"),
            lambda r: _tr("Shielded") if r.shielded else "",
            accessible=lambda r: _tr("Shielded") if r.shielded else _tr("Not shielded"),
        ),
    ]


class OnlineSearchPage(QWidget):
    """Criteria, the rules explained, and the index's results."""

    #: The user asked to open a result: ``(index id, "name, born date")``.
    open_requested = Signal(str, str)
    #: Results (or a refusal) are on show; carries the number of results.
    results_shown = Signal(int)
    #: The index ended the session (revoked, suspended): the window must act.
    session_failed = Signal(object)

    def __init__(
        self, worker: CacheWorker, session: Session, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._session = session
        self._signed_in = False
        self._busy = False
        self.setObjectName("onlineSearchPage")
        layout = QVBoxLayout(self)
        layout.addWidget(
            paragraph(
                _tr(
                    "Search the whole index for a child who is not in your caseload. Give at "
                    "least two details — for example family name and date of birth, or name "
                    "and postcode — or an exact index id or NHS number on its own. If too many "
                    "children match, the index lists none: add another detail. Every search "
                    "is recorded in the audit trail."
                ),
                "onlineSearchRules",
            )
        )
        self.offline_banner = Banner(
            _tr(
                "You are working offline, so the index cannot be searched. Your caseload "
                "search (Ctrl+F) covers only the children in the copy on this computer. "
                "Sign in (F5) to search the whole index."
            ),
            Tone.INFO,
            name="onlineSearchOffline",
        )
        layout.addWidget(self.offline_banner)
        layout.addLayout(self._form())
        self.message = Banner("", Tone.WARNING, name="onlineSearchMessage")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.count_label = QLabel()
        self.count_label.setObjectName("onlineResultCount")
        layout.addWidget(self.count_label)
        self.model = RowTable(result_columns(), self)
        self.table = QTableView()
        self.table.setObjectName("onlineResults")
        self.table.setAccessibleName(_tr("Children found in the index"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.activated.connect(self._activated)
        layout.addWidget(self.table, 1)
        self.set_signed_in(signed_in=False)

    def _form(self) -> QHBoxLayout:
        self.fields: dict[str, QLineEdit] = {}
        left, right = QFormLayout(), QFormLayout()
        for form, key, text, accessible, placeholder in (
            (left, "family_name", _tr("&Family name:"), _tr("Family name"), ""),
            (left, "given_names", _tr("&Given names:"), _tr("Given names"), ""),
            (
                left,
                "date_of_birth",
                _tr("Date of &birth:"),
                _tr("Date of birth, day month year"),
                _tr("for example 14/03/2015"),
            ),
            (right, "postcode", _tr("&Postcode:"), _tr("Postcode"), _tr("for example BN1 1AA")),
            (right, "nhs_number", _tr("&NHS number:"), _tr("NHS number"), ""),
            (
                right,
                "index_id",
                _tr("Index &id:"),
                _tr("Index id"),
                _tr("for example F0Z7-9E7X-6SDA"),
            ),
        ):
            field = QLineEdit()
            field.setObjectName(f"online_{key}")
            field.setMaxLength(100)
            field.setAccessibleName(accessible)
            field.setPlaceholderText(placeholder)
            field.returnPressed.connect(self.search)
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
            self.fields[key] = field
        self.search_button = QPushButton(_tr("Search the inde&x"))
        self.search_button.setObjectName("onlineSearchButton")
        self.search_button.setAccessibleName(_tr("Search the index"))
        self.search_button.clicked.connect(self.search)
        self.clear_button = QPushButton(_tr("Clear"))
        self.clear_button.setObjectName("onlineClearButton")
        self.clear_button.setAccessibleName(_tr("Clear the search"))
        self.clear_button.clicked.connect(self.clear)
        buttons = QVBoxLayout()
        buttons.addWidget(self.search_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addLayout(right, 1)
        row.addLayout(buttons)
        return row

    # -- state ------------------------------------------------------------------------------

    def set_signed_in(self, *, signed_in: bool) -> None:
        """Say whether the index can be searched now."""
        self._signed_in = signed_in
        self.offline_banner.setVisible(not signed_in)

    def focus_first(self) -> None:
        """Go to the first criterion."""
        self.fields["family_name"].setFocus()
        self.fields["family_name"].selectAll()

    @property
    def message_text(self) -> str:
        """The explanation or refusal on show, or ""."""
        return "" if self.message.isHidden() else self.message.text

    def criteria(self) -> dict[str, str] | None:
        """The criteria typed, ready for the index; ``None`` (with a message) if a date is wrong."""
        typed = {key: field.text().strip() for key, field in self.fields.items()}
        found = {key: value for key, value in typed.items() if value}
        if "date_of_birth" in found:
            born = parse_date_of_birth(found["date_of_birth"])
            if born is None:
                self._show_message(
                    _tr("Type the date of birth as day, month and year, for example 14/03/2015.")
                )
                return None
            found["date_of_birth"] = born.isoformat()
        return found

    # -- searching -------------------------------------------------------------------------

    def search(self) -> None:
        """Ask the index, if the criteria meet its rule."""
        if self._busy:
            return
        if not self._signed_in:
            self._show_message(self.offline_banner.text)
            return
        criteria = self.criteria()
        if criteria is None:
            return
        if not enough_criteria(criteria):
            self._show_message(
                _tr(
                    "Give at least two details to search the index — for example family name "
                    "and date of birth, or name and postcode — or an exact index id or NHS "
                    "number on its own. One detail alone would match too many children."
                )
            )
            return
        self._busy = True
        self.search_button.setEnabled(False)
        self.count_label.setText(_tr("Searching the index…"))
        session = self._session
        (
            self._worker.task(lambda: ops.search_index(session, criteria), owner=self)
            .success(self.show_results)
            .failure(self._failed)
            .finally_(self._over)
            .start()
        )

    def clear(self) -> None:
        """Empty the criteria and the results."""
        for field in self.fields.values():
            field.clear()
        self.model.set_rows([])
        self.message.setVisible(False)
        self.count_label.setText("")
        self.focus_first()

    def _over(self) -> None:
        self._busy = False
        self.search_button.setEnabled(True)

    def show_results(self, results: list[SearchResult]) -> None:
        """Show the index's answer."""
        self.message.setVisible(False)
        self.model.set_rows(results)
        if not results:
            self.count_label.setText(
                _tr(
                    "No child in the index matches these details. Check the spelling and the "
                    "date, or try other details."
                )
            )
        else:
            self.count_label.setText(
                _tr("1 child found")
                if len(results) == 1
                else _tr("{count} children found").format(count=len(results))
            )
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.setFocus()
        self.results_shown.emit(len(results))

    def _failed(self, error: Exception) -> None:
        self.model.set_rows([])
        self.count_label.setText("")
        if not isinstance(error, DomainError):
            report(error, parent=self)
            return
        if error.code == "too_many_results":
            self._show_message(
                _tr(
                    "Too many children match these details for the index to list them. Add "
                    "another detail — a date of birth, a postcode or a given name — to narrow "
                    "the search."
                )
            )
        elif error.code == "insufficient_criteria":
            self._show_message(message_for(error))
        elif error.code in ops.UNREACHABLE_CODES:
            self._show_message(
                _tr(
                    "Everychild cannot reach the index just now, so it cannot be searched. "
                    "Your caseload search (Ctrl+F) still covers the copy on this computer."
                )
            )
        elif error.code in ("not_signed_in", "sign_in_required"):
            self.set_signed_in(signed_in=False)
            self._show_message(self.offline_banner.text)
        else:
            self._show_message(message_for(error))
            if error.code in SESSION_ENDING_CODES:
                self.session_failed.emit(error)

    def _show_message(self, text: str) -> None:
        self.message.set_text(text)
        self.message.setVisible(True)
        self.results_shown.emit(0)

    def _activated(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        result = self.model.index(index.row(), 0).data(ITEM_ROLE)
        assert isinstance(result, SearchResult)
        label = _tr("{name}, born {date}").format(
            name=f"{result.given_names} {result.family_name}",
            date=format_date(result.date_of_birth, "d MMMM yyyy"),
        )
        self.open_requested.emit(result.index_id, label)
