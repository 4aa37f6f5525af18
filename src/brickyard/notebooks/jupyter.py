"""JupyterLab for a workspace: its root the home's notebooks/ folder, the Brickyard kernel
the default, bound to 127.0.0.1 with a token."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path


def start_jupyter(home: Path, port: int, quiet: bool = False) -> subprocess.Popen[bytes]:
    """JupyterLab for workspace ``home`` in a process of its own; prints its URL."""
    from brickyard.home import init_home
    from brickyard.notebooks.kernelspec import KERNEL_NAME, ensure_kernel

    config = init_home(home)
    ensure_kernel()
    root = config.home / "notebooks"
    root.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
    ]
    if os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses without this
        command.append("--allow-root")
    env = {**os.environ, "BRICKYARD_HOME": str(config.home)}
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    print(
        f"JupyterLab: http://127.0.0.1:{port}/lab?token={token} (notebooks in {root})", flush=True
    )
    return process
