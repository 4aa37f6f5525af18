"""Committing Parquet files an engine wrote (Spark) to a Delta table in one transaction.

Spark writes into a staging folder of the warehouse; the files are then moved into the
table's folder (a rename on the same file system) and added to the Delta log by delta-rs.
Until that commit, no version of the table refers to them: a write killed midway leaves
only unreferenced files, and the table at its previous version.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
from pathlib import Path

from deltalake.transaction import AddAction

from brickyard.ports import StagedFiles


def move_into_table(staged: StagedFiles, table_folder: Path) -> list[AddAction]:
    """Move the staged files into ``table_folder``; their add actions for the Delta log."""
    actions = []
    for file in staged.files:
        source = Path(staged.root) / file.path
        target = table_folder / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        actions.append(
            AddAction(
                # Delta paths are URIs relative to the table root: escape what the name holds.
                path=urllib.parse.quote(file.path, safe="/="),
                size=file.size,
                partition_values=file.partition_values,
                modification_time=file.modification_time_ms,
                data_change=True,
                # Only the exact count: readers skip files on min/max stats, so none are guessed.
                stats=json.dumps({"numRecords": file.num_records}),
            )
        )
    return actions


def put_back(staged: StagedFiles, table_folder: Path) -> None:
    """After a failed commit: the moved files leave the table folder again."""
    for file in staged.files:
        moved = table_folder / file.path
        if moved.exists():
            moved.unlink()


def discard(staged: StagedFiles) -> None:
    shutil.rmtree(staged.root, ignore_errors=True)
