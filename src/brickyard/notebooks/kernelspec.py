"""Installing the "Brickyard (Python)" kernel spec into this environment."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "brickyard"
DISPLAY_NAME = "Brickyard (Python)"


def kernel_spec() -> dict[str, object]:
    return {
        "argv": [sys.executable, "-m", "brickyard.notebooks.kernel", "-f", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": True},
    }


def install_kernel(prefix: str | None = None) -> Path:
    """Install (or refresh) the kernel spec under ``prefix`` (default: this environment);
    where it went."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "kernel.json").write_text(json.dumps(kernel_spec(), indent=1))
        where = KernelSpecManager().install_kernel_spec(
            folder, KERNEL_NAME, prefix=prefix or sys.prefix
        )
    return Path(where)


def ensure_kernel() -> None:
    """Install the kernel spec if this environment does not have it (or has a stale one)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        install_kernel()
        return
    if spec.argv[:1] != [sys.executable]:
        install_kernel()
