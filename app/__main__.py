"""Everychild desktop client entry point: ``python -m app`` / ``everychild``.

``demo`` starts an embedded central index with demo data on a free loopback port (what
``make run`` does). ``sync``, ``status`` and ``verify-audit`` are the support command
line of ``app/cli.py``. The desktop window itself arrives with the client issue; until then
the demo serves the index and prints how to reach it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

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
    try:
        with EmbeddedIndex(children=args.children) as index:
            print(f"Everychild DEMO central index: {index.url}  (API docs: {index.url}/docs)")
            print(f"Demo users ({', '.join(DEMO_USERS)}), password {DEMO_PASSWORD}")
            print("Press Ctrl+C to stop; the demo database is deleted on exit.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("\nStopping the demo index.")
    except EmbeddedIndexError as exc:
        print(f"everychild: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The client's command line."""
    parser = argparse.ArgumentParser(prog="everychild", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="start an embedded central index with demo data")
    demo.add_argument("--children", type=int, default=3000, help="synthetic children to seed")
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
