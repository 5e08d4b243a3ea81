"""Everychild's central index: the HTTP service that holds the index, enforces the access
rules of ``app.domain``, takes sync pushes and keeps the tamper-evident audit trail."""

__version__ = "0.1.0"
