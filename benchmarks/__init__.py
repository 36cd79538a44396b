"""Benchmark harness: python -m benchmarks (see README "Performance")."""
