"""Benchmark machinery: bulk data and reference computations, imported by
``tools/benchmark.py`` and by this add-on's tests, never by crm_lifecycle."""
