"""Files in a local folder (the default): today's layout, so files stored before the
storage interface existed are found under the same keys."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from voiceapp.storage import CHUNK, StoredFile, check_key

PARTIAL = ".part-"  # a file being written; never listed, never read


class LocalStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def path_of(self, key: str) -> Path:
        """Where the key lives on disk (it cannot leave the root: check_key)."""
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path_of(key)
        fd, partial = self._partial_beside(target)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(partial, target)  # readers never see half a file
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    @staticmethod
    def _partial_beside(target: Path) -> tuple[int, str]:
        # A delete tidying the same empty folder may remove it between the two steps:
        # then make it again.
        for _attempt in range(3):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                return tempfile.mkstemp(dir=target.parent, prefix=PARTIAL)
            except FileNotFoundError:
                continue
        return tempfile.mkstemp(dir=target.parent, prefix=PARTIAL)

    def _stored(self, key: str, path: Path) -> StoredFile:
        info = path.stat()
        return StoredFile(
            key=key,
            size=info.st_size,
            modified=datetime.fromtimestamp(info.st_mtime, UTC),
            etag=f"{info.st_mtime_ns:x}-{info.st_size:x}",
        )

    def stat(self, key: str) -> StoredFile | None:
        path = self.path_of(key)
        if not path.is_file():
            return None
        return self._stored(key, path)

    def read_range(self, key: str, start: int, stop: int) -> Iterator[bytes]:
        with self.path_of(key).open("rb") as source:
            source.seek(start)
            left = stop - start
            while left > 0:
                chunk = source.read(min(CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk

    def read(self, key: str) -> bytes | None:
        path = self.path_of(key)
        return path.read_bytes() if path.is_file() else None

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)
        # Empty folders left behind (a report's member folder) are tidied, best effort.
        folder = self.path_of(key).parent
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        if not self.root.is_dir():
            return
        for dirpath, _dirs, names in os.walk(self.root):
            for name in names:
                if name.startswith(PARTIAL):
                    continue
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    try:
                        yield self._stored(key, path)
                    except FileNotFoundError:  # deleted while we walked
                        continue
