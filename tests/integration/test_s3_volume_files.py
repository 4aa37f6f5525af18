"""``dbutils.fs`` on the volumes of a warehouse on S3 (moto's S3 server, started by the tests):
the same calls as on a local warehouse, on keys under ``<warehouse>/volumes/``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from brickyard.domain.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from brickyard.notebooks.files import WorkspaceFiles
from tests.integration import servers

pytestmark = pytest.mark.s3

s3_server = servers.s3_server
VOL = "/Volumes/main/default/landing"


@pytest.fixture
def warehouse() -> str:
    return f"s3://{servers.S3_BUCKET}/wh-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def fs(tmp_path: Path, s3_server: servers.S3Server, warehouse: str) -> WorkspaceFiles:
    return WorkspaceFiles(tmp_path / "home", warehouse, s3_server.options)


def _prefix(warehouse: str) -> str:
    return warehouse.split("/", 3)[3] + "/volumes/main/default/landing/"


def test_put_ls_head_and_rm_on_an_s3_volume(
    fs: WorkspaceFiles, s3_server: servers.S3Server, warehouse: str
) -> None:
    assert fs.put(f"{VOL}/raw/a.csv", "id,x\n1,2\n")
    assert fs.put(f"dbfs:{VOL}/b.txt", "bee")
    assert sorted(s3_server.keys(_prefix(warehouse))) == [
        _prefix(warehouse) + "b.txt",
        _prefix(warehouse) + "raw/a.csv",
    ]
    listed = fs.ls(VOL)
    assert [(f.name, f.isDir(), f.size) for f in listed] == [("b.txt", False, 3), ("raw/", True, 0)]
    assert listed[0].path == "dbfs:/Volumes/main/default/landing/b.txt"
    assert listed[0].modificationTime > 0
    assert [f.name for f in fs.ls(f"{VOL}/raw/a.csv")] == ["a.csv"]
    assert fs.head(f"{VOL}/raw/a.csv", 4) == "id,x"

    with pytest.raises(AlreadyExistsError, match="overwrite=True"):
        fs.put(f"{VOL}/b.txt", "again")
    fs.put(f"{VOL}/b.txt", "again", overwrite=True)
    assert fs.head(f"{VOL}/b.txt") == "again"
    with pytest.raises(InvalidInputError, match="is a directory"):
        fs.head(f"{VOL}/raw")
    with pytest.raises(NotFoundError, match="no file or directory"):
        fs.ls(f"{VOL}/nothing")
    with pytest.raises(InvalidInputError, match="recurse=True"):
        fs.rm(f"{VOL}/raw")
    assert fs.rm(f"{VOL}/raw", recurse=True)
    assert fs.rm(f"{VOL}/nothing") is False
    assert [f.name for f in fs.ls(VOL)] == ["b.txt"]
    with pytest.raises(InvalidInputError, match="a file is there"):
        fs.mkdirs(f"{VOL}/b.txt")
    assert fs.mkdirs(f"{VOL}/empty")  # an object store has no empty directories


def test_cp_and_mv_within_s3_and_to_and_from_the_home_files(fs: WorkspaceFiles) -> None:
    fs.put("dbfs:/local/one.txt", "1")
    fs.put("dbfs:/local/sub/two.txt", "2")
    with pytest.raises(InvalidInputError, match="recurse=True"):
        fs.cp("dbfs:/local", f"{VOL}/copied")
    assert fs.cp("dbfs:/local", f"{VOL}/copied", recurse=True)  # a directory, up
    assert fs.head(f"{VOL}/copied/sub/two.txt") == "2"
    fs.mkdirs("dbfs:/down")
    assert fs.cp(f"{VOL}/copied/one.txt", "dbfs:/down")  # a file, down, into a directory
    assert fs.head("dbfs:/down/one.txt") == "1"
    assert fs.mv(f"{VOL}/copied", f"{VOL}/moved", recurse=True)  # within the store
    assert [f.name for f in fs.ls(VOL)] == ["moved/"]
    assert fs.head(f"{VOL}/moved/sub/two.txt") == "2"
    with pytest.raises(InvalidInputError, match="into itself"):
        fs.cp(f"{VOL}/moved", f"{VOL}/moved/inner", recurse=True)
    assert fs.mv("dbfs:/down/one.txt", f"{VOL}/up.txt")
    assert fs.ls("dbfs:/down") == []
    assert fs.head(f"{VOL}/up.txt") == "1"


def test_s3_volume_paths_are_checked_like_local_ones(fs: WorkspaceFiles) -> None:
    with pytest.raises(InvalidInputError, match=r"/Volumes/<catalog>/<schema>/<volume>"):
        fs.put("/Volumes/main/default", "x")
    with pytest.raises(InvalidInputError, match="'..' is not allowed"):
        fs.ls(f"{VOL}/../../other/secret")
    with pytest.raises(InvalidInputError, match="scheme"):
        fs.ls("s3://elsewhere/key")


def test_moving_or_copying_onto_itself_is_refused_and_loses_nothing(fs: WorkspaceFiles) -> None:
    fs.put(f"{VOL}/d/a.csv", "a")
    for src, dst, recurse in (
        (f"{VOL}/d/a.csv", f"{VOL}/d/a.csv", False),
        (f"{VOL}/d/a.csv", f"{VOL}/d/", False),  # into its own folder: the same key
        (f"{VOL}/d", f"{VOL}/d", True),
    ):
        with pytest.raises(InvalidInputError, match="same file|into itself"):
            fs.mv(src, dst, recurse=recurse)
        with pytest.raises(InvalidInputError, match="same file|into itself"):
            fs.cp(src, dst, recurse=recurse)
    assert fs.head(f"{VOL}/d/a.csv") == "a"


def test_links_in_the_home_files_cannot_lead_a_copy_out(fs: WorkspaceFiles, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    files = tmp_path / "home" / "files"
    (files / "out").mkdir(parents=True)
    (files / "out" / "a.csv").symlink_to(outside)
    fs.put(f"{VOL}/a.csv", "from s3")
    with pytest.raises(InvalidInputError, match="outside the allowed roots"):
        fs.cp(f"{VOL}/a.csv", "dbfs:/out")  # would write through the link
    assert outside.read_text() == "secret"
    with pytest.raises(InvalidInputError, match="outside the allowed roots"):
        fs.cp("dbfs:/out", f"{VOL}/up", recurse=True)  # would upload what the link points at
    assert [f.name for f in fs.ls(VOL)] == ["a.csv"]  # nothing went up


def test_a_failed_upload_leaves_the_object_as_it_was(
    fs: WorkspaceFiles, s3_server: servers.S3Server, warehouse: str
) -> None:
    from brickyard.notebooks.volume_store import VolumeStore

    fs.put(f"{VOL}/kept.txt", "GOOD")
    store = VolumeStore(warehouse, s3_server.options)

    def failing() -> Any:
        yield b"partial"
        raise OSError("the source broke")

    with pytest.raises(OSError, match="the source broke"):
        store.write("main/default/landing/kept.txt", failing())
    assert fs.head(f"{VOL}/kept.txt") == "GOOD"
    assert s3_server.keys(warehouse.split("/", 3)[3] + "/volumes/_uploads") == []


def test_an_empty_volume_lists_nothing_and_moving_the_files_root_is_refused_first(
    fs: WorkspaceFiles,
) -> None:
    assert fs.ls("/Volumes/main/default/new_volume") == []
    fs.put("dbfs:/keep.txt", "k")
    with pytest.raises(InvalidInputError, match="cannot move it"):
        fs.mv("dbfs:/", f"{VOL}/home", recurse=True)
    assert fs.ls(VOL) == []  # nothing was copied before the refusal


@pytest.mark.slow
def test_a_notebook_writes_and_lists_an_s3_volume(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    s3_server: servers.S3Server,
    warehouse: str,
) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from brickyard.notebooks.runner import run_notebook

    home = tmp_path / "home"
    home.mkdir()
    options = "\n".join(f'{key} = "{value}"' for key, value in s3_server.options.items())
    (home / "brickyard.toml").write_text(
        f'[storage]\nwarehouse = "{warehouse}/"\n\n[storage.options]\n{options}\n'
    )
    monkeypatch.setenv("BRICKYARD_HOME", str(home))
    notebook = new_notebook(
        cells=[
            new_code_cell(f'dbutils.fs.put("{VOL}/from_notebook.txt", "hello s3")'),
            new_code_cell(f'print([f.name for f in dbutils.fs.ls("{VOL}")])'),
        ]
    )
    nbformat.write(notebook, str(tmp_path / "volumes.ipynb"))
    result = run_notebook(tmp_path / "volumes.ipynb", timeout_s=120)
    assert result.ok, result.error
    assert "['from_notebook.txt']" in result.notebook.cells[1].outputs[0]["text"]
    assert s3_server.keys(_prefix(warehouse)) == [_prefix(warehouse) + "from_notebook.txt"]
