"""Programs whose results still differ between the engines, each with the reason.

Every entry is also listed in the "Parity" section of docs/compute.md. The parity test
asserts that a listed program still differs, so an entry is removed once it is fixed.
"""

from __future__ import annotations

KNOWN_DIFFERENCES: dict[str, str] = {
    "datetimes.to_date_with_format": "not fixed yet: types ['string', 'date', 'timestamp_ntz'] != ['string', 'date', 'timestamp']",
    "datetimes.session_time_zone": "not fixed yet: types ['int', 'bigint', 'string', 'bigint', 'string'] != ['int', 'bigint', 'string', 'int', 'string']",
    "datetimes.timestamps_from_python": "not fixed yet: only ours failed: _duckdb.ConversionException: Conversion Error: Unimplemented type for cast (TIMESTAMP WITH TIME ZONE -> BIGINT) when casting from so",
    "decimals.decimal_arithmetic": "not fixed yet: only ours failed: AttributeError: module 'pyspark.sql.functions' has no attribute 'bround'",
    "decimals.decimal_aggregates": "not fixed yet: types ['string', 'decimal(38, 2)', 'double', 'decimal(10, 2)', 'decimal(38, 2)'] != ['string', 'decimal(20,2)', 'decimal(14,6)', 'decimal(10,2)', 'dec",
    "decimals.decimal_division_type": "not fixed yet: types ['string', 'double'] != ['string', 'decimal(23,13)']",
    "decimals.decimal_literals_sql": "not fixed yet: types ['decimal(2, 1)', 'decimal(15, 2)', 'decimal(3, 1)', 'double', 'decimal(2, 0)', 'decimal(2, 0)'] != ['decimal(2,1)', 'decimal(7,2)', 'decimal(2,",
    "nested.posexplode_and_map_explode": "not fixed yet: only ours failed: ValueError: Tried to rename a column that doesn't exist",
    "nested.array_functions": "not fixed yet: only reference failed: pyspark.errors.exceptions.captured.ArrayIndexOutOfBoundsException: [INVALID_ARRAY_INDEX] The index 0 is out of bounds. The arra",
    "nested.struct_fields": "not fixed yet: only ours failed: ValueError: Could not find table to expand star: person",
    "sql.sql_rollup_cube": "not fixed yet: only ours failed: ValueError: Unknown expression type provided in the SQL. Please create an issue with the SQL.",
    "sql.sql_functions_and_literals": "not fixed yet: types ['int', 'double', 'int', 'int', 'decimal(12, 1)', 'string', 'string', 'string', 'array<int>', 'struct<x:int, y:string>', 'map<string, int>', 'da",
    "sql.sql_explode_lateral_view": "not fixed yet: 2 rows != 3 rows",
}
