"""The demo notebook ``brickyard init --demo`` puts in the home's notebooks folder."""

from __future__ import annotations

from pathlib import Path


def write_demo_notebook(path: Path) -> None:
    """The demo notebook: explore the demo orders with SQL, chart the top categories."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [
        new_markdown_cell(
            "# Explore the demo orders\n"
            "Revenue by product category; the `top` widget says how many to chart. "
            "Run it with `brickyard notebook run notebooks/explore_orders.ipynb --param top=3`, "
            "or as the `explore` task of the `notebook_demo` job."
        ),
        new_code_cell('dbutils.widgets.text("top", "5")\ntop = int(dbutils.widgets.get("top"))'),
        new_code_cell(
            "%%sql revenue\n"
            "SELECT p.category, sum(o.quantity * p.price) AS revenue, count(*) AS order_lines\n"
            "FROM main.default.orders o JOIN main.default.products p "
            "ON o.product_id = p.product_id\n"
            "GROUP BY p.category ORDER BY revenue DESC"
        ),
        new_code_cell(
            "best = revenue.limit(top).toPandas().astype({'revenue': float})\n"
            "ax = best.plot.bar(x='category', y='revenue', legend=False,\n"
            "                   title=f'Top {top} categories by revenue')\n"
            "ax.set_ylabel('revenue');"
        ),
        new_code_cell('dbutils.notebook.exit(best.iloc[0]["category"])'),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "brickyard",
        "display_name": "Brickyard (Python)",
        "language": "python",
    }
    nbformat.write(nb, str(path))


# The demo job: SQL on the demo tables, then Python tasks passing values downstream.
DEMO_JOB = '''"""Demo job (written by `brickyard init --demo`): run it with `brickyard jobs run demo --wait`."""

from brickyard import job, task
from brickyard.jobs import sql_task


@job(params={"top": 3}, tags=["demo"], description="Revenue by category, then the top ones")
def demo():
    revenue = sql_task(
        "revenue_by_category",
        """
        CREATE OR REPLACE TABLE main.default.revenue_by_category AS
        SELECT p.category, sum(o.quantity * p.price) AS revenue, count(*) AS order_lines
        FROM main.default.orders o JOIN main.default.products p ON o.product_id = p.product_id
        GROUP BY p.category
        """,
    )

    @task(retries=1, retry_delay=1)
    def top_categories(ctx, top) -> list:
        rows = (
            ctx.spark()
            .table("main.default.revenue_by_category")
            .orderBy("revenue", ascending=False)
            .limit(int(top))
            .collect()
        )
        ctx.log.info("top %s categories: %s", top, [r.category for r in rows])
        return [{"category": r.category, "revenue": str(r.revenue)} for r in rows]

    @task
    def report(best: list) -> str:
        lines = [f"{i}. {row['category']}: {row['revenue']}" for i, row in enumerate(best, 1)]
        print("\\n".join(lines))
        return lines[0] if lines else "no sales"

    best = top_categories()
    revenue >> best
    report(best)
'''
