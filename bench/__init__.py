"""Benchmarks and their synthetic data generators; run on demand, never in CI's test command."""
