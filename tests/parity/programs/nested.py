"""Arrays, structs and maps: building, exploding, element access."""

from __future__ import annotations

from typing import Any

from pyspark.sql import functions as F  # noqa: N812

from tests.parity.registry import program


def baskets(spark: Any) -> Any:
    return spark.createDataFrame(
        [(1, ["apple", "pear"], {"a": 1, "b": 2}), (2, [], {}), (3, None, None), (4, ["fig", None], {"z": None})],
        "id INT, items ARRAY<STRING>, counts MAP<STRING,INT>",
    )


@program()
def build_nested(spark: Any, schema: str) -> Any:
    df = spark.createDataFrame([(1, "x", 2.0), (2, None, None)], "a INT, b STRING, c DOUBLE")
    return df.select(
        "a",
        F.array("a", F.lit(7)).alias("arr"),
        F.struct("a", "b").alias("st"),
        F.struct(F.col("c").alias("value"), F.lit("u").alias("unit")).alias("named"),
        F.create_map(F.lit("k"), F.col("a")).alias("m"),
    )


@program()
def explode_variants(spark: Any, schema: str) -> Any:
    df = baskets(spark)
    plain = df.select("id", F.explode("items").alias("item")).withColumn("how", F.lit("explode"))
    outer = df.select("id", F.explode_outer("items").alias("item")).withColumn("how", F.lit("outer"))
    return plain.unionByName(outer)


@program()
def posexplode_and_map_explode(spark: Any, schema: str) -> Any:
    df = baskets(spark)
    pos = df.select("id", F.posexplode("items"))
    kv = df.select("id", F.explode("counts")).withColumnRenamed("key", "k").withColumnRenamed("value", "v")
    return pos.join(kv, "id", "full")


@program()
def array_functions(spark: Any, schema: str) -> Any:
    df = baskets(spark)
    return df.select(
        "id",
        F.size("items").alias("n"),
        F.array_contains("items", "pear").alias("has_pear"),
        F.col("items")[0].alias("first"),
        F.element_at("items", -1).alias("last"),
        F.sort_array("items", asc=False).alias("desc"),
        F.array_distinct(F.concat("items", "items")).alias("distinct"),
        F.array_join("items", "|").alias("joined"),
        F.array_position("items", "pear").alias("pos"),
    )


@program()
def map_functions(spark: Any, schema: str) -> Any:
    df = baskets(spark)
    return df.select(
        "id",
        F.col("counts")["a"].alias("a"),
        F.element_at("counts", "z").alias("z"),
        F.sort_array(F.map_keys("counts")).alias("keys"),
        F.size("counts").alias("n"),
    )


@program()
def struct_fields(spark: Any, schema: str) -> Any:
    df = spark.createDataFrame(
        [(1, ("ann", 30)), (2, ("bob", None)), (3, None)],
        "id INT, person STRUCT<name: STRING, age: INT>",
    )
    return df.select(
        "id",
        F.col("person").getField("name").alias("name"),
        F.col("person.age").alias("age"),
        "person.*",
    )


@program()
def nested_in_groupby(spark: Any, schema: str) -> Any:
    df = spark.createDataFrame(
        [("a", 1, "x"), ("a", 2, "y"), ("b", 3, "z")], "k STRING, n INT, s STRING"
    )
    return df.groupBy("k").agg(
        F.sort_array(F.collect_list(F.struct("n", "s"))).alias("pairs"),
        F.map_from_arrays(F.sort_array(F.collect_list("s")), F.sort_array(F.collect_list("n"))).alias("m"),
    )
