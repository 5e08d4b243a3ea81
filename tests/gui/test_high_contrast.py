"""Readable in a high-contrast theme, and text that grows with the system font.

The application's palette is swapped for a high-contrast one — white on black as in
Windows' "High Contrast Black", black on white as in "High Contrast White" — the look
applied, and the main screens rendered with ``grab()``. Contrast is **measured on the
rendered pixels**, not taken from what the code meant to draw: within each visible
label (and each box and caption of a chart) the commonest colour is the background and
the colour furthest from it the text, and their WCAG 2 contrast ratio must be at least
7:1 (AAA) in high contrast and 4.5:1 (AA) on the ordinary palette. Disabled labels are
left out, as WCAG leaves out inactive controls.

In high contrast the banners and the chart must also be drawn in the system's own
colours: a pale banner in a black window is the glare the user turned high contrast on
to escape, however dark its text. On the ordinary palette the client keeps its own look.

Every test puts the application's palette, stylesheet and font back afterwards: the GUI
tests share one ``QApplication``.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QRect, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.domain.flowcharts import load_flowchart
from app.domain.policy import visible_record
from app.domain.reasons import ReasonCode
from app.domain.records import ChildRecord
from app.domain.roles import Role
from app.store.profiles import Profile
from app.ui.application import apply_look
from app.ui.banners import Banner, Tone, demo_banner
from app.ui.contrast import AA, AAA, contrast_ratio, high_contrast, palette_is_high_contrast
from app.ui.guidance.chart_view import ChartView
from app.ui.guidance.guidance_viewer import GuidanceWindow
from app.ui.guidance.role_colours import ROLE_STYLES
from app.ui.guidance.walk_dialog import WalkDialog
from app.ui.main_window import MainWindow
from app.ui.reason_dialog import ReasonDialog
from app.ui.record_view import RecordView
from app.ui.session import Session, UiContext
from app.ui.signin import SignInWindow
from app.ui.sync_status import StatusRelay
from app.ui.tasks import CacheWorker
from tests.gui import synthetic

Group = QPalette.ColorGroup
Role_ = QPalette.ColorRole

#: Where a failing test leaves what it measured, to be looked at.
GRABS = Path(tempfile.gettempdir()) / "everychild-high-contrast"


# -- palettes -------------------------------------------------------------------------------


def high_contrast_palette(
    background: str, text: str, highlight: str, highlighted: str, grey_text: str
) -> QPalette:
    """A palette as Windows builds one for a contrast theme: two colours and their accents."""
    back, ink = QColor(background), QColor(text)
    palette = QPalette(back)
    for group in (Group.Active, Group.Inactive, Group.Disabled):
        for role in (
            Role_.Window,
            Role_.Base,
            Role_.AlternateBase,
            Role_.Button,
            Role_.ToolTipBase,
        ):
            palette.setColor(group, role, back)
        for role in (
            Role_.WindowText,
            Role_.Text,
            Role_.ButtonText,
            Role_.ToolTipText,
            Role_.PlaceholderText,
            Role_.BrightText,
        ):
            palette.setColor(group, role, ink if group is not Group.Disabled else QColor(grey_text))
        # Frames and bevels in the text's colour, so the style's lines show too.
        for role in (Role_.Light, Role_.Midlight, Role_.Mid, Role_.Dark, Role_.Shadow):
            palette.setColor(group, role, ink)
        palette.setColor(group, Role_.Highlight, QColor(highlight))
        palette.setColor(group, Role_.HighlightedText, QColor(highlighted))
        palette.setColor(group, Role_.Link, QColor(highlight))
    return palette


#: Windows' "High Contrast Black": white on black, cyan selection, green for disabled text.
HIGH_CONTRAST_BLACK = ("#000000", "#ffffff", "#1aebff", "#000000", "#3ff23f")
#: Windows' "High Contrast White": black on white, purple selection.
HIGH_CONTRAST_WHITE = ("#ffffff", "#000000", "#37006e", "#ffffff", "#600000")


@dataclass(frozen=True)
class Look:
    """The palette a test runs under, and what it is held to."""

    name: str
    high: bool

    @property
    def least(self) -> float:
        """The least contrast text may have."""
        return AAA if self.high else AA

    @staticmethod
    def colour(role: QPalette.ColorRole) -> QColor:
        return QGuiApplication.palette().color(Group.Active, role)


@pytest.fixture
def restore_look(qapp: QApplication) -> Iterator[QApplication]:
    """The application; its palette, stylesheet and font are put back after the test."""
    application = qapp
    palette, sheet, font = (
        QPalette(application.palette()),
        application.styleSheet(),
        QFont(application.font()),
    )
    yield application
    # The stylesheet first: the look no longer ours, a change of palette leaves it be.
    application.setStyleSheet(sheet)
    application.setFont(font)
    application.setPalette(palette)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(params=["ordinary", "high-contrast-black", "high-contrast-white"])
def look(request: pytest.FixtureRequest, restore_look: QApplication) -> Look:
    """The look applied under an ordinary palette, then under each high-contrast one."""
    name = str(request.param)
    if name == "high-contrast-black":
        restore_look.setPalette(high_contrast_palette(*HIGH_CONTRAST_BLACK))
    elif name == "high-contrast-white":
        restore_look.setPalette(high_contrast_palette(*HIGH_CONTRAST_WHITE))
    apply_look(restore_look)
    return Look(name, high=name != "ordinary")


# -- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What one area of a rendering shows: its background and its text, as drawn."""

    what: str
    background: QColor
    text: QColor

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.background, self.text)

    def __str__(self) -> str:
        return f"{self.what}: {self.text.name()} on {self.background.name()} {self.ratio:.2f}:1"


class Rendering:
    """A widget grabbed to an image, to be read area by area."""

    def __init__(self, root: QWidget) -> None:
        QCoreApplication.processEvents()
        self.root = root
        pixmap = root.grab()
        self.scale = pixmap.devicePixelRatio()
        self.image = pixmap.toImage().convertToFormat(QImage.Format.Format_RGB32)
        self._pixels = memoryview(self.image.constBits()).cast("I")
        self._stride = self.image.bytesPerLine() // 4

    def save(self, name: str) -> Path:
        GRABS.mkdir(parents=True, exist_ok=True)
        path = GRABS / f"{name}.png"
        self.image.save(str(path))
        return path

    def read(self, what: str, area: QRect) -> Reading | None:
        """The commonest colour in ``area`` (in the root's coordinates) and the furthest from it."""
        scaled = QRect(
            round(area.x() * self.scale),
            round(area.y() * self.scale),
            round(area.width() * self.scale),
            round(area.height() * self.scale),
        ).intersected(self.image.rect())
        if scaled.isEmpty():
            return None
        counts: Counter[int] = Counter()
        for y in range(scaled.top(), scaled.bottom() + 1):
            start = y * self._stride + scaled.left()
            counts.update(self._pixels[start : start + scaled.width()])
        background = QColor.fromRgb(counts.most_common(1)[0][0])
        text = max(
            (QColor.fromRgb(pixel) for pixel in counts),
            key=lambda colour: contrast_ratio(colour, background),
        )
        return Reading(what, background, text)

    def widget_area(self, widget: QWidget) -> QRect:
        """The part of ``widget`` on show, in the root's coordinates."""
        shown = widget.visibleRegion().boundingRect()
        return QRect(widget.mapTo(self.root, shown.topLeft()), shown.size())

    def labels(self) -> list[Reading]:
        """Every visible, enabled label with text."""
        readings = []
        for label in self.root.findChildren(QLabel):
            if not label.isVisible() or not label.isEnabled() or not label.text().strip():
                continue
            name = label.objectName() or label.text()[:40].replace("\n", " ")
            reading = self.read(f"label {name!r}", self.widget_area(label))
            if reading is not None:
                readings.append(reading)
        assert readings, "nothing was measured"
        return readings

    def banners(self) -> list[tuple[Banner, Reading]]:
        """Every visible banner, read over its text."""
        found = []
        for banner in self.root.findChildren(Banner):
            if banner.isVisible():
                reading = self.read(f"banner {banner.objectName()}", self.widget_area(banner.label))
                assert reading is not None
                found.append((banner, reading))
        return found

    def chart(self, view: ChartView) -> list[Reading]:
        """Every box and arrow caption of ``view``'s chart wholly on show."""
        viewport = view.viewport()
        room = viewport.rect()
        readings = []
        areas: list[tuple[str, QRectF]] = []
        for node_id, item in view.chart_scene.nodes.items():
            box = item.box
            areas.append((f"box {node_id}", QRectF(box.left, box.top, box.width, box.height)))
        for (source, target), edge in view.chart_scene.edges.items():
            if edge.route.caption:
                areas.append((f"caption {source}->{target}", edge.caption_rect))
        for what, scene_rect in areas:
            # Inside the border, where the words are.
            inset = 8.0 if what.startswith("box") else 1.5
            shown = view.mapFromScene(scene_rect.adjusted(inset, inset, -inset, -inset))
            rect = shown.boundingRect()
            if not room.contains(rect):
                continue
            corner = viewport.mapTo(self.root, rect.topLeft())
            reading = self.read(what, QRect(corner, rect.size()))
            if reading is not None:
                readings.append(reading)
        assert len(readings) >= 3, "too little of the chart was on show to measure"
        return readings

    def background_of(self, widget: QWidget) -> QColor:
        """The commonest colour over ``widget``."""
        reading = self.read("background", self.widget_area(widget))
        assert reading is not None
        return reading.background


def too_faint(readings: list[Reading], look: Look) -> list[str]:
    return [str(r) for r in readings if r.ratio < look.least]


def check(rendering: Rendering, look: Look, name: str, readings: list[Reading]) -> None:
    """Every reading meets the look's contrast; banners are in the system's colours."""
    faint = too_faint(readings, look)
    wrong = wrong_banners(rendering, look)
    if faint or wrong:
        rendering.save(f"{name}-{look.name}")
    assert faint == []
    assert wrong == []


def wrong_banners(rendering: Rendering, look: Look) -> list[str]:
    """Banners not in the colours the look calls for."""
    wrong = []
    for banner, reading in rendering.banners():
        if look.high:
            window, text = Look.colour(Role_.Window), Look.colour(Role_.WindowText)
            expected = (text, window) if banner.property("tone") == Tone.DEMO else (window, text)
            if (reading.background, reading.text) != expected:
                wrong.append(f"{reading}, not {expected[1].name()} on {expected[0].name()}")
        elif reading.ratio < AA:
            wrong.append(str(reading))
    return wrong


def show(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)


# -- the measure itself ---------------------------------------------------------------------


def test_contrast_is_wcag_2s() -> None:
    assert contrast_ratio(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("white")) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(QColor("#505a5f"), QColor("#ffffff")) == pytest.approx(7.07, abs=0.01)
    assert contrast_ratio(QColor("#123456"), QColor("#123456")) == 1.0


def test_a_faint_label_is_caught(qtbot: QtBot, restore_look: QApplication) -> None:
    root = QWidget()
    layout = QVBoxLayout(root)
    faint = QLabel("Grey on white")
    faint.setStyleSheet("color: #999999; background: #ffffff;")
    strong = QLabel("Black on white")
    strong.setStyleSheet("color: #000000; background: #ffffff;")
    layout.addWidget(faint)
    layout.addWidget(strong)
    show(qtbot, root)
    readings = Rendering(root).labels()
    assert [str(r) for r in readings] == [
        "label 'Grey on white': #999999 on #ffffff 2.85:1",
        "label 'Black on white': #000000 on #ffffff 21.00:1",
    ]


def test_which_palettes_count_as_high_contrast(restore_look: QApplication) -> None:
    def window_and_text(window: str, text: str) -> QPalette:
        palette = QPalette(QColor(window))
        palette.setColor(Role_.Window, QColor(window))
        palette.setColor(Role_.WindowText, QColor(text))
        return palette

    assert palette_is_high_contrast(high_contrast_palette(*HIGH_CONTRAST_BLACK))
    assert palette_is_high_contrast(high_contrast_palette(*HIGH_CONTRAST_WHITE))
    # "High Contrast #1" and "#2": yellow (19.6:1) and green (15.3:1) on black.
    assert palette_is_high_contrast(window_and_text("#000000", "#ffff00"))
    assert palette_is_high_contrast(window_and_text("#000000", "#00ff00"))
    for window, text in (
        ("#efefef", "#000000"),  # Fusion
        ("#f0f0f0", "#000000"),  # Windows
        ("#ececec", "#000000"),  # macOS
        ("#353535", "#ffffff"),  # a dark scheme is not a high-contrast one
        ("#000000", "#808080"),  # black, but grey text
    ):
        assert not palette_is_high_contrast(window_and_text(window, text)), window
    # The offscreen platform reports no preference, and the session's palette is Fusion's.
    assert not high_contrast()


# -- the screens ----------------------------------------------------------------------------


def test_the_sign_in_window_and_its_messages(
    qtbot: QtBot,
    look: Look,
    worker: CacheWorker,
    context: UiContext,
    filled_profile: Profile,
) -> None:
    for demo in (False, True):
        shown = context if not demo else UiContext(secret_store=context.secret_store, demo=True)
        window = SignInWindow(worker, shown)
        window.show_message("The password is not right. Check it and try again.")
        show(qtbot, window)
        rendering = Rendering(window)
        readings = rendering.labels()
        banners = {banner.objectName() for banner, _ in rendering.banners()}
        assert banners == ({"demoBanner", "signInMessage"} if demo else {"signInMessage"})
        check(rendering, look, "sign-in-demo" if demo else "sign-in", readings)


def _record_view(qtbot: QtBot, record: ChildRecord, *, from_cache: bool) -> RecordView:
    view = RecordView(record, from_cache=from_cache)
    show(qtbot, view)
    body = view.widget()
    assert body is not None
    layout = body.layout()
    assert layout is not None
    width = view.fontMetrics().averageCharWidth() * 90
    # Tall enough that every label is on show, and so measured.
    view.resize(width, layout.totalHeightForWidth(width) + 20)
    QCoreApplication.processEvents()
    return view


@pytest.mark.parametrize(
    ("record", "banners"),
    [
        pytest.param(synthetic.LEO, {"fromCache", "restrictedBanner"}, id="restricted"),
        pytest.param(synthetic.RUBY, {"fromCache", "shieldedNotice"}, id="shielded"),
    ],
)
def test_a_record_with_its_banners(
    qtbot: QtBot, look: Look, record: ChildRecord, banners: set[str]
) -> None:
    view = _record_view(
        qtbot, visible_record(synthetic.user(Role.PRACTITIONER), record), from_cache=True
    )
    rendering = Rendering(view)
    readings = rendering.labels()
    assert len(readings) >= 8
    assert {banner.objectName() for banner, _ in rendering.banners()} == banners
    check(rendering, look, f"record-{record.index_id}", readings)


def test_the_reason_dialog_with_its_refusal(qtbot: QtBot, look: Look) -> None:
    dialog = ReasonDialog("Amelia Hartwell, born 14 March 2015")
    show(qtbot, dialog)
    dialog.choose(ReasonCode.OTHER)
    assert dialog.problem_text()
    rendering = Rendering(dialog)
    readings = rendering.labels()
    assert [banner.objectName() for banner, _ in rendering.banners()] == ["reasonProblem"]
    check(rendering, look, "reason-dialog", readings)


def test_a_banner_of_every_tone(qtbot: QtBot, look: Look) -> None:
    root = QWidget()
    layout = QVBoxLayout(root)
    layout.addWidget(demo_banner())
    for tone in Tone:
        layout.addWidget(Banner(f"A {tone.value} banner, in words.", tone, name=f"{tone}Banner"))
    show(qtbot, root)
    rendering = Rendering(root)
    readings = rendering.labels()
    assert len(rendering.banners()) == len(Tone) + 1
    check(rendering, look, "banners", readings)


def test_the_walk_dialogs_chart(qtbot: QtBot, look: Look) -> None:
    dialog = WalkDialog(load_flowchart("should-i-share"))
    show(qtbot, dialog)
    panel = dialog.panel
    # A path walked: a box passed, the box the walk is at, an arrow taken.
    panel.choose(1)
    panel.go_on()
    view = panel.chart_view
    rendering = Rendering(dialog)
    readings = rendering.chart(view) + rendering.labels()
    check(rendering, look, "walk-dialog", readings)
    background = rendering.background_of(view.viewport())
    if look.high:
        assert background == Look.colour(Role_.Base)
    else:
        assert background == QColor("#ffffff")


def test_the_guidance_viewer_drops_the_role_tints_in_high_contrast(
    qtbot: QtBot, look: Look
) -> None:
    window = GuidanceWindow(roles={Role.PRACTITIONER})
    show(qtbot, window)
    html = window.viewer.text.document().toHtml().lower()
    tints = {ROLE_STYLES[role].colour.lower() for role in ROLE_STYLES}
    # Each role is still named, beside its pattern, whatever the look.
    assert "practitioner" in html
    if look.high:
        assert not [tint for tint in tints if tint in html]
    else:
        assert [tint for tint in tints if tint in html]
    rendering = Rendering(window)
    check(rendering, look, "guidance-viewer", rendering.labels())


@pytest.fixture
def open_main_window(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, session: Session, relay: StatusRelay
) -> Iterator[Callable[[], MainWindow]]:
    """Opens a main window on the unlocked session, its caseload shown."""

    def open_one() -> MainWindow:
        window = MainWindow(worker, context, session, relay, online=False)
        show(qtbot, window)
        with qtbot.waitSignal(window.rows_shown, timeout=15_000):
            window.start()
        return window

    yield open_one
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=15_000)


def test_the_main_window(look: Look, open_main_window: Callable[[], MainWindow]) -> None:
    window = open_main_window()
    rendering = Rendering(window)
    readings = rendering.labels()
    assert len(readings) >= 4
    check(rendering, look, "main-window", readings)


# -- following the system -------------------------------------------------------------------


def test_the_ordinary_look_is_unchanged(qtbot: QtBot, restore_look: QApplication) -> None:
    apply_look(restore_look)
    root = QWidget()
    layout = QVBoxLayout(root)
    for tone in Tone:
        layout.addWidget(Banner("Words", tone, name=f"{tone}Banner"))
    show(qtbot, root)
    seen = {
        banner.property("tone"): (reading.background.name(), reading.text.name())
        for banner, reading in Rendering(root).banners()
    }
    assert seen == {
        "demo": ("#ffdd00", "#0b0c0c"),
        "notice": ("#e8f1fb", "#0b0c0c"),
        "warning": ("#fdf0e0", "#0b0c0c"),
        "error": ("#fbe9e9", "#0b0c0c"),
        "info": ("#f3f2f1", "#0b0c0c"),
    }


def test_switching_to_high_contrast_while_running_restyles_what_is_open(
    qtbot: QtBot, restore_look: QApplication
) -> None:
    apply_look(restore_look)
    banner = Banner("Further information exists.", Tone.NOTICE, name="notice")
    show(qtbot, banner)

    def colours() -> tuple[str, str]:
        rendering = Rendering(banner)
        reading = rendering.read("banner", rendering.widget_area(banner.label))
        assert reading is not None
        return reading.background.name(), reading.text.name()

    assert colours() == ("#e8f1fb", "#0b0c0c")
    restore_look.setPalette(high_contrast_palette(*HIGH_CONTRAST_BLACK))
    assert colours() == ("#000000", "#ffffff")
    restore_look.setPalette(high_contrast_palette(*HIGH_CONTRAST_WHITE))
    assert colours() == ("#ffffff", "#000000")


def test_an_open_chart_follows_a_switch_to_high_contrast_and_back(
    qtbot: QtBot, restore_look: QApplication
) -> None:
    apply_look(restore_look)
    dialog = WalkDialog(load_flowchart("should-i-share"))
    show(qtbot, dialog)
    view = dialog.panel.chart_view

    def background() -> str:
        return Rendering(dialog).background_of(view.viewport()).name()

    assert background() == "#ffffff"
    restore_look.setPalette(high_contrast_palette(*HIGH_CONTRAST_BLACK))
    qtbot.waitUntil(lambda: background() == "#000000")
    readings = Rendering(dialog).chart(view)
    assert readings
    assert too_faint(readings, Look("high-contrast-black", high=True)) == []
    restore_look.setPalette(QPalette(restore_look.style().standardPalette()))
    qtbot.waitUntil(lambda: background() == "#ffffff")


def test_a_stylesheet_put_back_by_someone_else_is_left_alone(
    restore_look: QApplication,
) -> None:
    apply_look(restore_look)
    restore_look.setStyleSheet("")
    restore_look.setPalette(high_contrast_palette(*HIGH_CONTRAST_BLACK))
    assert restore_look.styleSheet() == ""


def test_white_text_on_every_roles_colour_meets_aa() -> None:
    # The guidance's "For:" band writes each role's name in white on its colour.
    faint = {
        role.value: round(contrast_ratio(QColor(style.colour), QColor("white")), 2)
        for role, style in ROLE_STYLES.items()
        if contrast_ratio(QColor(style.colour), QColor("white")) < AA
    }
    assert faint == {}


# -- the system font ------------------------------------------------------------------------

#: Big print: what a user who has turned the system's text size up might have.
LARGE_POINTS = 20.0


def clipped(root: QWidget) -> list[str]:
    """Visible labels with less room than their text needs."""
    found = []
    for label in root.findChildren(QLabel):
        if not label.isVisible() or not label.text().strip():
            continue
        size = label.size()
        if label.wordWrap():
            needed_height = label.heightForWidth(size.width())
            needed_width = label.minimumSizeHint().width()
        else:
            needed_height = label.sizeHint().height()
            needed_width = label.sizeHint().width()
        if size.height() < needed_height or size.width() < needed_width:
            name = label.objectName() or label.text()[:40].replace("\n", " ")
            found.append(
                f"{name!r}: {size.width()}x{size.height()}, needs {needed_width}x{needed_height}"
            )
    return found


def _heights(root: QWidget) -> dict[str, int]:
    """The heights of the named labels and the banners on show."""
    named: list[QWidget] = [
        w for w in root.findChildren(QLabel) if w.isVisible() and w.objectName()
    ]
    named += [w for w in root.findChildren(Banner) if w.isVisible()]
    return {w.objectName(): w.height() for w in named}


def check_large_font(application: QApplication, build: Callable[[], QWidget]) -> None:
    """``build`` at the system's size, then at :data:`LARGE_POINTS`: larger, and nothing cut."""
    first = build()
    assert clipped(first) == []
    ordinary = _heights(first)
    assert len(ordinary) >= 2
    assert application.font().pointSizeF() < LARGE_POINTS
    large = QFont(application.font())
    large.setPointSizeF(LARGE_POINTS)
    application.setFont(large)
    root = build()
    QCoreApplication.processEvents()
    # No stylesheet rule or widget pins a size: every label is at least the system's.
    small = [
        label.objectName() or label.text()[:30]
        for label in root.findChildren(QLabel)
        if label.isVisible() and label.font().pointSizeF() < LARGE_POINTS
    ]
    assert small == []
    heights = _heights(root)
    assert heights.keys() == ordinary.keys()
    shrunk = {
        name: (ordinary[name], height)
        for name, height in heights.items()
        if height <= ordinary[name]
    }
    assert shrunk == {}
    problems = clipped(root)
    if problems:
        Rendering(root).save(f"large-font-{root.objectName()}")
    assert problems == []


@pytest.fixture
def screens(
    qtbot: QtBot, worker: CacheWorker, context: UiContext, filled_profile: Profile
) -> dict[str, Callable[[], QWidget]]:
    """Builds each screen afresh, on show, by name."""

    def sign_in() -> QWidget:
        window = SignInWindow(worker, context)
        window.show_message("The password is not right. Check it and try again.")
        show(qtbot, window)
        return window

    def record() -> QWidget:
        practitioner = synthetic.user(Role.PRACTITIONER)
        return _record_view(qtbot, visible_record(practitioner, synthetic.LEO), from_cache=True)

    def reason() -> QWidget:
        dialog = ReasonDialog("Amelia Hartwell, born 14 March 2015")
        show(qtbot, dialog)
        dialog.choose(ReasonCode.OTHER)
        return dialog

    return {"sign-in": sign_in, "record": record, "reason": reason}


@pytest.mark.parametrize(
    "screen",
    [
        "sign-in",
        "record",
        "reason",
    ],
)
def test_text_grows_with_the_system_font_and_is_not_clipped(
    restore_look: QApplication, screens: dict[str, Callable[[], QWidget]], screen: str
) -> None:
    apply_look(restore_look)
    check_large_font(restore_look, screens[screen])


def test_the_main_window_grows_with_the_system_font(
    restore_look: QApplication, open_main_window: Callable[[], MainWindow]
) -> None:
    apply_look(restore_look)
    windows: list[MainWindow] = []

    def build() -> QWidget:
        windows.append(open_main_window())
        return windows[-1]

    check_large_font(restore_look, build)
    rows = windows[-1].table.verticalHeader()
    assert rows.sectionSize(0) >= QFontMetrics(restore_look.font()).height()
