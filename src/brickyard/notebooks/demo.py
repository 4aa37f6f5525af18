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
