"""Demo content for `brickyard init --demo`: a small shop dataset made here, no downloads."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
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
    jobs = (("demo.py", DEMO_JOB), ("ml_demo.py", ML_DEMO_JOB), ("notebook_demo.py", NB_JOB))
    for file_name, source in jobs:
        path = ws.jobs.jobs_dir / file_name
        if not path.exists():  # a demo job the user has edited stays as it is
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source)
    _serve_demo_model(Path(ws.home) / "brickyard.toml")
    notebook = Path(ws.home) / "notebooks" / "explore_orders.ipynb"
    if not notebook.exists():
        from brickyard.notebooks.demo import write_demo_notebook

        write_demo_notebook(notebook)
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


def _serve_demo_model(config_file: Path) -> None:
    """Turn on the demo's serving endpoint (commented out in a new home's brickyard.toml): it
    waits, not ready, until the ml_demo job registers the model."""
    text = config_file.read_text(encoding="utf-8")
    commented = '# demo = "models:/demo_model@champion"'
    if commented in text:
        config_file.write_text(text.replace(commented, commented[2:], 1), encoding="utf-8")


# The notebook demo job: the demo notebook as a task, its exit value used downstream.
NB_JOB = '''"""Notebook demo job (written by `brickyard init --demo`): `brickyard jobs run notebook_demo --wait`."""

from brickyard import job, task
from brickyard.jobs import notebook_task


@job(params={"top": 3}, tags=["demo"], description="The demo notebook, scheduled")
def notebook_demo():
    best = notebook_task("explore", "explore_orders")

    @task
    def announce(category: str) -> str:
        print(f"best category: {category}")
        return category

    announce(best)
'''


# The ML demo job: features with Spark SQL, a model tracked and registered with MLflow, then
# batch scoring with it. Small on purpose (500 customers, a linear model): seconds to run.
ML_DEMO_JOB = '''"""ML demo job (written by `brickyard init --demo`): `brickyard jobs run ml_demo --wait`.

Customer features with Spark SQL, a scikit-learn model of their revenue tracked with MLflow
(experiment /jobs/ml_demo) and registered as demo_model@champion, then the customers scored
with it. Then: `brickyard models show demo_model`, and
`brickyard sql "SELECT * FROM main.default.demo_predictions LIMIT 5"`.
"""

from brickyard import job, task

FEATURES = "main.default.demo_features"
PREDICTIONS = "main.default.demo_predictions"
MODEL = "demo_model"
INPUTS = ["order_lines", "items", "categories", "tenure_days"]


@job(
    params={"alpha": 1.0},
    tags=["demo", "ml"],
    description="Customer features, a revenue model registered as demo_model, batch scoring",
)
def ml_demo():
    @task
    def features(ctx) -> str:
        ctx.spark().sql(
            f"""
            CREATE OR REPLACE TABLE {FEATURES} AS
            SELECT c.customer_id, c.region,
                   CAST(count(*) AS DOUBLE) AS order_lines,
                   CAST(sum(o.quantity) AS DOUBLE) AS items,
                   CAST(count(DISTINCT p.category) AS DOUBLE) AS categories,
                   CAST(datediff(DATE '2026-01-01', c.signup_date) AS DOUBLE) AS tenure_days,
                   CAST(sum(o.quantity * p.price) AS DOUBLE) AS revenue
            FROM main.default.customers c
            JOIN main.default.orders o ON o.customer_id = c.customer_id
            JOIN main.default.products p ON p.product_id = o.product_id
            GROUP BY c.customer_id, c.region, c.signup_date
            """
        )
        return FEATURES

    @task
    def train(ctx, features: str, alpha) -> dict:
        import brickyard

        mlflow = brickyard.mlflow()  # mlflow, pointed at this workspace: experiment /jobs/ml_demo
        import sklearn
        from mlflow.models import infer_signature
        from sklearn.linear_model import Ridge
        from sklearn.metrics import mean_absolute_error, r2_score
        from sklearn.model_selection import train_test_split
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        data = ctx.spark().table(features).toPandas()
        x_train, x_test, y_train, y_test = train_test_split(
            data[INPUTS], data["revenue"], test_size=0.25, random_state=42
        )
        params = {"alpha": float(alpha)}
        with mlflow.start_run(run_name=f"train (job run {ctx.run_id})") as run:
            model = make_pipeline(StandardScaler(), Ridge(**params)).fit(x_train, y_train)
            predicted = model.predict(x_test)
            metrics = {
                "r2": r2_score(y_test, predicted),
                "mae": mean_absolute_error(y_test, predicted),
            }
            mlflow.log_params(params)
            mlflow.log_metrics(metrics)
            logged = mlflow.sklearn.log_model(
                model,
                name="model",
                signature=infer_signature(x_train, predicted),
                registered_model_name=MODEL,
                # Stated, not inferred: inferring them runs the model in a subprocess (seconds).
                pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
            )
        version = logged.registered_model_version
        mlflow.MlflowClient().set_registered_model_alias(MODEL, "champion", version)
        ctx.log.info("%s version %s is the champion: %s", MODEL, version, metrics)
        return {"mlflow_run_id": run.info.run_id, "model_version": int(version), **metrics}

    @task
    def score(trained: dict) -> dict:
        from brickyard import ml

        return ml.score(f"models:/{MODEL}@champion", table=FEATURES, output=PREDICTIONS)

    score(train(features()))
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
