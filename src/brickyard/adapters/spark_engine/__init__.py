"""The Spark engine: real PySpark (local or Spark Connect) with the catalog as its namespace."""
