"""dbutils.fs: the workspace's files and volumes, and nothing outside them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from brickyard.domain.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from brickyard.notebooks.files import FileInfo, WorkspaceFiles


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse"


@pytest.fixture
def fs(home: Path, warehouse: Path) -> WorkspaceFiles:
    return WorkspaceFiles(home, str(warehouse))


def test_paths_map_into_the_home_files_folder(fs: WorkspaceFiles, home: Path) -> None:
    fs.put("dbfs:/a/b.txt", "one")
    fs.put("/a/c.txt", "two")
    fs.put("a/d.txt", "three")
    fs.put(f"file:{home}/files/a/e.txt", "four")
    fs.put(f"file://{home}/files/a/./f.txt", "five")

    files = home / "files" / "a"
    assert sorted(p.name for p in files.iterdir()) == ["b.txt", "c.txt", "d.txt", "e.txt", "f.txt"]
    assert (files / "b.txt").read_text() == "one"
    assert fs.head(f"file:{files}/f.txt") == "five"


def test_volume_paths_map_into_the_warehouse(fs: WorkspaceFiles, warehouse: Path) -> None:
    fs.put("/Volumes/main/raw/landing/x.csv", "a,b\n1,2\n")

    local = warehouse / "volumes" / "main" / "raw" / "landing" / "x.csv"
    assert local.read_text() == "a,b\n1,2\n"
    assert fs.head("dbfs:/Volumes/main/raw/landing/x.csv") == "a,b\n1,2\n"
    [info] = fs.ls("/Volumes/main/raw/landing")
    assert info.path == "dbfs:/Volumes/main/raw/landing/x.csv"


def test_ls_lists_like_databricks(fs: WorkspaceFiles) -> None:
    assert fs.ls("dbfs:/") == []  # nothing written yet
    fs.put("dbfs:/data/b.txt", "12345")
    fs.mkdirs("dbfs:/data/sub")

    entries = fs.ls("dbfs:/data")

    assert [(e.path, e.name, e.size) for e in entries] == [
        ("dbfs:/data/b.txt", "b.txt", 5),
        ("dbfs:/data/sub/", "sub/", 0),
    ]
    assert entries[0].isFile()
    assert entries[1].isDir()
    assert entries[0].modificationTime > 1_600_000_000_000  # milliseconds
    assert fs.ls("/") == [FileInfo("dbfs:/data/", "data/", 0, entries[1].modificationTime)]
    assert [e.name for e in fs.ls("dbfs:/data/b.txt")] == ["b.txt"]
    with pytest.raises(NotFoundError, match="dbfs:/nope"):
        fs.ls("dbfs:/nope")


def test_head_reads_the_first_bytes(fs: WorkspaceFiles) -> None:
    fs.put("log.txt", "x" * 100_000)

    assert fs.head("log.txt") == "x" * 65536
    assert fs.head("log.txt", max_bytes=3) == "xxx"
    with pytest.raises(NotFoundError, match="missing.txt"):
        fs.head("missing.txt")
    fs.mkdirs("folder")
    with pytest.raises(InvalidInputError, match="is a directory"):
        fs.head("folder")


def test_put_overwrites_only_when_asked(fs: WorkspaceFiles) -> None:
    assert fs.put("dbfs:/note.txt", "first") is True

    with pytest.raises(AlreadyExistsError) as caught:
        fs.put("dbfs:/note.txt", "second")

    assert "dbfs:/note.txt" in str(caught.value)
    assert "overwrite=True" in str(caught.value)
    fs.put("dbfs:/note.txt", "second", overwrite=True)
    assert fs.head("dbfs:/note.txt") == "second"


def test_mkdirs_creates_parents_and_refuses_a_file(fs: WorkspaceFiles, home: Path) -> None:
    assert fs.mkdirs("dbfs:/a/b/c") is True
    assert fs.mkdirs("dbfs:/a/b/c") is True
    assert (home / "files" / "a" / "b" / "c").is_dir()
    fs.put("dbfs:/f", "")
    with pytest.raises(InvalidInputError, match="a file is there"):
        fs.mkdirs("dbfs:/f")


def test_cp_copies_files_and_directories_with_recurse(fs: WorkspaceFiles) -> None:
    fs.put("dbfs:/src/a.txt", "A")
    fs.put("dbfs:/src/deep/b.txt", "B")

    fs.cp("dbfs:/src/a.txt", "dbfs:/copy.txt")
    fs.mkdirs("dbfs:/into")
    fs.cp("dbfs:/src/a.txt", "dbfs:/into")
    with pytest.raises(InvalidInputError, match="recurse=True"):
        fs.cp("dbfs:/src", "dbfs:/tree")
    fs.cp("dbfs:/src", "/Volumes/main/default/vol/tree", recurse=True)

    assert fs.head("dbfs:/copy.txt") == "A"
    assert fs.head("dbfs:/into/a.txt") == "A"
    assert fs.head("/Volumes/main/default/vol/tree/deep/b.txt") == "B"
    assert fs.head("dbfs:/src/a.txt") == "A"
    with pytest.raises(InvalidInputError, match="into itself"):
        fs.cp("dbfs:/src", "dbfs:/src/deep/again", recurse=True)


def test_mv_moves_files_and_directories_with_recurse(fs: WorkspaceFiles) -> None:
    fs.put("dbfs:/a.txt", "A")
    fs.put("dbfs:/dir/b.txt", "B")

    fs.mv("dbfs:/a.txt", "dbfs:/moved/a.txt")
    with pytest.raises(InvalidInputError, match="recurse=True"):
        fs.mv("dbfs:/dir", "dbfs:/dir2")
    fs.mv("dbfs:/dir", "dbfs:/dir2", recurse=True)

    assert fs.head("dbfs:/moved/a.txt") == "A"
    assert fs.head("dbfs:/dir2/b.txt") == "B"
    assert {e.name for e in fs.ls("dbfs:/")} == {"moved/", "dir2/"}
    with pytest.raises(NotFoundError):
        fs.mv("dbfs:/a.txt", "dbfs:/b.txt")
    with pytest.raises(InvalidInputError, match="into itself"):
        fs.mv("dbfs:/dir2", "dbfs:/dir2/inner", recurse=True)


def test_rm_needs_recurse_for_a_non_empty_directory(fs: WorkspaceFiles) -> None:
    fs.put("dbfs:/d/x.txt", "x")
    fs.mkdirs("dbfs:/empty")

    with pytest.raises(
        InvalidInputError, match=r"'dbfs:/d' is a non-empty directory.*recurse=True"
    ):
        fs.rm("dbfs:/d")
    assert fs.rm("dbfs:/empty") is True
    assert fs.rm("dbfs:/d/x.txt") is True
    fs.put("dbfs:/d/y.txt", "y")
    assert fs.rm("dbfs:/d", recurse=True) is True
    assert fs.rm("dbfs:/d") is False
    assert fs.ls("dbfs:/") == []
    with pytest.raises(InvalidInputError, match="root"):
        fs.rm("dbfs:/", recurse=True)


@pytest.mark.parametrize(
    "path",
    [
        "dbfs:/../secret",
        "../secret",
        "a/../../secret",
        "/Volumes/main/default/vol/../../../../x",
        "file:/etc/passwd",
        "file:///etc/passwd",
        "file://otherhost/etc/passwd",
        "file:relative/x",
        "s3://bucket/x",
        "a\x00b",
    ],
)
def test_paths_outside_the_roots_are_refused(fs: WorkspaceFiles, home: Path, path: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        fs.head(path)

    message = str(caught.value)
    assert repr(path) in message
    assert f"dbfs:/... (in {home / 'files'})" in message
    assert "/Volumes/<catalog>/<schema>/<volume>/..." in message


def test_an_absolute_path_is_inside_the_files_folder(fs: WorkspaceFiles, home: Path) -> None:
    # As in Databricks, /etc/passwd is dbfs:/etc/passwd: never the machine's file.
    with pytest.raises(NotFoundError, match="/etc/passwd"):
        fs.head("/etc/passwd")
    fs.put("/etc/passwd", "mine")
    assert (home / "files" / "etc" / "passwd").read_text() == "mine"


def test_a_symlink_cannot_lead_outside(fs: WorkspaceFiles, home: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    fs.mkdirs("dbfs:/")
    os.symlink(outside, home / "files" / "escape")
    os.symlink(outside / "secret.txt", home / "files" / "secret-link")

    for path in ["dbfs:/escape/secret.txt", "dbfs:/secret-link", "dbfs:/escape"]:
        with pytest.raises(InvalidInputError, match="outside"):
            fs.head(path)
    with pytest.raises(InvalidInputError, match="outside"):
        fs.put("dbfs:/escape/new.txt", "x")
    with pytest.raises(InvalidInputError, match="outside"):
        fs.ls("dbfs:/escape")
    fs.put("dbfs:/into/x.txt", "mine")
    os.symlink(outside / "secret.txt", home / "files" / "into" / "secret.txt")
    fs.put("dbfs:/secret.txt", "overwritten?")
    with pytest.raises(InvalidInputError, match="outside"):
        fs.cp("dbfs:/secret.txt", "dbfs:/into")
    assert not (outside / "new.txt").exists()
    assert (outside / "secret.txt").read_text() == "secret"


def test_a_symlink_inside_the_roots_is_followed_and_rm_deletes_the_link(
    fs: WorkspaceFiles, home: Path
) -> None:
    fs.put("dbfs:/real/a.txt", "A")
    os.symlink(home / "files" / "real", home / "files" / "alias")

    assert fs.head("dbfs:/alias/a.txt") == "A"
    assert fs.rm("dbfs:/alias") is True
    assert fs.head("dbfs:/real/a.txt") == "A"


def test_volume_paths_need_a_volume(home: Path, tmp_path: Path) -> None:
    local = WorkspaceFiles(home, (tmp_path / "wh").as_uri())
    on_s3 = WorkspaceFiles(home, "s3://bucket/warehouse")  # volumes: tests/integration

    with pytest.raises(InvalidInputError, match=r"/Volumes/<catalog>/<schema>/<volume>"):
        local.put("/Volumes/main/default", "x")
    local.put("/Volumes/main/default/vol/f.txt", "x")
    assert (tmp_path / "wh" / "volumes" / "main" / "default" / "vol" / "f.txt").exists()
    with pytest.raises(InvalidInputError, match=r"/Volumes/<catalog>/<schema>/<volume>"):
        on_s3.ls("/Volumes/main/default")
    on_s3.put("dbfs:/still-works.txt", "ok")  # the home's files stay local
    assert on_s3.head("still-works.txt") == "ok"
