"""Demo content for `brickyard init --demo`: a small shop dataset made here, no downloads."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from brickyard.workspace import Workspace

SCHEMA = "main.default"
_REGIONS = ["EU", "US", "APAC", "LATAM"]
_CATEGORIES = ["books", "games", "garden", "kitchen", "music", "toys"]


def seed_demo(ws: Workspace, customers: int = 500, orders: int = 5_000) -> list[str]:
    """Create the demo tables that are missing; returns the full names created."""
    rng = random.Random(42)  # deterministic: the same demo everywhere
    created = []
    tables = {
        "customers": (
            _customers(rng, customers),
            "Shop customers (demo data)",
            {"domain": "sales"},
        ),
        "products": (_products(rng), "Product catalogue (demo data)", {"domain": "sales"}),
        "orders": (
            _orders(rng, orders, customers),
            "One row per order line (demo data)",
            {"domain": "sales", "pii": "false"},
        ),
    }
    for name, (data, comment, tags) in tables.items():
        full = f"{SCHEMA}.{name}"
        if not ws.catalog.table_exists(full):
            ws.catalog.create_table(full, data, comment=comment, tags=tags)
            created.append(full)
    demo_job = ws.jobs.jobs_dir / "demo.py"
    if not demo_job.exists():
        demo_job.parent.mkdir(parents=True, exist_ok=True)
        demo_job.write_text(DEMO_JOB)
    return created


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


def _customers(rng: random.Random, n: int) -> pa.Table:
    first = ["Ada", "Alan", "Grace", "Linus", "Edsger", "Barbara", "Donald", "Frances"]
    last = ["Lovelace", "Turing", "Hopper", "Torvalds", "Dijkstra", "Liskov", "Knuth", "Allen"]
    start = date(2024, 1, 1)
    return pa.table(
        {
            "customer_id": pa.array(range(1, n + 1), pa.int64()),
            "name": [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(n)],
            "region": [rng.choice(_REGIONS) for _ in range(n)],
            "signup_date": [start + timedelta(days=rng.randrange(700)) for _ in range(n)],
        }
    )


def _products(rng: random.Random) -> pa.Table:
    n = 60
    return pa.table(
        {
            "product_id": pa.array(range(1, n + 1), pa.int64()),
            "category": [_CATEGORIES[i % len(_CATEGORIES)] for i in range(n)],
            "name": [f"{_CATEGORIES[i % len(_CATEGORIES)]}-item-{i + 1}" for i in range(n)],
            "price": pa.array(
                [Decimal(rng.randrange(199, 9999)) / 100 for _ in range(n)], pa.decimal128(10, 2)
            ),
        }
    )


def _orders(rng: random.Random, n: int, customers: int) -> pa.Table:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return pa.table(
        {
            "order_id": pa.array(range(1, n + 1), pa.int64()),
            "customer_id": pa.array([rng.randint(1, customers) for _ in range(n)], pa.int64()),
            "product_id": pa.array([rng.randint(1, 60) for _ in range(n)], pa.int64()),
            "quantity": pa.array([rng.randint(1, 5) for _ in range(n)], pa.int32()),
            "ordered_at": pa.array(
                [start + timedelta(minutes=rng.randrange(300 * 24 * 60)) for _ in range(n)],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )
