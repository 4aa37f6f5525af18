"""String functions."""

from __future__ import annotations

from typing import Any

from pyspark.sql import functions as F  # noqa: N812

from tests.parity.registry import program


@program()
def string_functions(spark: Any, schema: str) -> Any:
    df = spark.createDataFrame(
        [(1, "  Hello World  "), (2, "a,b,,c"), (3, None), (4, "ÄÖü-é")], "id INT, s STRING"
    )
    return df.select(
        "id",
        F.upper("s").alias("up"),
        F.lower("s").alias("low"),
        F.trim("s").alias("trimmed"),
        F.length("s").alias("len"),
        F.substring("s", 2, 3).alias("sub"),
        F.concat_ws("-", "s", F.lit("x")).alias("cws"),
        F.concat(F.col("s"), F.lit("!")).alias("cat"),
        F.split("s", ",").alias("parts"),
        F.regexp_replace("s", "[aeiou]", "_").alias("no_vowels"),
        F.regexp_extract("s", r"(\w+)\s(\w+)", 2).alias("second_word"),
        F.lpad(F.col("id").cast("string"), 4, "0").alias("padded"),
        F.instr("s", "o").alias("o_at"),
        F.initcap(F.lower("s")).alias("title"),
        F.reverse("s").alias("rev"),
        F.translate("s", "lo", "01").alias("tr"),
    )


@program()
def string_predicates(spark: Any, schema: str) -> Any:
    df = spark.createDataFrame([("apple",), ("Banana",), ("cherry pie",), (None,)], "s STRING")
    return df.select(
        "s",
        F.col("s").startswith("a").alias("sw"),
        F.col("s").endswith("pie").alias("ew"),
        F.col("s").contains("an").alias("has"),
        F.col("s").like("%e%").alias("lk"),
        F.col("s").rlike("^[A-Z]").alias("rl"),
        F.col("s").isin("apple", "cherry pie").alias("in_list"),
    )


@program()
def casts_between_types(spark: Any, schema: str) -> Any:
    df = spark.createDataFrame([("42", 3.7, True), ("-7", -3.7, False), (None, None, None)], "s STRING, x DOUBLE, b BOOLEAN")
    return df.select(
        F.col("s").cast("int").alias("s_int"),
        F.col("x").cast("int").alias("x_int"),
        F.col("x").cast("string").alias("x_str"),
        F.col("b").cast("int").alias("b_int"),
        F.col("b").cast("string").alias("b_str"),
        F.col("s").cast("double").alias("s_double"),
        F.format_number("x", 2).alias("fmt"),
    )


@program()
def bad_cast_in_ansi_mode(spark: Any, schema: str) -> Any:
    df = spark.createDataFrame([("12",), ("not a number",)], "s STRING")
    return df.select(F.col("s").cast("int").alias("n"))


@program()
def try_cast_sql(spark: Any, schema: str) -> Any:
    return spark.sql("SELECT try_cast('x1' AS INT) AS bad, try_cast('17' AS INT) AS good")
