"""Spark SQL shared by both engines: parsing, catalog references, catalog DDL/DML."""
