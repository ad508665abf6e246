"""The panel's report downloads: asked for in a request, written by an RQ job, fetched by
the member who asked.

Every download from the panel goes through the job, however small: one path to test, and
a report over a year of a large team (many batches of members) shows its progress rather
than holding a web process. The API answers the same report at once.

A download is named by a random token. The job's id and the file's folder both carry the
member's id, so another member's token finds nothing (404), whatever they guess. The job
is recorded in the outbox in the request's transaction and handed to RQ after the commit
(services.outbox); its progress is the RQ job's meta (done, total). The file is kept in
storage (voiceapp.storage: the instance folder's reports/, or the bucket's reports/ prefix,
so a worker on one host writes what a web process on another serves) under
"<member id>/<token>--<name>", written whole, so a file that is there is whole; files
older than KEEP are purged by the clock.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.dashboard import period_for
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import OutboxJob, User
from voiceapp.services.cases.history import team_zone
from voiceapp.services.outbox import add_job
from voiceapp.services.reports.spreadsheets import (
    CSV_TYPE,
    XLSX_TYPE,
    file_name,
    report_csv,
    report_xlsx,
)
from voiceapp.services.reports.tables import batch_count, build_report, members_for
from voiceapp.storage import FileStore, StoredFile

JOB = "workers.reports.write_report_file"
KEEP = timedelta(hours=24)
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"
_FAILED_JOB = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, JobStatus.FINISHED}


@dataclass(frozen=True)
class DownloadRequest:
    first: date
    last: date
    member_ids: list[int]
    fmt: str  # xlsx or csv
    table: str | None = None  # csv: which table

    def as_args(self) -> list:
        days = [self.first.isoformat(), self.last.isoformat()]
        return [*days, list(self.member_ids), self.fmt, self.table]


@dataclass(frozen=True)
class DownloadStatus:
    state: str
    done: int = 0
    total: int = 0
    file_name: str | None = None

    @property
    def percent(self) -> int:
        if self.state == READY:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


def job_id(user_id: int, token: str) -> str:
    return f"report-{user_id}-{token}"


def request_download(db: Session, user: User, request: DownloadRequest) -> str:
    """Record the job that writes the file (run after the caller commits); its token."""
    token = secrets.token_urlsafe(16)
    add_job(db, JOB, user.id, token, *request.as_args(), job_id=job_id(user.id, token))
    return token


def write_download(
    db: Session,
    store: FileStore,
    user_id: int,
    token: str,
    request: DownloadRequest,
    *,
    now: datetime,
    progress: Callable[[int, int], None],
) -> str | None:
    """Build the report and write its file (its key); None when the member who asked may no longer
    see reports (switched off, or no longer a manager), or it is written already."""
    user = db.get(User, user_id)
    if user is None or not user.active or not is_manager_or_admin(user.role):
        return None
    if find_file(store, user_id, token) is not None:
        return None
    period = period_for(None, now=now, zone=team_zone(db), first=request.first, last=request.last)
    members = members_for(db, request.member_ids)
    # The steps: each batch of members counted, then the file written.
    steps = batch_count(len(members)) + 1
    report = build_report(
        db, period, members, now=now, progress=lambda done, _: progress(done, steps)
    )
    data = report_xlsx(report) if request.fmt == "xlsx" else report_csv(report, request.table)
    key = save_file(store, user_id, token, file_name(report, request.fmt, request.table), data)
    progress(steps, steps)
    return key


def _folder(user_id: int) -> str:
    return f"{int(user_id)}/"


def find_file(store: FileStore, user_id: int, token: str) -> StoredFile | None:
    if not TOKEN.fullmatch(token):
        return None
    found = sorted(store.list(f"{_folder(user_id)}{token}--"), key=lambda f: f.key)
    return found[0] if found else None


def download_name(key: str, token: str) -> str:
    """The name the member gets: the stored name without its token (which may itself
    hold "--": token_urlsafe's alphabet has "-")."""
    return key.rsplit("/", 1)[-1].removeprefix(f"{token}--")


CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": CSV_TYPE}


def content_type_of(key: str) -> str:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


def save_file(store: FileStore, user_id: int, token: str, name: str, data: bytes | str) -> str:
    """Write the file whole (the store's put); its key."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    key = f"{_folder(user_id)}{token}--{name}"
    store.put(key, payload, content_type_of(key))
    return key


def download_status(
    db: Session, redis: Redis, store: FileStore, user_id: int, token: str
) -> DownloadStatus | None:
    """Where `user_id`'s download `token` is; None when they asked for no such thing."""
    if not TOKEN.fullmatch(token):
        return None
    stored = find_file(store, user_id, token)
    if stored is not None:
        return DownloadStatus(READY, file_name=download_name(stored.key, token))
    key = job_id(user_id, token)
    try:
        job = Job.fetch(key, connection=redis)
    except NoSuchJobError:
        job = None
    except RedisError:
        job = None  # Redis away: the outbox still says whether it was asked for
    if job is not None:
        status = job.get_status(refresh=False)
        meta = job.get_meta(refresh=False)
        done, total = int(meta.get("done", 0)), int(meta.get("total", 0))
        if status in _FAILED_JOB:  # finished without a file: it was not allowed
            return DownloadStatus(FAILED, done, total)
        return DownloadStatus(RUNNING if status == JobStatus.STARTED else QUEUED, done, total)
    asked = db.scalar(select(OutboxJob.id).where(OutboxJob.job_id == key))
    return DownloadStatus(QUEUED) if asked is not None else None


def purge_files(store: FileStore, *, before: datetime) -> int:
    """Remove report files last written before `before`."""
    removed = 0
    for stored in list(store.list()):
        if stored.modified < before:
            store.delete(stored.key)
            removed += 1
    return removed
