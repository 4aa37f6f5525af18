"""Spark SQL on temporary views: CTEs, subqueries, CASE, window SQL, ROLLUP/CUBE."""

from __future__ import annotations

from typing import Any

from tests.parity.registry import program


def views(spark: Any) -> None:
    spark.createDataFrame(
        [(1, "eng", 100, "2024-01-05"), (2, "eng", 80, "2024-02-11"), (3, "ops", 60, "2024-02-20"),
         (4, "ops", None, "2024-03-01"), (5, None, 50, None)],
        "id INT, dept STRING, salary INT, hired STRING",
    ).createOrReplaceTempView("emp")
    spark.createDataFrame(
        [("eng", "Engineering"), ("ops", "Operations"), ("hr", "People")], "dept STRING, title STRING"
    ).createOrReplaceTempView("dept")


@program()
def sql_cte_join_case(spark: Any, schema: str) -> Any:
    views(spark)
    return spark.sql(
        """
        WITH paid AS (SELECT * FROM emp WHERE salary IS NOT NULL)
        SELECT d.title,
               count(*) AS n,
               sum(p.salary) AS total,
               CASE WHEN sum(p.salary) > 150 THEN 'big' ELSE 'small' END AS size
        FROM paid p LEFT JOIN dept d ON p.dept = d.dept
        GROUP BY d.title
        """
    )


@program()
def sql_subqueries(spark: Any, schema: str) -> Any:
    views(spark)
    return spark.sql(
        """
        SELECT id, salary,
               (SELECT max(salary) FROM emp) AS top,
               salary > (SELECT avg(salary) FROM emp e2 WHERE e2.dept = emp.dept) AS above_dept_avg
        FROM emp
        WHERE dept IN (SELECT dept FROM dept) AND EXISTS (SELECT 1 FROM dept WHERE dept.dept = emp.dept)
        """
    )


@program(ordered=True)
def sql_window(spark: Any, schema: str) -> Any:
    views(spark)
    return spark.sql(
        """
        SELECT id, dept, salary,
               row_number() OVER (PARTITION BY dept ORDER BY salary DESC NULLS LAST) AS rn,
               sum(salary) OVER (PARTITION BY dept ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
               lag(salary) OVER (ORDER BY id) AS prev
        FROM emp ORDER BY id
        """
    )


@program()
def sql_rollup_cube(spark: Any, schema: str) -> Any:
    views(spark)
    return spark.sql(
        """
        SELECT dept, substr(hired, 1, 7) AS month, sum(salary) AS total, count(*) AS n
        FROM emp GROUP BY ROLLUP (dept, substr(hired, 1, 7))
        UNION ALL
        SELECT dept, 'cube' AS month, sum(salary), grouping(dept)
        FROM emp GROUP BY CUBE (dept)
        """
    )


@program()
def sql_unnamed_expressions(spark: Any, schema: str) -> Any:
    views(spark)
    return spark.sql(
        "SELECT dept, count(*), count(DISTINCT salary), sum(salary), avg(salary), "
        "max(id) + 1, upper(dept), coalesce(salary, 0) FROM emp GROUP BY dept, salary"
    )


@program()
def sql_functions_and_literals(spark: Any, schema: str) -> Any:
    return spark.sql(
        "SELECT 1 + 1, 7 / 2 AS div, 7 DIV 2 AS idiv, 7 % 3 AS modulo, 2 * 3.0 AS mixed, "
        "'a' || 'b' AS cat, nvl(NULL, 'x') AS n, if(1 > 0, 'yes', 'no') AS i, "
        "array(1, 2, 3) AS arr, named_struct('x', 1, 'y', 'z') AS st, map('k', 1) AS m, "
        "DATE '2024-02-29' + 1 AS next_day, TIMESTAMP '2024-01-01 10:00:00' AS ts, "
        "CAST('2024-01-01' AS DATE) AS d, greatest(1, 5, 3) AS g, least('b', 'a') AS l"
    )


@program()
def sql_explode_lateral_view(spark: Any, schema: str) -> Any:
    spark.createDataFrame([(1, [1, 2]), (2, [])], "id INT, xs ARRAY<INT>").createOrReplaceTempView("t")
    return spark.sql(
        "SELECT id, x FROM t LATERAL VIEW OUTER explode(xs) e AS x"
    )
