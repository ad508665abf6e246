"""The clock's schedule (workers.schedule) as RQ's cron scheduler takes it, on real Redis."""

from __future__ import annotations

from redis import Redis
from rq.cron import CronScheduler

from tests.conftest import TEST_REDIS_URL
from workers.clock import register_schedule
from workers.dashboard import roll_up_call_hours
from workers.recordings import delete_expired_recordings
from workers.repairs import purge_old_sessions, remind_due_instalments, sweep
from workers.reports import purge_report_files
from workers.schedule import SCHEDULE


def test_the_sweep_runs_at_the_clock_interval_instalments_hourly_and_sessions_nightly():
    by_func = {periodic.func: periodic for periodic in SCHEDULE}
    assert set(by_func) == {
        sweep,
        remind_due_instalments,
        purge_old_sessions,
        delete_expired_recordings,
        purge_report_files,
        roll_up_call_hours,
    }
    assert by_func[sweep].interval is None and by_func[sweep].cron is None  # --interval
    assert by_func[remind_due_instalments].cron == "23 * * * *"
    assert by_func[purge_old_sessions].cron == "17 3 * * *"
    assert by_func[delete_expired_recordings].cron == "41 * * * *"
    assert by_func[purge_report_files].cron == "47 * * * *"
    assert by_func[roll_up_call_hours].cron == "*/10 * * * *"


def test_rq_accepts_every_entry_and_names_the_moved_jobs():
    scheduler = CronScheduler(connection=Redis.from_url(TEST_REDIS_URL))
    register_schedule(scheduler, interval=60)
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == [
        "workers.dashboard.roll_up_call_hours",
        "workers.recordings.delete_expired_recordings",
        "workers.repairs.purge_old_sessions",
        "workers.repairs.remind_due_instalments",
        "workers.repairs.sweep",
        "workers.reports.purge_report_files",
    ]
    assert jobs["workers.repairs.sweep"].interval == 60
    assert jobs["workers.repairs.remind_due_instalments"].cron == "23 * * * *"
    assert jobs["workers.repairs.purge_old_sessions"].cron == "17 3 * * *"
