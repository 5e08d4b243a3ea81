"""Printing a guidance page, or saving it as a PDF — in black and white by default.

Seed 004: "A version of the guidance will be produced that is suitable for black and white
printing." :func:`print_page` lays a page's text (:mod:`app.ui.guidance.guidance_pages`)
out on the printer's pages with a footer on each ("page 2 of 4"), then draws the chart, if
the page has one, on a page of its own, turned to landscape when the chart is wider than
tall. The chart is drawn with Qt's vector painting, so it stays sharp at any size. A
printer set to greyscale — and every PDF saved by :func:`export_pdf` unless asked
otherwise — gets the black-and-white page: swatch patterns and role names, black lines,
no colour at all.

Guidance holds no personal data, so a printed page is not an access to record.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QTextDocument
from PySide6.QtPrintSupport import QPrinter

from app.ui.caseload_model import format_date
from app.ui.guidance.chart_view import ChartScene
from app.ui.guidance.guidance_pages import GuidancePage, page_document
from app.ui.guidance.wording import chart_text

#: Body text size on paper.
PRINT_POINT_SIZE = 10.0
#: Page margins, in millimetres.
MARGIN_MM = 15.0


def _tr(text: str) -> str:
    return QCoreApplication.translate("GuidancePrinting", text)


def new_pdf_printer(path: Path, *, colour: bool = False) -> QPrinter:
    """A printer that writes an A4 PDF to ``path`` (black and white unless ``colour``)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setColorMode(QPrinter.ColorMode.Color if colour else QPrinter.ColorMode.GrayScale)
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    return printer


def export_pdf(page: GuidancePage, path: Path, *, colour: bool = False, today: date) -> int:
    """Save ``page`` as a PDF at ``path``; returns the number of pages written."""
    # Find out now, in plain words, if the file cannot be written: the printer would only
    # say so by failing to start.
    with path.open("ab"):
        pass
    printer = new_pdf_printer(path, colour=colour)
    printer.setDocName(page.title)
    printer.setCreator("Everychild")
    return print_page(page, printer, today=today)


def print_page(page: GuidancePage, printer: QPrinter, *, today: date) -> int:
    """Print ``page`` on ``printer`` (colour as the printer is set); returns pages printed."""
    colour = printer.colorMode() == QPrinter.ColorMode.Color
    font = QFont()
    font.setPointSizeF(PRINT_POINT_SIZE)
    document = page_document(page, colour=colour, font=font)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        text_pages = _print_text(document, printer, painter, page, today)
        chart_pages = 0
        if page.chart is not None:
            chart_pages = _print_chart(
                page, printer, painter, colour=colour, number=text_pages + 1, today=today
            )
    finally:
        painter.end()
    return text_pages + chart_pages


def _footer_height(painter: QPainter) -> float:
    return painter.fontMetrics().lineSpacing() * 2.0


def _print_text(
    document: QTextDocument,
    printer: QPrinter,
    painter: QPainter,
    page: GuidancePage,
    today: date,
) -> int:
    # Measure text for the printer's resolution, not the screen's.
    document.documentLayout().setPaintDevice(printer)
    area = printer.pageRect(QPrinter.Unit.DevicePixel)
    small = QFont()
    small.setPointSizeF(PRINT_POINT_SIZE * 0.8)
    painter.setFont(small)
    footer = _footer_height(painter)
    body = QSizeF(area.width(), area.height() - footer)
    document.setPageSize(body)
    count = max(1, document.pageCount())
    total = count + (1 if page.chart is not None else 0)
    for number in range(count):
        if number:
            printer.newPage()
        painter.save()
        painter.translate(0, -number * body.height())
        document.drawContents(
            painter, QRectF(0, number * body.height(), body.width(), body.height())
        )
        painter.restore()
        _footer(
            painter,
            page,
            number=number + 1,
            total=total,
            width=area.width(),
            height=area.height(),
            today=today,
        )
    return count


def _footer(
    painter: QPainter,
    page: GuidancePage,
    *,
    number: int,
    total: int,
    width: float,
    height: float,
    today: date,
) -> None:
    small = QFont()
    small.setPointSizeF(PRINT_POINT_SIZE * 0.8)
    painter.save()
    painter.setFont(small)
    painter.setPen(Qt.GlobalColor.black)
    line = painter.fontMetrics().lineSpacing()
    text = _tr("Everychild guidance — {title} — printed {date} — page {number} of {total}").format(
        title=chart_text(page.title),
        date=format_date(today, "d MMMM yyyy"),
        number=number,
        total=total,
    )
    painter.drawLine(0, int(height - line * 1.6), int(width), int(height - line * 1.6))
    painter.drawText(
        QRectF(0, height - line * 1.4, width, line * 1.4),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        text,
    )
    painter.restore()


def _print_chart(
    page: GuidancePage,
    printer: QPrinter,
    painter: QPainter,
    *,
    colour: bool,
    number: int,
    today: date,
) -> int:
    assert page.chart is not None
    scene = ChartScene(page.chart, colour=colour, font=QFont())
    source = scene.sceneRect()
    landscape = source.width() > source.height()
    layout = printer.pageLayout()
    layout.setOrientation(
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    printer.setPageLayout(layout)
    printer.newPage()
    area = printer.pageRect(QPrinter.Unit.DevicePixel)
    heading = QFont()
    heading.setPointSizeF(PRINT_POINT_SIZE * 1.2)
    heading.setBold(True)
    painter.save()
    painter.setFont(heading)
    painter.setPen(Qt.GlobalColor.black)
    title_height = painter.fontMetrics().lineSpacing() * 1.6
    painter.drawText(
        QRectF(0, 0, area.width(), title_height),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
        _tr("The chart: {title}").format(title=chart_text(page.chart.title)),
    )
    painter.restore()
    footer = _footer_height(painter)
    target = QRectF(0, title_height, area.width(), area.height() - title_height - footer)
    scene.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)
    _footer(
        painter,
        page,
        number=number,
        total=number,
        width=area.width(),
        height=area.height(),
        today=today,
    )
    return 1
