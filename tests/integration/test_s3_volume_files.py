"""``dbutils.fs`` on the volumes of a warehouse on S3 (moto's S3 server, started by the tests):
the same calls as on a local warehouse, on keys under ``<warehouse>/volumes/``."""

from __future__ import annotations

import uuid
from pathlib import Path

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
