"""Benchmarks: a synthetic story generator at scale, the scale runner and the load script."""
