"""Parity programs: ordinary PySpark code run on every engine (see tests/parity/registry.py)."""
