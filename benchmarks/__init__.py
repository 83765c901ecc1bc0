"""Benchmarks for tokenlab: run ``python -m benchmarks`` from the repository root (``make bench``).

See ``benchmarks/__main__.py`` for the method; each row compares tokenlab with
a baseline measured side by side in the same run.
"""
