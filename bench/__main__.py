"""``python -m bench``: run every ``bench/bench_*.py`` module and print a summary.

``python -m bench server`` runs only ``bench_server``; ``--json FILE`` also writes the
results as JSON. A benchmark that fails is reported with its traceback, the others still
run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bench

PREFIX = "bench_"


def discover() -> list[str]:
    """Names of every benchmark module, without the ``bench_`` prefix, sorted."""
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules(bench.__path__)
        if info.name.startswith(PREFIX)
    )


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _run_one(name: str) -> tuple[dict[str, Any] | None, float]:
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.{PREFIX}{name}")
        run: Callable[[], dict[str, Any]] = module.run
        result = run()
    except Exception:  # noqa: BLE001 - one failing benchmark must not stop the others
        traceback.print_exc()
        return None, time.perf_counter() - started
    return result, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default); return the exit status."""
    available = discover()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default all: {', '.join(available)})",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)}")
    chosen: list[str] = args.names or available
    results: dict[str, dict[str, Any] | None] = {}
    timings: dict[str, float] = {}
    for name in chosen:
        print(f"=== {name} ===", flush=True)
        results[name], timings[name] = _run_one(name)
    print("\n=== summary ===")
    for name in chosen:
        result = results[name]
        status = "FAILED" if result is None else "ok"
        print(f"{name} ({status}, {timings[name]:.0f} s)")
        for key, value in (result or {}).items():
            print(f"  {key}: {_format(value)}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return 1 if any(result is None for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
