"""Report jobs: write the file of a report the panel asked for, telling its progress in
the job's meta (done, total) as it goes; purge old report files."""

from __future__ import annotations

from datetime import date

from flask import current_app
from rq import get_current_job

from voiceapp.db import session, utcnow
from voiceapp.services.reports.downloads import (
    KEEP,
    DownloadRequest,
    purge_files,
    write_download,
)
from workers.context import job_context


def _report_progress(done: int, total: int) -> None:
    job = get_current_job()
    if job is not None:
        job.meta.update(done=done, total=total)
        job.save_meta()


def write_report_file(
    user_id: int,
    token: str,
    first: str,
    last: str,
    member_ids: list[int],
    fmt: str,
    table: str | None = None,
) -> str | None:
    """The report of `member_ids` (all active members when empty) from `first` to `last`
    as `fmt`, for member `user_id` to download; the file's path, or None when there is
    nothing to write (already written, or they may no longer see reports)."""
    with job_context():
        request = DownloadRequest(
            date.fromisoformat(first), date.fromisoformat(last), member_ids, fmt, table
        )
        path = write_download(
            session(),
            current_app.config["VOICEAPP"].report_files_path(),
            user_id,
            token,
            request,
            now=utcnow(),
            progress=_report_progress,
        )
        return str(path) if path is not None else None


def purge_report_files() -> int:
    """Hourly (`voiceapp clock`): report files written more than a day ago."""
    with job_context():
        root = current_app.config["VOICEAPP"].report_files_path()
        return purge_files(root, before=utcnow() - KEEP)
