"""Guidance printed to PDF in black and white: every page rendered, inked, and grey only.

The PDF is turned back into pictures by poppler's ``pdftoppm`` — a reader we do not own —
and each page is looked at: something printed on it, and not a single coloured pixel.
Without ``pdftoppm`` the test is skipped, except on CI, where it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from app.ui.guidance.chart_view import ChartScene
from app.ui.guidance.guidance_pages import GOLDEN_RULES, guidance_pages
from app.ui.guidance.printing import export_pdf

TODAY = date(2026, 11, 21)


@pytest.fixture
def pdftoppm() -> str:
    """The path of ``pdftoppm`` (poppler-utils)."""
    found = shutil.which("pdftoppm")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm (poppler-utils) is needed on CI to check the printed guidance")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    return found


def render(pdftoppm: str, pdf: Path) -> list[QImage]:
    """Every page of ``pdf`` as an image (50 dots per inch: enough to see ink and colour)."""
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", str(pdf), str(pdf.with_suffix(""))],
        check=True,
        capture_output=True,
        timeout=60,
    )
    pages = sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))
    return [QImage(str(page)) for page in pages]


def survey(image: QImage) -> tuple[int, int]:
    """(inked pixels, coloured pixels) of a page."""
    inked = coloured = 0
    white = QColor("white")
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel != white:
                inked += 1
            if abs(pixel.red() - pixel.green()) > 8 or abs(pixel.green() - pixel.blue()) > 8:
                coloured += 1
    return inked, coloured


@pytest.mark.parametrize("page_id", [GOLDEN_RULES, "sensitive-involvement-consent"])
def test_a_black_and_white_pdf_renders_every_page_inked_and_grey(
    qtbot: QtBot, tmp_path: Path, pdftoppm: str, page_id: str
) -> None:
    page = next(p for p in guidance_pages() if p.page_id == page_id)
    pdf = tmp_path / f"{page_id}.pdf"
    count = export_pdf(page, pdf, today=TODAY)
    images = render(pdftoppm, pdf)
    assert len(images) == count >= 1
    for number, image in enumerate(images, start=1):
        assert not image.isNull()
        inked, coloured = survey(image)
        # A printed page, not a blank sheet: text or the drawing covers part of it.
        assert inked > image.width() * image.height() // 200, f"page {number} is blank"
        assert coloured == 0, f"page {number} has colour"
    if page.chart is not None:
        # The chart has a page of its own, turned to landscape when it is wider than tall.
        drawing = ChartScene(page.chart).sceneRect()
        last = images[-1]
        assert count >= 2
        assert (last.width() > last.height()) is (drawing.width() > drawing.height())


def test_the_colour_pdf_keeps_the_role_colours(qtbot: QtBot, tmp_path: Path, pdftoppm: str) -> None:
    page = next(p for p in guidance_pages() if p.page_id == GOLDEN_RULES)
    pdf = tmp_path / "colour.pdf"
    export_pdf(page, pdf, today=TODAY, colour=True)
    (first,) = render(pdftoppm, pdf)
    _inked, coloured = survey(first)
    assert coloured > 0
