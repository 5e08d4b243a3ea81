"""Everychild's rules, shared by the desktop client and the central index.

Pure Python: no Qt, no database, no network, no files other than the package's own
bundled data. The server enforces these rules; the client uses the same ones so that
what it offers and what the server allows can never disagree.

Modules: ``records`` (record shapes), ``roles`` (users, roles, access preconditions),
``policy`` (what a user may see and do), ``validators`` and ``reasons`` (input rules),
``services`` (catalogue and consent rule), ``retention``, ``identifiers`` (index ids),
``names`` (search normalisation), ``flowcharts`` (guided decisions).
"""
