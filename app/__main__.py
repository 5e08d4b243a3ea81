"""Everychild desktop client entry point: ``python -m app`` / ``everychild``.

With no command it opens the desktop window (``app.ui``); ``--demo`` (or the ``demo``
command, which ``make run`` uses) first starts an embedded central index with demo data on
a free loopback port and opens the window against it in DEMO mode; ``demo --no-gui``
only serves the index and prints how to reach it. ``sync``, ``status`` and
``verify-audit`` are the support command line of ``app/cli.py``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from app import cli
from app.embedded_index import DEMO_PASSWORD, EmbeddedIndex, EmbeddedIndexError

DEMO_USERS = (
    "demo-viewer",
    "demo-practitioner",
    "demo-sensitive",
    "demo-essential",
    "demo-index-manager",
    "demo-user-admin",
    "demo-data-manager",
)


def _demo(args: argparse.Namespace) -> int:
    if not args.no_gui:
        return _gui(args)
    try:
        with EmbeddedIndex(children=args.children) as index:
            print(f"Everychild DEMO central index: {index.url}  (API docs: {index.url}/docs)")
            print(f"Demo users ({', '.join(DEMO_USERS)}), password {DEMO_PASSWORD}")
            print("Press Ctrl+C to stop; the demo database is deleted on exit.", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        # Whenever it comes — while seeding, starting or serving — the index has been
        # stopped and its database deleted by the time it gets here.
        print("\nThe demo index has stopped and its database is deleted.")
    except EmbeddedIndexError as exc:
        print(f"everychild: {exc}", file=sys.stderr)
        return 1
    return 0


def _gui(args: argparse.Namespace) -> int:
    from app.ui.launch import run_demo, run_desktop  # noqa: PLC0415 - support commands run without PySide6

    if args.demo or args.command == "demo":
        print("Starting the DEMO central index; the window opens in a few seconds.", flush=True)
        try:
            return run_demo(children=args.children)
        except EmbeddedIndexError as exc:
            print(f"everychild: {exc}", file=sys.stderr)
            return 1
    return run_desktop(server_url=args.server or "", data_dir=args.data_dir)


def build_parser() -> argparse.ArgumentParser:
    """The client's command line."""
    parser = argparse.ArgumentParser(prog="everychild", description=__doc__)
    parser.add_argument("--demo", action="store_true", help="open the window in DEMO mode")
    parser.add_argument("--server", help="the index's address to offer at first sign-in")
    parser.add_argument("--data-dir", type=Path, default=None, help="where profiles live")
    parser.add_argument("--children", type=int, default=3000, help="synthetic demo children")
    parser.set_defaults(handler=_gui)
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="start an embedded central index with demo data")
    demo.add_argument("--children", type=int, default=3000, help="synthetic children to seed")
    demo.add_argument("--no-gui", action="store_true", help="only serve the demo index")
    demo.set_defaults(handler=_demo)
    cli.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command named on the command line."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    handler = args.handler
    result: int = handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
