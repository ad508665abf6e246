"""Where voiceapp keeps files: recordings, case files, report downloads.

One small interface (`FileStore`) with two kinds behind it: a local folder (the default:
one machine, or several sharing a mounted folder) and an S3-compatible bucket (web and
workers on several hosts: a recording fetched by a worker on one host is played by a web
process on another). Keys are relative paths such as "2026/11/RE123.mp3"; each area
(recordings, case-files, reports) is a folder of its own locally and a prefix of its own
in the bucket, so the same key names the same file in both (a folder copied into the
bucket under its prefix keeps working).

`store_for(settings, area)` builds the store the settings ask for. Nothing here knows
the database or Flask: services pass the store they are given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

RECORDINGS = "recordings"
CASE_FILES = "case-files"
REPORTS = "reports"
AREAS = (RECORDINGS, CASE_FILES, REPORTS)
CHUNK = 256 * 1024  # what a stream reads at a time: small in memory, few round trips


class StorageError(RuntimeError):
    """The store could not be reached or refused the operation (not "no such file")."""


class BadKey(ValueError):
    """A key that could name something outside its area (.., absolute, empty parts)."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    modified: datetime  # aware, UTC
    etag: str


def check_key(key: str) -> str:
    """Keys are relative, "/"-separated, without "." or ".." parts or backslashes: the
    same rule for a folder and a bucket, so no key reaches outside its area."""
    parts = key.split("/")
    if not key or "\\" in key or "\x00" in key or any(part in ("", ".", "..") for part in parts):
        raise BadKey(f"not a storage key: {key!r}")
    return key


class FileStore(Protocol):
    """What the app needs of a place that keeps files."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` whole under `key`: a reader sees the old file or the new, never half."""

    def stat(self, key: str) -> StoredFile | None:
        """The file's size and date, or None when there is no such file."""

    def read_range(self, key: str, start: int, stop: int) -> Iterator[bytes]:
        """The bytes [start, stop) of the file, in chunks (a player asks for ranges)."""

    def read(self, key: str) -> bytes | None:
        """The whole file, or None when there is none (small files: reports, case files)."""

    def delete(self, key: str) -> None:
        """Remove the file; no file is fine (deleting is done again after a failed commit)."""

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """The files whose key starts with `prefix` (a folder: "12/"), any order."""


def store_for(settings, area: str) -> FileStore:
    """The store of one area, as the settings say (STORAGE=local or s3)."""
    if area not in AREAS:
        raise ValueError(f"unknown storage area {area!r}")
    if settings.storage == "s3":
        from voiceapp.storage.s3 import S3Store

        return S3Store.from_settings(settings, prefix=f"{area}/")
    from voiceapp.storage.local import LocalStore

    return LocalStore(settings.storage_root(area))
