"""Catalog tables by name: saveAsTable, INSERT, MERGE, DELETE, UPDATE, time travel.

Each program gets its own schema (``catalog.schema``) and runs with it as the current one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyspark.sql import functions as F  # noqa: N812

from tests.parity.registry import program


def accounts(spark: Any) -> Any:
    return spark.createDataFrame(
        [(1, "ann", Decimal("10.00")), (2, "bob", Decimal("20.50")), (3, "cy", None)],
        "id INT, owner STRING, balance DECIMAL(10,2)",
    )


@program(catalog=True)
def save_as_table_and_read(spark: Any, schema: str) -> Any:
    accounts(spark).write.mode("overwrite").saveAsTable(f"{schema}.accounts")
    accounts(spark).where("id = 1").write.mode("append").saveAsTable(f"{schema}.accounts")
    return spark.table(f"{schema}.accounts").groupBy("id").agg(F.count("*").alias("n"), F.sum("balance").alias("b"))


@program(catalog=True)
def sql_on_catalog_names(spark: Any, schema: str) -> Any:
    accounts(spark).write.saveAsTable(f"{schema}.accounts")
    spark.sql(f"INSERT INTO {schema}.accounts VALUES (4, 'dee', 1.25), (5, NULL, NULL)")
    spark.sql(f"INSERT INTO accounts SELECT id + 10, owner, balance * 2 FROM {schema}.accounts WHERE id < 3")
    return spark.sql(f"SELECT id, owner, balance FROM {schema}.accounts WHERE balance IS NOT NULL OR owner IS NULL")


@program(catalog=True)
def merge_update_insert_star(spark: Any, schema: str) -> Any:
    accounts(spark).write.saveAsTable(f"{schema}.target")
    spark.createDataFrame(
        [(2, "bob", Decimal("99.99")), (7, "gus", Decimal("7.00"))],
        "id INT, owner STRING, balance DECIMAL(10,2)",
    ).write.saveAsTable(f"{schema}.updates")
    spark.sql(
        f"""MERGE INTO {schema}.target t USING {schema}.updates u ON t.id = u.id
            WHEN MATCHED THEN UPDATE SET *
            WHEN NOT MATCHED THEN INSERT *"""
    )
    return spark.table(f"{schema}.target")


@program(catalog=True)
def merge_conditional_and_delete(spark: Any, schema: str) -> Any:
    accounts(spark).write.saveAsTable(f"{schema}.target")
    spark.createDataFrame(
        [(1, "ann", Decimal("0.00")), (2, "bob", Decimal("5.00")), (8, "hal", Decimal("8.00"))],
        "id INT, owner STRING, balance DECIMAL(10,2)",
    ).createOrReplaceTempView("changes")
    spark.sql(
        f"""MERGE INTO {schema}.target AS t USING changes AS c ON t.id = c.id
            WHEN MATCHED AND c.balance = 0 THEN DELETE
            WHEN MATCHED THEN UPDATE SET t.balance = t.balance + c.balance
            WHEN NOT MATCHED THEN INSERT (id, owner, balance) VALUES (c.id, upper(c.owner), c.balance)"""
    )
    return spark.table(f"{schema}.target")


@program(catalog=True)
def delete_and_update(spark: Any, schema: str) -> Any:
    accounts(spark).write.saveAsTable(f"{schema}.accounts")
    spark.sql(f"DELETE FROM {schema}.accounts WHERE balance IS NULL")
    spark.sql(f"UPDATE {schema}.accounts SET balance = balance * 2, owner = concat(owner, '!') WHERE id = 2")
    return spark.table(f"{schema}.accounts")


@program(catalog=True)
def time_travel(spark: Any, schema: str) -> Any:
    name = f"{schema}.history"
    accounts(spark).write.saveAsTable(name)  # version 0
    spark.sql(f"DELETE FROM {name} WHERE id = 1")  # version 1
    spark.sql(f"UPDATE {name} SET balance = 0 WHERE id = 2")  # version 2
    v0 = spark.sql(f"SELECT 'v0' AS v, * FROM {name} VERSION AS OF 0")
    v1 = spark.read.option("versionAsOf", 1).table(name).select(F.lit("v1").alias("v"), "*")
    now = spark.table(name).select(F.lit("now").alias("v"), "*")
    return v0.unionByName(v1).unionByName(now)


@program(catalog=True)
def ctas_and_overwrite(spark: Any, schema: str) -> Any:
    accounts(spark).createOrReplaceTempView("src")
    spark.sql(f"CREATE TABLE {schema}.rich AS SELECT id, owner FROM src WHERE balance > 15")
    spark.sql(f"INSERT OVERWRITE {schema}.rich SELECT id, upper(owner) FROM src WHERE balance IS NOT NULL")
    return spark.sql(f"SELECT * FROM {schema}.rich")
