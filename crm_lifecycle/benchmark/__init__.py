"""Benchmark machinery: bulk data and reference computations.

Not imported by the module itself: ``tools/benchmark.py`` and the smoke test
(tests/test_benchmark_smoke.py) use it.
"""
