"""Benchmarks, run by ``make bench`` (never inside the test suite); figures go to JSON."""
