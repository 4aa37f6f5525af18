"""Dates and timestamps: parsing, arithmetic, formatting, parts, time zones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyspark.sql import functions as F  # noqa: N812

from tests.parity.registry import program


def events(spark: Any) -> Any:
    return spark.createDataFrame(
        [
            (1, "2024-01-31", "2024-01-31 23:30:00"),
            (2, "2024-02-29", "2024-03-10 06:59:59"),
            (3, "1999-12-31", "2000-01-01 00:00:00"),
            (4, None, None),
        ],
        "id INT, d STRING, ts STRING",
    )


@program()
def date_functions(spark: Any, schema: str) -> Any:
    df = events(spark).withColumn("day", F.to_date("d"))
    return df.select(
        "id",
        "day",
        F.date_add("day", 1).alias("next_day"),
        F.date_sub("day", 31).alias("month_ago"),
        F.add_months("day", 1).alias("next_month"),
        F.datediff(F.lit("2024-12-25").cast("date"), "day").alias("to_xmas"),
        F.year("day").alias("y"),
        F.month("day").alias("m"),
        F.dayofmonth("day").alias("dom"),
        F.dayofweek("day").alias("dow"),
        F.dayofyear("day").alias("doy"),
        F.weekofyear("day").alias("woy"),
        F.quarter("day").alias("q"),
        F.last_day("day").alias("eom"),
        F.trunc("day", "month").alias("month_start"),
        F.date_format("day", "yyyy/MM/dd").alias("formatted"),
    )


@program()
def to_date_with_format(spark: Any, schema: str) -> Any:
    df = spark.createDataFrame([("31.01.2024",), ("01.12.1999",), (None,)], "s STRING")
    return df.select(
        "s",
        F.to_date("s", "dd.MM.yyyy").alias("d"),
        F.to_timestamp(F.concat("s", F.lit(" 10:11:12")), "dd.MM.yyyy HH:mm:ss").alias("ts"),
    )


@program()
def timestamp_functions_utc(spark: Any, schema: str) -> Any:
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    df = events(spark).withColumn("t", F.to_timestamp("ts"))
    return df.select(
        "id",
        "t",
        F.hour("t").alias("h"),
        F.minute("t").alias("mi"),
        F.second("t").alias("s"),
        F.unix_timestamp("t").alias("epoch"),
        F.date_format("t", "yyyy-MM-dd HH:mm:ss").alias("text"),
        F.date_trunc("hour", "t").alias("hour_start"),
        F.to_date("t").alias("day"),
        F.from_unixtime(F.lit(86400 * 365)).alias("from_epoch"),
    )


@program()
def session_time_zone(spark: Any, schema: str) -> Any:
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    df = events(spark).withColumn("t", F.to_timestamp("ts"))
    return df.select(
        "id",
        F.unix_timestamp("t").alias("epoch"),
        F.date_format("t", "yyyy-MM-dd HH:mm").alias("local_text"),
        F.hour("t").alias("local_hour"),
        F.date_format(F.from_unixtime(F.lit(0)), "yyyy-MM-dd HH:mm").alias("epoch_text"),
    )


@program()
def utc_conversions(spark: Any, schema: str) -> Any:
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    df = events(spark).withColumn("t", F.to_timestamp("ts"))
    return df.select(
        "id",
        F.from_utc_timestamp("t", "Europe/Paris").alias("paris"),
        F.to_utc_timestamp("t", "America/Los_Angeles").alias("from_la"),
        F.date_format(F.from_utc_timestamp("t", "Asia/Kolkata"), "HH:mm").alias("kolkata_time"),
    )


@program()
def timestamps_from_python(spark: Any, schema: str) -> Any:
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    df = spark.createDataFrame(
        [(dt.datetime(2024, 5, 1, 8, 0, 0), dt.date(2024, 5, 1))], "t TIMESTAMP, d DATE"
    )
    return df.select(
        "t",
        "d",
        (F.col("t") + F.expr("INTERVAL 90 MINUTES")).alias("later"),
        F.col("t").cast("string").alias("t_text"),
        F.col("d").cast("timestamp").alias("d_ts"),
        F.col("t").cast("date").alias("t_day"),
        F.col("t").cast("long").alias("t_epoch"),
    )
