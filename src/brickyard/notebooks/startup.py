"""The Brickyard kernel's start-up (an IPython extension): ``spark``, ``display``,
``dbutils`` and ``brickyard`` ready in the namespace, ``%sql``/``%%sql`` registered, mlflow
pointed at the workspace.

The session starts in a thread while the kernel comes up, so the kernel is ready at once and
the first cell using ``spark`` waits only for what is left of that start.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from brickyard.config import default_home


class SparkHandle:
    """``spark`` in a notebook: the workspace's session, started in the background."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._session: Any = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._start, name="brickyard-spark", daemon=True).start()

    def _start(self) -> None:
        try:
            import brickyard

            self._session = brickyard.spark(home=self._home)
        except BaseException as exc:  # shown on first use
            self._error = exc
        finally:
            self._ready.set()

    def session(self) -> Any:
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._session

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session(), name)

    def __repr__(self) -> str:
        if not self._ready.is_set():
            return "<spark: starting>"
        return repr(self._session) if self._error is None else f"<spark: failed: {self._error}>"


def display(obj: Any, *args: Any, **kwargs: Any) -> None:
    """Tables (Spark/pandas/Arrow) as an HTML table with types and row count; anything else
    (matplotlib and plotly figures, images) as IPython displays it."""
    from IPython.display import display as ipython_display
    from IPython.display import publish_display_data

    from brickyard.notebooks.display import render

    bundle = render(obj)
    if bundle is None:
        ipython_display(obj, *args, **kwargs)
    else:
        publish_display_data(bundle)


def load_ipython_extension(ip: Any) -> None:
    import brickyard
    from brickyard.home import init_home
    from brickyard.ml.client import point_mlflow_at
    from brickyard.notebooks.dbutils import DBUtils, NotebookExit
    from brickyard.notebooks.magics import register_sql_magics

    config = init_home(default_home())
    point_mlflow_at(config)
    spark = SparkHandle(config.home)
    ip.user_ns.update(
        spark=spark,
        display=display,
        dbutils=DBUtils(config.home, config.warehouse, config.storage_options),
        brickyard=brickyard,
    )
    register_sql_magics(ip, spark.session, display)

    def on_exit(shell: Any, etype: Any, value: Any, tb: Any, tb_offset: Any = None) -> None:
        print(f"Notebook exited: {value}")  # an ending, not an error

    ip.set_custom_exc((NotebookExit,), on_exit)
