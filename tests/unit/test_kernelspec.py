"""The kernel spec is installed atomically, and left alone when it is already right: kernels
that start meanwhile (another `brickyard notebook run`, another test process) never find a
half-written or missing spec."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

from brickyard.notebooks.kernelspec import DISPLAY_NAME, KERNEL_NAME, install_kernel


def test_install_writes_a_spec_jupyter_finds(tmp_path: Path) -> None:
    folder = install_kernel(prefix=str(tmp_path))
    assert sorted(p.name for p in folder.iterdir()) == ["kernel.json"]
    manager = KernelSpecManager(kernel_dirs=[str(tmp_path / "share" / "jupyter" / "kernels")])
    spec = manager.get_kernel_spec(KERNEL_NAME)
    assert spec.display_name == DISPLAY_NAME
    assert spec.argv[:3] == [sys.executable, "-m", "brickyard.notebooks.kernel"]


def test_an_unchanged_spec_is_not_rewritten_and_a_stale_one_is_replaced(tmp_path: Path) -> None:
    spec_file = install_kernel(prefix=str(tmp_path)) / "kernel.json"
    inode = spec_file.stat().st_ino
    install_kernel(prefix=str(tmp_path))
    assert spec_file.stat().st_ino == inode  # not deleted and copied again

    spec_file.write_text(json.dumps({"argv": ["/old/python"], "display_name": "old"}))
    install_kernel(prefix=str(tmp_path))
    assert json.loads(spec_file.read_text())["argv"][0] == sys.executable
    assert sorted(p.name for p in spec_file.parent.iterdir()) == ["kernel.json"]
