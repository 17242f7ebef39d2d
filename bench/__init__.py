"""Yunjin's benchmarks: ``make bench`` (or ``python -m bench [NAME ...]``) runs them.

Each module measures one thing and returns a :class:`bench.common.BenchResult`:
medians, ratios and whether each target is met.  Nothing here asserts on speed.
Figures and how they were taken: docs/benchmarks.md.
"""
