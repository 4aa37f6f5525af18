"""Jupyter notebooks with spark, display and dbutils ready; notebooks as job tasks."""
