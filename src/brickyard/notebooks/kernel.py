"""``python -m brickyard.notebooks.kernel -f CONNECTION_FILE``: the "Brickyard (Python)"
Jupyter kernel: IPython's kernel, then Brickyard's start-up in its namespace.

The start-up runs directly, not as a configured IPython extension: IPython only warns when
an extension fails, and a kernel without its ``spark`` should not look ready.
"""

from __future__ import annotations

import sys


def main() -> None:
    from ipykernel.kernelapp import IPKernelApp

    from brickyard.notebooks.startup import load_ipython_extension

    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    load_ipython_extension(app.shell)
    app.start()


if __name__ == "__main__":
    main()
