"""The DuckDB engine: the PySpark API (through sqlframe) over catalog tables, in process."""
