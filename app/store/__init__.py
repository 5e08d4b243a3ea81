"""The desktop client's encrypted offline cache (PRODUCT.md §3, §6, §7 "Key handling").

Plain Python, no Qt: the sync engine and the UI drive it from the client's cache worker.
One SQLCipher database per profile (one user on one device), opened with a random raw
key that is stored only wrapped under the user's password (Argon2id) and a device secret
in the OS keyring.

Modules: ``profiles`` (where profiles live; create, list, delete), ``keys`` (the database
key and its wrapping), ``device_secret`` (OS keyring, fail closed; in-memory for the demo),
``database`` (opening the file, transactions), ``schema`` (tables and upgrades),
``cache`` (the :class:`Cache` API), ``search``, ``caseload``, ``outbox``,
``audit_chain``, ``local_changes``, ``models`` (what the API returns), ``erase`` (secure
deletion), ``errors``.
"""
