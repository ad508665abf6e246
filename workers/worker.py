"""`voiceapp worker`: an RQ worker (with RQ's scheduler) for voiceapp's jobs.

Job names are dotted paths, stored in the outbox and in Redis. The jobs lived in
`voiceapp.jobs` before they moved to this package: a row or a queued job written by the
previous release still runs, through LegacyNamesJob (migration 0004 rewrites the outbox's
pending rows; jobs already in Redis are read through the map below).
"""

from __future__ import annotations

from rq import Worker
from rq.job import Job
from rq.utils import import_attribute

from voiceapp.redis_client import make_redis
from voiceapp.telephony.adapter import import_rest_client_modules
from workers.context import set_job_app

RENAMED_JOBS = {
    "voiceapp.jobs.fetch_recording": "workers.recordings.fetch_recording",
    "voiceapp.jobs.send_email": "workers.email.send_email",
    "voiceapp.jobs.remind_case_due": "workers.reminders.remind_case_due",
    "voiceapp.jobs.sweep": "workers.repairs.sweep",
    "voiceapp.jobs.purge_old_sessions": "workers.repairs.purge_old_sessions",
}


class LegacyNamesJob(Job):
    """RQ's Job, also running jobs queued under a name from before the move."""

    @property
    def func(self):
        renamed = RENAMED_JOBS.get(self.func_name or "")
        if renamed is not None and self.instance is None:
            return import_attribute(renamed)
        return super().func


def run_worker(app, queues: list[str], *, burst: bool) -> None:
    set_job_app(app)
    # RQ runs each job in a fork of this process: what is imported here is every job's.
    import_rest_client_modules()
    connection = make_redis(app.config["VOICEAPP"].redis_url)
    # The worker blocks on Redis for new jobs: no short read timeout on its connection.
    connection.connection_pool.connection_kwargs["socket_timeout"] = None
    Worker(queues, connection=connection, job_class=LegacyNamesJob).work(
        burst=burst, with_scheduler=True
    )
