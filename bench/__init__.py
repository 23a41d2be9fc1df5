"""Benchmarks: each module runs on its own (``python -m bench.NAME``) and prints a table
comparing the project's code with a bare baseline measured in the same run.
``python -m bench`` (``make bench``) runs them all."""
