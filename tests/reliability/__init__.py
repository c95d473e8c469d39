"""Reliability tests: faults, kills, cancellation, atomic writes, secrets, escaping."""
