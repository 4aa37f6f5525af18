"""Bad queries on the DuckDB engine raise the PySpark errors a program catches, with help."""

from __future__ import annotations

from typing import Any

import pytest

from brickyard.domain.errors import InvalidInputError, NotFoundError


def test_errors_are_pyspark_analysis_exceptions_with_close_names(spark: Any) -> None:
    from pyspark.errors import AnalysisException, ParseException
    from pyspark.sql.utils import AnalysisException as UtilsAnalysisException

    assert AnalysisException is UtilsAnalysisException
    with pytest.raises(AnalysisException, match=r"`nme`.*Did you mean.*`name`"):
        spark.sql("SELECT nme FROM main.default.products").collect()
    with pytest.raises(AnalysisException, match="does not exist") as missing:
        spark.sql("SELECT * FROM main.default.prodcts")
    assert isinstance(missing.value, NotFoundError)
    assert "products" in str(missing.value)  # the close name is suggested
    with pytest.raises(ParseException, match=r"line 2, column \d+") as syntax:
        spark.sql("SELECT name,\nFROM main.default.products WHERE")
    assert isinstance(syntax.value, InvalidInputError)
    with pytest.raises(AnalysisException, match=r"DATATYPE_MISMATCH.*STRING_LITERAL.*INTERVAL"):
        spark.sql("SELECT 'a' + INTERVAL 1 DAY").collect()


def test_pyspark_is_a_real_package_on_duckdb(spark: Any) -> None:
    import pyspark
    from pyspark import SparkContext

    assert pyspark.__version__[0].isdigit()
    with pytest.raises(InvalidInputError, match=r"engine='spark'"):
        SparkContext()
