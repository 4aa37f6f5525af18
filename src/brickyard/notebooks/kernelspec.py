"""Installing the "Brickyard (Python)" kernel spec into this environment."""

from __future__ import annotations

import json
import os
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
    where it went.

    ``kernel.json`` is replaced atomically and only when it changes (Jupyter's own installer
    deletes the folder and copies it again): kernels starting meanwhile, in this process or
    another, always read a whole spec.
    """
    folder = Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    wanted = json.dumps(kernel_spec(), indent=1)
    current = folder / "kernel.json"
    if current.is_file() and current.read_text() == wanted:
        return folder
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False) as new:
        new.write(wanted)
    os.replace(new.name, current)
    return folder


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
