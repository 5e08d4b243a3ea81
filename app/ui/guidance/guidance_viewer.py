"""The guidance viewer: the golden rules and every chart, colour-coded by role, printable.

Seed 004: guidance "colour-coded, user specific", and printable in black and white.
:class:`GuidanceViewer` lists the pages (:mod:`app.ui.guidance.guidance_pages`) for the
user's roles — **Show guidance for every role** lists the rest too — each with the
swatches and names of the roles it is for. The page on show reads as text (**Read**) and,
for a chart, as a drawing (**Chart**); **Walk through…** steps through the chart one
question at a time (nothing is saved); **Print…** prints it as the printer is set (colour
or greyscale); **Save as PDF…** writes the black-and-white version.

:class:`GuidanceWindow` is the viewer in a window of its own, for a "Guidance" menu.
Keys: Ctrl+P prints, Ctrl+Shift+S saves as PDF, Alt+W walks through the chart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.roles import Role
from app.ui.contrast import high_contrast
from app.ui.errors import show_known_error
from app.ui.guidance.chart_view import ChartView
from app.ui.guidance.guidance_pages import GuidancePage, guidance_pages, page_document
from app.ui.guidance.printing import export_pdf, print_page
from app.ui.guidance.role_colours import ROLE_ORDER, role_names, swatch_pixmap
from app.ui.guidance.walk_dialog import WalkDialog
from app.ui.guidance.wording import chart_text

#: How big the role swatches beside each page's name are.
ICON_SWATCH = 14


def _today() -> date:
    return datetime.now().astimezone().date()


def audience_icon(audience: Iterable[Role]) -> QIcon:
    """The swatches of a page's roles side by side, for the page list."""
    roles = [r for r in ROLE_ORDER if r in set(audience)]
    # Always room for every role, so the page titles line up whatever their audience.
    pixmap = QPixmap(len(ROLE_ORDER) * (ICON_SWATCH + 2), ICON_SWATCH)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    for position, role in enumerate(roles):
        painter.drawPixmap(position * (ICON_SWATCH + 2), 0, swatch_pixmap(role, size=ICON_SWATCH))
    painter.end()
    return QIcon(pixmap)


class GuidanceViewer(QWidget):
    """The guidance pages for a user's roles, readable, walkable and printable."""

    #: A page is on show (its :class:`GuidancePage`).
    page_shown = Signal(object)
    #: A PDF was written (its path).
    pdf_saved = Signal(object)

    def __init__(
        self,
        *,
        roles: Iterable[Role] = (),
        today: Callable[[], date] = _today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("guidanceViewer")
        self.setAccessibleName(self.tr("Guidance"))
        self.roles = frozenset(roles)
        self._today = today
        self.pages = guidance_pages()
        self.page: GuidancePage | None = None
        self.walk_dialog: WalkDialog | None = None

        left = self._left_column()
        right = self._right_column()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        for keys, slot in (
            (QKeySequence(QKeySequence.StandardKey.Print), self.print_current),
            (QKeySequence("Ctrl+Shift+S"), self._save_pdf_asking),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._fill_list()

    # -- building ------------------------------------------------------------------------------

    def _left_column(self) -> QWidget:
        self.show_all = QCheckBox(self.tr("Show guidance for &every role"))
        self.show_all.setObjectName("showAllGuidance")
        self.show_all.setAccessibleName(self.tr("Show guidance for every role"))
        self.show_all.setChecked(not self.roles)
        self.show_all.toggled.connect(self._fill_list)
        self.for_you = QLabel()
        self.for_you.setObjectName("guidanceForYou")
        self.for_you.setWordWrap(True)
        self.page_list = QListWidget()
        self.page_list.setObjectName("guidancePages")
        self.page_list.setAccessibleName(self.tr("Guidance pages"))
        self.page_list.setIconSize(QSize(len(ROLE_ORDER) * (ICON_SWATCH + 2), ICON_SWATCH))
        self.page_list.setWordWrap(True)
        self.page_list.currentItemChanged.connect(self._current_changed)
        list_label = QLabel(self.tr("&Pages:"))
        list_label.setBuddy(self.page_list)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.for_you)
        left_layout.addWidget(self.show_all)
        left_layout.addWidget(list_label)
        left_layout.addWidget(self.page_list, 1)
        left.setMinimumWidth(self.fontMetrics().averageCharWidth() * 38)

        return left

    def _right_column(self) -> QWidget:
        self.text = QTextBrowser()
        self.text.setObjectName("guidanceText")
        self.text.setAccessibleName(self.tr("Guidance text"))
        self.text.setOpenLinks(False)
        self.chart_tab = QWidget()
        self._chart_layout = QVBoxLayout(self.chart_tab)
        self._chart_layout.setContentsMargins(0, 0, 0, 0)
        self.chart_view: ChartView | None = None
        self.tabs = QTabWidget()
        self.tabs.setObjectName("guidanceTabs")
        self.tabs.setAccessibleName(self.tr("Read the guidance, or see the chart"))
        self.tabs.tabBar().setAccessibleName(self.tr("Read the guidance, or see the chart"))
        self.tabs.addTab(self.text, self.tr("&Read"))
        self.tabs.addTab(self.chart_tab, self.tr("C&hart"))

        self.walk_button = QPushButton(self.tr("&Walk through…"))
        self.walk_button.setObjectName("walkThroughButton")
        self.walk_button.setAccessibleName(
            self.tr("Walk through this chart one question at a time")
        )
        self.walk_button.clicked.connect(self.walk_through)
        self.print_button = QPushButton(self.tr("P&rint…"))
        self.print_button.setObjectName("printButton")
        self.print_button.setAccessibleName(self.tr("Print this page"))
        self.print_button.setToolTip(self.tr("Print (Ctrl+P)"))
        self.print_button.clicked.connect(self.print_current)
        self.pdf_button = QPushButton(self.tr("Save as &PDF (black and white)…"))
        self.pdf_button.setObjectName("savePdfButton")
        self.pdf_button.setAccessibleName(self.tr("Save this page as a black-and-white PDF"))
        self.pdf_button.setToolTip(self.tr("Save as PDF (Ctrl+Shift+S)"))
        self.pdf_button.clicked.connect(self._save_pdf_asking)
        actions = QHBoxLayout()
        actions.addWidget(self.walk_button)
        actions.addStretch(1)
        actions.addWidget(self.print_button)
        actions.addWidget(self.pdf_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.tabs, 1)
        right_layout.addLayout(actions)

        return right

    # -- the list ---------------------------------------------------------------------------

    def listed_titles(self) -> list[str]:
        """The pages listed, as titled."""
        return [
            self.page_list.item(i).data(Qt.ItemDataRole.UserRole + 1)
            for i in range(self.page_list.count())
        ]

    def _fill_list(self) -> None:
        if self.roles:
            self.for_you.setText(
                self.tr("Guidance for you as: {roles}.").format(roles=role_names(self.roles))
            )
        else:
            self.for_you.setText(self.tr("Guidance for every role."))
        wanted = self.page.page_id if self.page is not None else None
        blocker = QSignalBlocker(self.page_list)
        self.page_list.clear()
        for page in self.pages:
            if not self.show_all.isChecked() and not page.is_for(self.roles):
                continue
            title = chart_text(page.title)
            audience = role_names(page.audience)
            item = QListWidgetItem(audience_icon(page.audience), f"{title}\n{audience}")
            item.setData(Qt.ItemDataRole.UserRole, page.page_id)
            item.setData(Qt.ItemDataRole.UserRole + 1, title)
            item.setData(
                Qt.ItemDataRole.AccessibleTextRole,
                self.tr("{title}, for {roles}").format(title=title, roles=audience),
            )
            self.page_list.addItem(item)
        blocker.unblock()
        row = next(
            (
                i
                for i in range(self.page_list.count())
                if self.page_list.item(i).data(Qt.ItemDataRole.UserRole) == wanted
            ),
            0,
        )
        if self.page_list.count():
            self.page_list.setCurrentRow(row)
            self._current_changed(self.page_list.currentItem())

    def _current_changed(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        page_id = item.data(Qt.ItemDataRole.UserRole)
        self.show_page(next(p for p in self.pages if p.page_id == page_id))

    def show_page(self, page: GuidancePage) -> None:
        """Show ``page``: in colour, or as printed in black and white in high contrast."""
        if self.page is not None and self.page.page_id == page.page_id:
            return
        self.page = page
        # The role colours are fixed tints; a high-contrast user gets the page that needs
        # no colour — each role by name and pattern — in their own text colour.
        document = page_document(page, colour=not high_contrast(), font=self.text.font())
        document.setParent(self.text)
        self.text.setDocument(document)
        if self.chart_view is not None:
            self._chart_layout.removeWidget(self.chart_view)
            self.chart_view.deleteLater()
            self.chart_view = None
        has_chart = page.chart is not None
        if page.chart is not None:
            self.chart_view = ChartView(page.chart)
            self._chart_layout.addWidget(self.chart_view)
        self.tabs.setTabEnabled(1, has_chart)
        if not has_chart:
            self.tabs.setCurrentIndex(0)
        self.walk_button.setEnabled(has_chart)
        self.page_shown.emit(page)

    def select(self, page_id: str) -> None:
        """Show the page with ``page_id`` (listing every role's pages if it is not listed)."""
        if page_id not in {p.page_id for p in self.pages}:
            raise DomainError("unknown_flowchart", f"There is no guidance page '{page_id}'.")
        for _attempt in range(2):
            for i in range(self.page_list.count()):
                if self.page_list.item(i).data(Qt.ItemDataRole.UserRole) == page_id:
                    self.page_list.setCurrentRow(i)
                    return
            self.show_all.setChecked(True)

    # -- actions --------------------------------------------------------------------------------

    def walk_through(self) -> None:
        """Walk the chart on show one question at a time (nothing is saved)."""
        if self.page is None or self.page.chart is None:
            return
        if self.walk_dialog is not None:
            self.walk_dialog.raise_()
            return
        dialog = WalkDialog(self.page.chart, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._walk_closed)
        self.walk_dialog = dialog
        dialog.open()

    def _walk_closed(self) -> None:
        self.walk_dialog = None

    def print_current(self) -> None:
        """Print the page on show, asking which printer (and colour or greyscale)."""
        if self.page is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.page.title)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("Print guidance"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            print_page(self.page, printer, today=self._today())
        except OSError:
            show_known_error(
                DomainError("print_failed", self.tr("The page could not be printed.")), self
            )

    def _save_pdf_asking(self) -> None:
        # A button's "clicked" passes a flag, which must not be taken for a path.
        self.save_pdf()

    def save_pdf(self, path: Path | None = None) -> Path | None:
        """Save the page on show as a black-and-white PDF (asking where, unless told)."""
        if self.page is None:
            return None
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                self.tr("Save guidance as PDF"),
                f"{self.page.page_id}.pdf",
                self.tr("PDF documents (*.pdf)"),
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            export_pdf(self.page, path, today=self._today())
        except OSError:
            show_known_error(
                DomainError(
                    "export_failed",
                    self.tr("The PDF could not be saved there. Choose another folder."),
                ),
                self,
            )
            return None
        self.pdf_saved.emit(path)
        return path


class GuidanceWindow(QDialog):
    """The guidance viewer in a window of its own (not modal), for a "Guidance" menu."""

    def __init__(self, *, roles: Iterable[Role] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guidanceWindow")
        self.setWindowTitle(self.tr("Everychild guidance"))
        self.setAccessibleName(self.tr("Everychild guidance"))
        self.viewer = GuidanceViewer(roles=roles)
        buttons = QDialogButtonBox()
        close = QPushButton(self.tr("&Close"))
        close.setObjectName("closeButton")
        close.setAccessibleName(self.tr("Close the guidance"))
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.viewer, 1)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 170, metrics.height() * 48)
