"""Report jobs: write the file of a report the panel asked for, telling its progress in
the job's meta (done, total) as it goes; purge old report files."""

from __future__ import annotations

from datetime import date

from rq import get_current_job

from voiceapp.db import session, utcnow
from voiceapp.services.reports.downloads import (
    KEEP,
    DownloadRequest,
    purge_files,
    write_download,
)
from voiceapp.services.storage import REPORTS, app_store
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
    as `fmt`, for member `user_id` to download; the file's key in storage, or None when there is
    nothing to write (already written, or they may no longer see reports)."""
    with job_context():
        request = DownloadRequest(
            date.fromisoformat(first), date.fromisoformat(last), member_ids, fmt, table
        )
        path = write_download(
            session(),
            app_store(REPORTS),
            user_id,
            token,
            request,
            now=utcnow(),
            progress=_report_progress,
        )
        return path


def purge_report_files() -> int:
    """Hourly (`voiceapp clock`): report files written more than a day ago."""
    with job_context():
        return purge_files(app_store(REPORTS), before=utcnow() - KEEP)
