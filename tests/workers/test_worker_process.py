"""`voiceapp worker` as production runs it: RQ forks a work horse per job, so what the
worker's own process has imported is every job's, and what it has not, every job imports
anew."""

from __future__ import annotations

import os
import subprocess
import sys

from redis import Redis
from rq import Queue

from tests.conftest import TEST_REDIS_URL, TEST_SECRET_KEY

PROBE = "tests.workers.probe_jobs.modules_a_price_job_imports"


def run_burst_worker(tmp_path, *extra_env: tuple[str, str]) -> None:
    env = {
        **os.environ,
        "VOICEAPP_ENV": "testing",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "REDIS_URL": TEST_REDIS_URL,
        "VOICEAPP_INSTANCE_PATH": str(tmp_path / "instance"),
        **dict(extra_env),
    }
    subprocess.run(
        [sys.executable, "-m", "voiceapp.cli", "worker", "--burst"],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )


def test_a_jobs_work_horse_finds_twilios_rest_client_already_imported(tmp_path):
    """twilio's REST client imports its API's modules on first use, 130 of them for a
    call's price; the worker imports them before it forks, so a job does not."""
    queue = Queue("default", connection=Redis.from_url(TEST_REDIS_URL))
    job = queue.enqueue(PROBE)
    run_burst_worker(tmp_path)
    job.refresh()
    assert job.get_status() == "finished"
    assert [name for name in job.return_value() if name.startswith("twilio")] == []


def test_the_probe_sees_what_a_work_horse_imports_itself(tmp_path):
    """The probe can tell: from a parent that has not imported twilio's REST client (a
    plain Python process here), the same job imports it."""
    queue = Queue("default", connection=Redis.from_url(TEST_REDIS_URL))
    job = queue.enqueue(PROBE)
    script = (
        "from redis import Redis; from rq import SimpleWorker, Queue; "
        f"r = Redis.from_url({TEST_REDIS_URL!r}); "
        "SimpleWorker([Queue('default', connection=r)], connection=r).work(burst=True)"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, capture_output=True)
    job.refresh()
    assert "twilio.rest.api.v2010.account.call" in job.return_value()
