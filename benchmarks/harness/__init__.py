"""The benchmark harness behind benchmarks/run (see docs/BENCHMARKS.md)."""
