"""The guidance as readable pages: the seven golden rules, and every chart in words.

Seed 004 asks for guidance that is "colour-coded, user specific", with a version "suitable
for black and white printing". Each page says at the top, in a band, which roles it is
for: each role by **name**, beside a swatch with its **pattern** and, on screen or a
colour printer, its **colour** (:mod:`app.ui.guidance.role_colours`). A key on every page
explains the swatches. Nothing on a page depends on colour.

A chart reads as numbered steps: questions and steps to take are numbered 1, 2, 3…,
outcomes lettered A, B, C…; each answer says where it leads ("→ 3", "→ outcome B"), each
question carries the guidance it quotes, and each outcome what to record. The same chart
is drawn by :mod:`app.ui.guidance.chart_view` beside the text on screen and on its own
page when printed.

Pages are ``QTextDocument`` objects (rich text built here, swatches added as image
resources), so the viewer shows and the printer prints the very same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QFont, QTextDocument

from app.domain.flowcharts import (
    ActionNode,
    ChartKind,
    Flowchart,
    GoldenRules,
    OutcomeNode,
    QuestionNode,
    load_flowcharts,
    load_golden_rules,
    successors,
)
from app.domain.roles import Role
from app.ui.guidance.role_colours import ROLE_ORDER, ROLE_STYLES, role_name, swatch_image
from app.ui.guidance.wording import (
    chart_basis_label,
    chart_text,
    field_label,
    outcome_decision_label,
)

#: The page id of the golden rules (charts use their own ids).
GOLDEN_RULES = "golden-rules"
#: Roles side by side in a page's band before it starts another row.
BAND_ROLES_PER_ROW = 3
#: Swatches in the page band, in pixels of the image (shown at text height).
SWATCH_SIZE = 48


def _tr(text: str) -> str:
    return QCoreApplication.translate("GuidancePages", text)


@dataclass(frozen=True)
class GuidancePage:
    """One page of guidance: the golden rules or a chart, and whom it is for."""

    page_id: str
    title: str
    audience: tuple[Role, ...]
    chart: Flowchart | None = None
    rules: GoldenRules | None = None

    def is_for(self, roles: Iterable[Role]) -> bool:
        """True if any of ``roles`` is in the page's audience."""
        return any(role in self.audience for role in roles)


def guidance_pages() -> list[GuidancePage]:
    """Every page: the golden rules, the decision charts, then the procedure charts."""
    rules = load_golden_rules()
    pages = [GuidancePage(GOLDEN_RULES, rules.title, rules.audience, rules=rules)]
    charts = sorted(
        load_flowcharts().values(), key=lambda c: (c.kind is ChartKind.PROCEDURE, c.title)
    )
    pages += [GuidancePage(c.id, c.title, c.audience, chart=c) for c in charts]
    return pages


def reading_order(chart: Flowchart) -> tuple[list[str], list[str]]:
    """The chart's steps in the order a reader meets them, and its outcomes likewise.

    Breadth-first from the start, answers in order — but a node is read only once every
    step leading to it has been, so the numbers always run down the page.
    """
    incoming: dict[str, int] = dict.fromkeys(chart.nodes, 0)
    for node in chart.nodes.values():
        for target in dict.fromkeys(successors(node)):
            incoming[target] += 1
    ready = [chart.start]
    order: list[str] = []
    while ready:
        node_id = ready.pop(0)
        order.append(node_id)
        for target in dict.fromkeys(successors(chart.nodes[node_id])):
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    steps = [n for n in order if not isinstance(chart.nodes[n], OutcomeNode)]
    outcomes = [n for n in order if isinstance(chart.nodes[n], OutcomeNode)]
    return steps, outcomes


def step_labels(chart: Flowchart) -> dict[str, str]:
    """ "1", "2"… for questions and steps; "A", "B"… for outcomes."""
    steps, outcomes = reading_order(chart)
    labels = {node_id: str(number) for number, node_id in enumerate(steps, start=1)}
    labels.update({node_id: _letter(position) for position, node_id in enumerate(outcomes)})
    return labels


def _letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _swatch_url(role: Role, colour: bool) -> str:
    return f"swatch:{role.value}:{'colour' if colour else 'mono'}"


def _band(audience: tuple[Role, ...], *, colour: bool) -> str:
    cells = []
    for role in ROLE_ORDER:
        if role not in audience:
            continue
        background = ROLE_STYLES[role].colour if colour else "#ffffff"
        text = "#ffffff" if colour else "#000000"
        cells.append(
            f'<td style="background-color:{background}; color:{text}; padding:4px;">'
            f'<img src="{_swatch_url(role, colour)}" width="18" height="18"> '
            f"<b>{escape(role_name(role))}</b></td>"
        )
    label = escape(_tr("For:"))
    # At most three roles to a row, so no role's name is broken across lines on paper.
    rows = [cells[i : i + BAND_ROLES_PER_ROW] for i in range(0, len(cells), BAND_ROLES_PER_ROW)]
    heading = f'<td rowspan="{len(rows)}"><b>{label}</b></td>'
    body = "".join(
        "<tr>" + (heading if i == 0 else "") + "".join(row) + "</tr>" for i, row in enumerate(rows)
    )
    return (
        f'<table cellspacing="4" cellpadding="4" style="border: 1px solid #000000;">{body}</table>'
    )


def _key(*, colour: bool) -> str:
    items = []
    for role in ROLE_ORDER:
        style = ROLE_STYLES[role]
        items.append(
            f'<img src="{_swatch_url(role, colour)}" width="12" height="12"> '
            f"{escape(role_name(role))} ({escape(_tr(style.pattern_name))})"
        )
    intro = escape(
        _tr("Key: each role has a name, a pattern and a colour; the names are what count.")
    )
    return f'<p style="font-size:small;">{intro}<br>{" &nbsp; ".join(items)}</p>'


def page_html(page: GuidancePage, *, colour: bool) -> str:
    """The page as rich text (its swatches are image resources; see :func:`page_document`)."""
    parts = [
        _band(page.audience, colour=colour),
        f"<h1>{escape(chart_text(page.title))}</h1>",
    ]
    if page.rules is not None:
        parts.append(_rules_html(page.rules))
    if page.chart is not None:
        parts.append(_chart_html(page.chart))
    parts.append(_key(colour=colour))
    return "\n".join(parts)


def _rules_html(rules: GoldenRules) -> str:
    items = "".join(
        f"<li><p><b>{escape(chart_text(rule.title))}.</b> {escape(chart_text(rule.text))}</p></li>"
        for rule in rules.rules
    )
    source = escape(_tr("Source: {source}").format(source=chart_text(rules.source)))
    return f'<ol>{items}</ol><p style="font-size:small;"><i>{source}</i></p>'


def _chart_html(chart: Flowchart) -> str:
    labels = step_labels(chart)
    steps, outcomes = reading_order(chart)
    kind = (
        _tr("Guidance: walking this chart records nothing.")
        if chart.kind is ChartKind.PROCEDURE
        else _tr("A decision: whatever you decide, record it (golden rule 7).")
    )
    source = _tr("Source: {source}").format(source=chart_text(chart.source))
    parts = [
        f"<p>{escape(chart_text(chart.summary))}</p>",
        f"<p><i>{escape(kind)}</i></p>",
        f'<p style="font-size:small;"><i>{escape(source)}</i></p>',
        f"<h2>{escape(_tr('The steps'))}</h2>",
    ]
    for node_id in steps:
        node = chart.nodes[node_id]
        label = labels[node_id]
        if isinstance(node, QuestionNode):
            heading = _tr("{number}. Question").format(number=label)
            answers = "".join(
                f"<li>{escape(chart_text(a.label))} "
                f"<b>→ {escape(_target(chart, labels, a.next))}</b></li>"
                for a in node.answers
            )
            body = f"<ul>{answers}</ul>"
        else:
            assert isinstance(node, ActionNode)
            heading = _tr("{number}. Something to do").format(number=label)
            body = f"<p><b>→ {escape(_target(chart, labels, node.next))}</b></p>"
        parts.append(f"<h3>{escape(heading)}: {escape(chart_text(node.text))}</h3>{body}")
        if node.help:
            parts.append(f'<p style="margin-left:16px;"><i>{escape(chart_text(node.help))}</i></p>')
    parts.append(f"<h2>{escape(_tr('The outcomes'))}</h2>")
    for node_id in outcomes:
        node = chart.nodes[node_id]
        assert isinstance(node, OutcomeNode)
        heading = _tr("Outcome {letter}").format(letter=labels[node_id])
        facts = [_tr("Decision: {decision}").format(decision=outcome_decision_label(node.decision))]
        if node.basis is not None:
            facts.append(_tr("Basis: {basis}").format(basis=chart_basis_label(node.basis)))
        facts.append(
            _tr("Record: {fields}").format(fields="; ".join(field_label(f) for f in node.record))
        )
        parts.append(
            f"<h3>{escape(heading)}: {escape(chart_text(node.text))}</h3>"
            f"<p>{'<br>'.join(escape(f) for f in facts)}</p>"
        )
        if node.help:
            parts.append(f'<p style="margin-left:16px;"><i>{escape(chart_text(node.help))}</i></p>')
    return "\n".join(parts)


def _target(chart: Flowchart, labels: dict[str, str], node_id: str) -> str:
    if isinstance(chart.nodes[node_id], OutcomeNode):
        return _tr("outcome {letter}").format(letter=labels[node_id])
    return labels[node_id]


def page_document(page: GuidancePage, *, colour: bool, font: QFont | None = None) -> QTextDocument:
    """The page as a document, with its swatch images, ready to show or print."""
    document = QTextDocument()
    if font is not None:
        document.setDefaultFont(font)
    for role in ROLE_ORDER:
        document.addResource(
            QTextDocument.ResourceType.ImageResource,
            QUrl(_swatch_url(role, colour)),
            swatch_image(role, colour=colour, size=SWATCH_SIZE),
        )
    document.setHtml(page_html(page, colour=colour))
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, page.title)
    return document
