"""Benchmarks and the mock provider (importable from tests)."""
