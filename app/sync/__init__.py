"""The desktop client's sync with the central index (PRODUCT.md §6 "Sync", §7).

Plain Python, no Qt: the UI drives it from its cache worker; ``python -m app sync`` drives
it from a terminal. It talks to the index only over HTTP and to the offline cache only
through ``app.store.cache.Cache``.

Modules: ``transport`` (the HTTP session: timeouts, TLS, retries with backoff),
``client`` (the index's endpoints as domain models; tokens and their refresh),
``push`` (outbox batches and per-item answers), ``pull`` (pages, cursors, full resync),
``engine`` (:class:`~app.sync.engine.SyncEngine`: status, progress, cancellation,
revocation, digest check), ``errors``.
"""
