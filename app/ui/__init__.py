"""The desktop client's windows, dialogs and item models (PySide6, Qt 6 Widgets).

The only package that imports Qt. It talks to the offline cache only through
``app.store`` and to the central index only through ``app.sync``, and runs all of that
work on one background worker (``tasks``). Modules: ``tasks`` (the worker), ``errors``
(known errors and the crash dialog), ``session`` (the Qt-free operations the windows
ask for), ``application`` (the window sequence and ``run``), ``signin``, ``main_window``,
``caseload_model``, ``profile_list``, ``reason_dialog``, ``record_view``,
``sync_status``, ``idle_lock``, ``banners``.
"""
