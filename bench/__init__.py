"""Everychild's benchmarks, run by ``make bench`` (``python -m bench``).

Each ``bench_*.py`` module exposes ``run() -> dict`` and reports what it measured, with
ratios against a baseline measured in the same run, so numbers from different machines
can be compared by their ratios. Results recorded in ``docs/performance.md`` are ones
these modules actually printed.
"""
