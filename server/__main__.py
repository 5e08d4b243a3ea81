"""``python -m server``: the central index's command line (see ``server.cli``)."""

from server.cli import main

raise SystemExit(main(prog="python -m server"))
