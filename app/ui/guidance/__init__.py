"""Guided consent and information-sharing decisions, and the guidance viewer (PRODUCT.md §4).

What the rest of the client uses:

* :class:`~app.ui.guidance.decision_dialog.DecisionDialog` — walk "Should I share this
  information?" (or another decision chart) one question at a time, complete the decision
  record, save it through a :class:`~app.ui.guidance.saving.DecisionSaver` (cache, outbox
  and local audit in one transaction); emits ``decision_saved``.
* :class:`~app.ui.guidance.decision_dialog.WithdrawConsentDialog` — record that consent
  was withdrawn, as its own decision.
* :class:`~app.ui.guidance.decision_view.DecisionsPanel` /
  :class:`~app.ui.guidance.decision_view.DecisionCard` /
  :class:`~app.ui.guidance.decision_view.DecisionPathView` — a record's decisions, each
  with its replayed path on demand.
* :func:`~app.ui.guidance.consent_step.ask_involvement_consent` /
  :class:`~app.ui.guidance.consent_step.ConsentStepDialog` — chart 4 before a
  sensitive-service involvement; the consent to store, or ``None``.
* :class:`~app.ui.guidance.guidance_viewer.GuidanceWindow` /
  :class:`~app.ui.guidance.guidance_viewer.GuidanceViewer` — the golden rules and the
  charts, colour-coded by role, printable and saved as black-and-white PDF
  (:mod:`~app.ui.guidance.printing`).

Underneath: :mod:`~app.ui.guidance.walk_panel` (one question at a time),
:mod:`~app.ui.guidance.chart_view` and :mod:`~app.ui.guidance.chart_layout` (the chart
drawn in layers by grandalf), :mod:`~app.ui.guidance.guidance_pages` (pages as text),
:mod:`~app.ui.guidance.role_colours` and :mod:`~app.ui.guidance.wording`.
"""
