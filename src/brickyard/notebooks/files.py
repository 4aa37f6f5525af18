"""``dbutils.fs``: the workspace's files, under the paths Databricks notebooks use.

Two roots, nothing outside them:

- ``dbfs:/a/b``, ``/a/b`` and ``a/b`` are ``<home>/files/a/b``;
- ``/Volumes/<catalog>/<schema>/<volume>/...`` (or ``dbfs:/Volumes/...``) is
  ``<warehouse>/volumes/<catalog>/<schema>/<volume>/...``: a folder on a local warehouse, keys
  on an object-store one (``volume_store.py``, with the warehouse's storage options).

``file:/...`` names a local path, which must be inside one of the roots. Paths are checked after
symlinks are followed, so a link cannot lead out of a root.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from brickyard.domain.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from brickyard.notebooks.volume_store import CHUNK_BYTES, VolumeStore

HEAD_BYTES = 65536
VOLUMES = "/Volumes"


@dataclass(frozen=True)
class FileInfo:
    """One entry of ``ls``, as Databricks returns it: directories end with ``/``."""

    path: str
    name: str
    size: int
    modificationTime: int  # noqa: N815 (Databricks' name), milliseconds since the epoch

    def isDir(self) -> bool:  # noqa: N802
        return self.name.endswith("/")

    def isFile(self) -> bool:  # noqa: N802
        return not self.isDir()


@dataclass(frozen=True)
class _Located:
    local: Path  # where the file is, symlinks not followed
    root: Path  # the root it is in
    uri_root: str  # what the root is called in the paths ls returns

    def uri(self, local: Path) -> str:
        relative = local.relative_to(self.root).as_posix()
        return self.uri_root + ("" if relative == "." else relative)


class WorkspaceFiles:
    """The ``dbutils.fs`` of a workspace: files in ``<home>/files`` and in volumes."""

    def __init__(
        self, home: str | Path, warehouse: str, options: dict[str, str] | None = None
    ) -> None:
        self._files = Path(home) / "files"
        self._warehouse = warehouse
        self._options = options or {}
        self._volumes: Path | None = None
        self._store: VolumeStore | None = None  # volumes on an object store, made when used
        if warehouse.startswith("file://"):
            self._volumes = Path(warehouse.removeprefix("file://")) / "volumes"
        elif "://" not in warehouse:
            self._volumes = Path(warehouse) / "volumes"

    def ls(self, path: str = "dbfs:/") -> list[FileInfo]:
        """The entries of a directory (sorted by name), or the file itself in a list."""
        key = self._remote_key(path)
        if key is not None:
            return self._volume_store().ls(key, path)
        where = self._locate(path)
        if where.local.is_file():
            return [_info(where, where.local)]
        if not where.local.is_dir():
            if where.local == where.root:  # nothing written yet
                return []
            raise NotFoundError(f"no file or directory at '{path}'")
        return [_info(where, entry) for entry in sorted(where.local.iterdir())]

    def head(self, path: str, max_bytes: int = HEAD_BYTES) -> str:
        """The first ``max_bytes`` bytes of a file, as UTF-8 text."""
        key = self._remote_key(path)
        if key is not None:
            return self._volume_store().head(key, path, max_bytes)
        local = self._existing_file(path)
        with local.open("rb") as file:
            return file.read(max_bytes).decode("utf-8", errors="replace")

    def cp(self, src: str, dst: str, recurse: bool = False) -> bool:
        """Copy a file (into ``dst`` if it is a directory), or a directory with ``recurse``."""
        if self._remote_key(src) is not None or self._remote_key(dst) is not None:
            self._copy_across(src, dst, recurse, "copy")
            return True
        source, target = self._locate(src).local, self._locate(dst).local
        if source.is_dir():
            self._need_recurse(src, recurse, "copy")
            _refuse_into_itself(source, target, src, dst)
            # Links are copied as links: following them could loop or copy a tree twice.
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
            return True
        source = self._existing_file(src)
        if target.is_dir():  # checked again: the entry there may be a link leading out
            target = self._locate(f"{dst.rstrip('/')}/{source.name}").local
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        return True

    def mv(self, src: str, dst: str, recurse: bool = False) -> bool:
        """Move a file or (with ``recurse``) a directory; into ``dst`` if it is a directory."""
        if self._remote_key(src) is not None or self._remote_key(dst) is not None:
            if self._remote_key(src) is None:
                self._refuse_root(self._locate(src), src, "move")
            self._copy_across(src, dst, recurse, "move")  # an object store cannot rename
            self.rm(src, recurse=True)
            return True
        where = self._locate(src)
        self._refuse_root(where, src, "move")
        if where.local.is_dir() and not where.local.is_symlink():
            self._need_recurse(src, recurse, "move")
        elif not where.local.exists() and not where.local.is_symlink():
            raise NotFoundError(f"no file or directory at '{src}'")
        target = self._locate(dst).local
        _refuse_into_itself(where.local, target, src, dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(where.local, target)
        return True

    def rm(self, path: str, recurse: bool = False) -> bool:
        """Delete a file, an empty directory, or a directory tree with ``recurse``; False if
        nothing was there."""
        key = self._remote_key(path)
        if key is not None:
            return self._volume_store().rm(key, path, recurse)
        where = self._locate(path)
        self._refuse_root(where, path, "delete")
        local = where.local
        if local.is_symlink() or local.is_file():  # a link goes, not what it points to
            local.unlink()
        elif local.is_dir():
            if any(local.iterdir()):
                if not recurse:
                    raise InvalidInputError(
                        f"'{path}' is a non-empty directory: pass recurse=True to delete it"
                    )
                shutil.rmtree(local)
            else:
                local.rmdir()
        else:
            return False
        return True

    def put(self, path: str, contents: str, overwrite: bool = False) -> bool:
        """Write ``contents`` (UTF-8) to a file; an existing file only with ``overwrite``."""
        key = self._remote_key(path)
        if key is not None:
            self._volume_store().put(key, path, contents, overwrite)
            return True
        local = self._locate(path).local
        if local.is_dir():
            raise InvalidInputError(f"'{path}' is a directory: put writes files")
        if local.exists() and not overwrite:
            raise AlreadyExistsError(
                f"file '{path}' exists already: pass overwrite=True to replace it"
            )
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(contents, encoding="utf-8")
        return True

    def mkdirs(self, path: str) -> bool:
        """Create a directory and its parents (nothing happens if it exists)."""
        key = self._remote_key(path)
        if key is not None:
            self._volume_store().mkdirs(key, path)
            return True
        local = self._locate(path).local
        if local.exists() and not local.is_dir():
            raise InvalidInputError(f"cannot create directory '{path}': a file is there")
        local.mkdir(parents=True, exist_ok=True)
        return True

    def _parts(self, path: str) -> tuple[str, ...]:
        """The parts of a ``dbfs:`` or plain path, checked (not for ``file:`` paths)."""
        if "\x00" in path:
            raise self._refused(path, "it contains a NUL byte")
        rest = path.removeprefix("dbfs:")
        if "://" in rest or (":" in rest.split("/", 1)[0]):
            raise self._refused(path, "that scheme is not a workspace file path")
        parts = PurePosixPath("/" + rest).parts[1:]
        if ".." in parts:
            raise self._refused(path, "'..' is not allowed")
        return parts

    def _remote_key(self, path: str) -> str | None:
        """The object key of a volume path when the volumes are on an object store."""
        if self._volumes is not None or path.startswith("file:"):
            return None
        parts = self._parts(path)
        if parts[:1] != (VOLUMES[1:],):
            return None
        if len(parts) < 4:
            raise InvalidInputError(
                f"'{path}' is not a volume path: use /Volumes/<catalog>/<schema>/<volume>/..."
            )
        return "/".join(parts[1:])

    def _volume_store(self) -> VolumeStore:
        if self._store is None:
            self._store = VolumeStore(self._warehouse, self._options)
        return self._store

    def _locate(self, path: str) -> _Located:
        if "\x00" in path:
            raise self._refused(path, "it contains a NUL byte")
        if path.startswith("file:"):
            where = self._local_uri(path)
        else:
            parts = self._parts(path)
            if parts[:1] == (VOLUMES[1:],):
                where = self._in_volumes(path, parts[1:])
            else:
                where = _Located(self._files.joinpath(*parts), self._files, "dbfs:/")
        root = where.root.resolve()
        if not where.local.resolve().is_relative_to(root):
            raise self._refused(
                path, "it leads outside the allowed roots (through a symbolic link)"
            )
        return where

    def _in_volumes(self, path: str, parts: tuple[str, ...]) -> _Located:
        # Volumes on an object store never get here: _remote_key takes their paths first.
        assert self._volumes is not None, "volume paths of an object-store warehouse"
        if len(parts) < 3:
            raise InvalidInputError(
                f"'{path}' is not a volume path: use /Volumes/<catalog>/<schema>/<volume>/..."
            )
        return _Located(self._volumes.joinpath(*parts), self._volumes, "dbfs:/Volumes/")

    def _local_uri(self, path: str) -> _Located:
        rest = path.removeprefix("file:")
        if rest.startswith("//"):  # file://host/path: this host only
            host, _, rest = rest[2:].partition("/")
            if host not in ("", "localhost"):
                raise self._refused(path, f"host '{host}' is not this machine")
            rest = "/" + rest
        local = PurePosixPath(rest)
        if not local.is_absolute() or ".." in local.parts:
            raise self._refused(path, "a file: path must be absolute, without '..'")
        # The parent's links followed, not the file's own: rm of a link deletes the link.
        literal = Path(local).parent.resolve() / local.name
        for root, uri_root in ((self._files, "dbfs:/"), (self._volumes, "dbfs:/Volumes/")):
            if root is not None and literal.is_relative_to(root.resolve()):
                return _Located(literal, root.resolve(), uri_root)
        raise self._refused(path, "it is outside the allowed roots")

    def _existing_file(self, path: str) -> Path:
        local = self._locate(path).local
        if local.is_dir():
            raise InvalidInputError(f"'{path}' is a directory, not a file")
        if not local.is_file():
            raise NotFoundError(f"no file at '{path}'")
        return local

    def _need_recurse(self, path: str, recurse: bool, action: str) -> None:
        if not recurse:
            raise InvalidInputError(f"'{path}' is a directory: pass recurse=True to {action} it")

    def _refuse_root(self, where: _Located, path: str, action: str) -> None:
        if where.local.resolve() == where.root.resolve():
            raise InvalidInputError(
                f"'{path}' is a root of the workspace files: cannot {action} it"
            )

    def _refused(self, path: str, reason: str) -> InvalidInputError:
        volumes = self._volumes or f"{self._warehouse.rstrip('/')}/volumes"
        return InvalidInputError(
            f"path {path!r} is refused: {reason}. Allowed roots: dbfs:/... (in {self._files}) and "
            f"/Volumes/<catalog>/<schema>/<volume>/... (in {volumes})"
        )

    # -- copies that involve volumes on an object store ---------------------------------
    def _copy_across(self, src: str, dst: str, recurse: bool, action: str) -> None:
        """Copy ``src`` to ``dst`` when either is on the object store, file by file. Every
        local file, read or written, is located (and checked) on its own: a link inside a
        copied tree cannot lead out of the roots."""
        source = self._endpoint(src)
        kind = source.kind()
        if kind == "none":
            raise NotFoundError(f"no file or directory at '{src}'")
        target = self._endpoint(dst)
        if kind == "dir":
            self._need_recurse(src, recurse, action)
            if source.same_place(target) or source.contains(target):
                raise InvalidInputError(
                    f"cannot copy or move directory '{src}' into itself ('{dst}')"
                )
            for relative in source.files():
                self._copy_file(_join(src, relative), _join(dst, relative))
            return
        if target.kind() == "dir":
            dst = _join(dst, PurePosixPath(source.name).name)
        self._copy_file(src, dst)

    def _copy_file(self, src: str, dst: str) -> None:
        source, target = self._endpoint(src), self._endpoint(dst)
        if source.same_place(target):
            raise InvalidInputError(f"'{src}' and '{dst}' are the same file")
        if source.store is not None and source.store is target.store:
            source.store.copy(source.name, target.name)
        elif target.store is not None:
            target.store.write(target.name, source.chunks())
        else:  # into a temporary file first: a failed read leaves the target as it was
            local = Path(target.name)
            local.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=local.parent, delete=False) as file:
                try:
                    for chunk in source.chunks():
                        file.write(chunk)
                except BaseException:
                    Path(file.name).unlink()
                    raise
            os.replace(file.name, local)

    def _endpoint(self, path: str) -> _Endpoint:
        key = self._remote_key(path)
        if key is not None:
            return _Endpoint(self._volume_store(), key)
        return _Endpoint(None, str(self._locate(path).local))


def _join(path: str, relative: str) -> str:
    return f"{path.rstrip('/')}/{relative}"


@dataclass(frozen=True)
class _Endpoint:
    """One side of a copy: an object key in ``store``, or a local path (``store`` None)."""

    store: VolumeStore | None
    name: str

    def kind(self) -> str:
        if self.store is not None:
            return self.store.kind(self.name)
        local = Path(self.name)
        return "dir" if local.is_dir() else "file" if local.is_file() else "none"

    def same_place(self, other: _Endpoint) -> bool:
        if self.store is None and other.store is None:
            return Path(self.name).resolve() == Path(other.name).resolve()
        return self.store is other.store and self.name == other.name

    def contains(self, other: _Endpoint) -> bool:
        if self.store is None and other.store is None:
            return Path(other.name).resolve().is_relative_to(Path(self.name).resolve())
        return self.store is other.store and other.name.startswith(self.name + "/")

    def files(self) -> list[str]:
        """The relative names of every file under this directory (links to files included:
        each is located, so checked, before it is read)."""
        if self.store is not None:
            return [key[len(self.name) + 1 :] for key in self.store.files_under(self.name)]
        root = Path(self.name)
        found = []
        for folder, _dirs, names in os.walk(root):  # links to folders are not walked into
            for name in names:
                found.append((Path(folder) / name).relative_to(root).as_posix())
        return sorted(found)

    def chunks(self) -> Iterator[bytes]:
        if self.store is not None:
            yield from self.store.read(self.name)
            return
        with Path(self.name).open("rb") as file:
            while chunk := file.read(CHUNK_BYTES):
                yield chunk


def _refuse_into_itself(source: Path, target: Path, src: str, dst: str) -> None:
    if source.is_dir() and target.resolve().is_relative_to(source.resolve()):
        raise InvalidInputError(f"cannot copy or move directory '{src}' into itself ('{dst}')")


def _info(where: _Located, local: Path) -> FileInfo:
    stat = local.stat() if local.exists() else local.lstat()  # a dangling link: the link
    is_dir = local.is_dir()
    suffix = "/" if is_dir else ""
    return FileInfo(
        path=where.uri(local) + suffix,
        name=local.name + suffix,
        size=0 if is_dir else stat.st_size,
        modificationTime=int(stat.st_mtime * 1000),
    )
