"""The desktop client's windows, dialogs and item models (PySide6, Qt 6 Widgets).

The only package that imports Qt. It talks to the offline cache only through
``app.store`` and to the central index only through ``app.sync``, and runs all of that
work on one background worker (``tasks``). Modules:

* the frame: ``tasks`` (the worker), ``errors`` (known errors and the crash dialog),
  ``session`` (the Qt-free operations the windows ask for), ``application`` (the window
  sequence and ``run``), ``launch``, ``idle_lock``, ``banners``;
* signing in: ``signin``, ``profile_list``, ``sign_in_prompt`` (an offline session
  signing in to sync);
* the main window: ``main_window``, ``caseload_model``, ``online_search``, ``notices``,
  ``sync_runner`` and ``sync_status`` (when and how sync runs and shows), ``explanations``
  (the lease and the wipe in plain words);
* records and changes: ``reason_dialog``, ``record_tab``, ``record_view``,
  ``record_changes`` (the change actions), ``action_offers`` (what the rules allow),
  ``change_dialog``, ``involvement_dialogs``, ``indicator_dialogs``;
* lists: ``table_model``, ``list_dialog``, ``conflicts_dialog``, ``rejected_dialog``,
  ``access_log_dialog``, ``change_words``;
* ``guidance``: the flowchart-driven guided dialogs (a package of its own).
"""
