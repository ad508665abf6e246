"""`voiceapp clock`: hands the schedule (workers.schedule) to RQ's cron scheduler, which
enqueues each job when it is due; the workers run them."""

from __future__ import annotations

from rq.cron import CronScheduler

from voiceapp.redis_client import make_redis
from workers.schedule import SCHEDULE


def register_schedule(scheduler: CronScheduler, *, interval: int) -> None:
    """Every entry of the schedule; those without their own timing run every `interval`
    seconds."""
    for periodic in SCHEDULE:
        scheduler.register(
            periodic.func,
            queue_name="default",
            interval=None if periodic.cron else (periodic.interval or interval),
            cron=periodic.cron,
            job_timeout=periodic.job_timeout,
        )


def run_clock(app, *, interval: int) -> None:
    connection = make_redis(app.config["VOICEAPP"].redis_url)
    connection.connection_pool.connection_kwargs["socket_timeout"] = None
    scheduler = CronScheduler(connection=connection)
    register_schedule(scheduler, interval=interval)
    scheduler.start()
