"""``dbutils.fs`` on volumes of a warehouse on an object store (``s3://...``).

Keys live under ``<warehouse>/volumes/`` and are reached through delta-rs's object store with
the warehouse's own storage options (the credentials the tables use). An object store has no
directories: a "directory" is a key prefix with objects under it, so ``mkdirs`` makes
nothing, and a directory disappears with its last file, as on Databricks' cloud volumes.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from brickyard.domain.errors import AlreadyExistsError, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from brickyard.notebooks.files import FileInfo

URI_ROOT = "dbfs:/Volumes/"
UPLOADS = "_uploads"  # in-flight uploads: two parts deep, so never inside a volume
CHUNK_BYTES = 8 << 20


class VolumeStore:
    """The volumes of one object-store warehouse, addressed by key (``cat/schema/vol/...``)."""

    def __init__(self, warehouse: str, options: dict[str, str]) -> None:
        from deltalake._internal import DeltaFileSystemHandler
        from deltalake.fs import DeltaStorageHandler
        from pyarrow.fs import PyFileSystem

        self.root = warehouse.rstrip("/") + "/volumes"
        self.fs = PyFileSystem(DeltaStorageHandler(self.root, options))
        # Writes go to delta-rs's stream itself: pyarrow's wrapper hands it buffers, and it
        # takes bytes only.
        self._raw = DeltaFileSystemHandler(table_uri=self.root, options=options)

    # -- reading ----------------------------------------------------------------------
    def kind(self, key: str) -> str:
        """``file``, ``dir`` (a prefix with objects under it) or ``none``."""
        from pyarrow.fs import FileType

        if self.fs.get_file_info(key).type == FileType.File:
            return "file"
        return "dir" if self._children(key) else "none"

    def ls(self, key: str, path: str) -> list[FileInfo]:
        from pyarrow.fs import FileType

        info = self.fs.get_file_info(key)
        if info.type == FileType.File:
            return [self._info(info)]
        children = self._children(key)  # listed once: they are the answer too
        if not children and key.count("/") != 2:  # a volume itself is empty until written
            raise NotFoundError(f"no file or directory at '{path}'")
        return sorted((self._info(i) for i in children), key=lambda f: f.name)

    def head(self, key: str, path: str, max_bytes: int) -> str:
        self.need_file(key, path)
        with self.fs.open_input_stream(key) as stream:
            data: bytes = stream.read(max_bytes)
        return data.decode("utf-8", errors="replace")

    def need_file(self, key: str, path: str) -> None:
        kind = self.kind(key)
        if kind == "dir":
            raise InvalidInputError(f"'{path}' is a directory, not a file")
        if kind == "none":
            raise NotFoundError(f"no file at '{path}'")

    def files_under(self, key: str) -> list[str]:
        """Every object key below the prefix ``key`` (a directory's whole tree)."""
        from pyarrow.fs import FileSelector, FileType

        selector = FileSelector(key, allow_not_found=True, recursive=True)
        return [i.path for i in self.fs.get_file_info(selector) if i.type == FileType.File]

    # -- writing ----------------------------------------------------------------------
    def put(self, key: str, path: str, contents: str, overwrite: bool) -> None:
        kind = self.kind(key)
        if kind == "dir":
            raise InvalidInputError(f"'{path}' is a directory: put writes files")
        if kind == "file" and not overwrite:
            raise AlreadyExistsError(
                f"file '{path}' exists already: pass overwrite=True to replace it"
            )
        self.write(key, [contents.encode("utf-8")])

    def write(self, key: str, chunks: Iterable[bytes]) -> None:
        """One object from ``chunks``, whole or not at all: uploaded in parts to a key outside
        every volume, then copied into place (a failed upload leaves ``key`` as it was)."""
        upload = f"{UPLOADS}/{uuid.uuid4().hex}"
        try:
            stream = self._raw.open_output_stream(upload, None)
            try:
                for chunk in chunks:
                    stream.write(chunk)
            finally:
                stream.close()  # type: ignore[attr-defined]  # missing from deltalake's stubs
            self._raw.copy_file(upload, key)
        finally:
            with contextlib.suppress(FileNotFoundError, OSError):
                self._raw.delete_file(upload)

    def copy(self, key: str, target: str) -> None:
        """Within the store: the store copies, no data through this process."""
        self._raw.copy_file(key, target)

    def read(self, key: str) -> Iterator[bytes]:
        with self.fs.open_input_stream(key) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk

    def mkdirs(self, key: str, path: str) -> None:
        if self.kind(key) == "file":
            raise InvalidInputError(f"cannot create directory '{path}': a file is there")

    def rm(self, key: str, path: str, recurse: bool) -> bool:
        kind = self.kind(key)
        if kind == "none":
            return False
        if kind == "file":
            self.fs.delete_file(key)
            return True
        if not recurse:
            raise InvalidInputError(
                f"'{path}' is a non-empty directory: pass recurse=True to delete it"
            )
        for file_key in self.files_under(key):
            self.fs.delete_file(file_key)
        return True

    # -- helpers ----------------------------------------------------------------------
    def _children(self, key: str) -> list[Any]:
        from pyarrow.fs import FileSelector

        return list(self.fs.get_file_info(FileSelector(key, allow_not_found=True)))

    def _info(self, info: Any) -> FileInfo:
        from pyarrow.fs import FileType

        from brickyard.notebooks.files import FileInfo

        is_dir = info.type == FileType.Directory
        suffix = "/" if is_dir else ""
        mtime = info.mtime
        return FileInfo(
            path=URI_ROOT + info.path.strip("/") + suffix,
            name=info.base_name + suffix,
            size=0 if is_dir else int(info.size or 0),
            modificationTime=int(mtime.timestamp() * 1000) if mtime is not None else 0,
        )
