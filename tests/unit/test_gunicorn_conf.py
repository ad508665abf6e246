"""The web process's gunicorn settings (voiceapp/gunicorn_conf.py), as the Procfile runs
them."""

from __future__ import annotations

import gc
import os
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.mail_helpers import free_port
from voiceapp.gunicorn_conf import (
    MOST_WORKERS,
    THREADS_PER_WORKER,
    cpu_quota,
    usable_cpus,
    worker_count,
)

ROOT = Path(__file__).resolve().parents[2]


def test_one_worker_per_cpu_plus_one_unless_the_platform_says():
    assert worker_count({}, cpus=2) == 3
    assert worker_count({"WEB_CONCURRENCY": ""}, cpus=8) == 9
    assert worker_count({"WEB_CONCURRENCY": " 5 "}, cpus=2) == 5


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_a_wrong_web_concurrency_is_refused_by_name(value):
    with pytest.raises(ValueError, match="WEB_CONCURRENCY must be a whole number from 1"):
        worker_count({"WEB_CONCURRENCY": value}, cpus=2)


def test_a_large_host_gets_at_most_the_cap():
    assert worker_count({}, cpus=64) == MOST_WORKERS
    assert worker_count({"WEB_CONCURRENCY": "20"}, cpus=64) == 20  # the platform's choice


def test_a_containers_cpu_quota_counts_not_the_hosts_cpus(tmp_path):
    """cgroup v2 (cpu.max), cgroup v1 (cpu.cfs_quota_us / cpu.cfs_period_us), unlimited."""
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cpu.max").write_text("150000 100000\n")
    assert cpu_quota(v2) == 1.5
    assert worker_count({}, cpus=min(64, cpu_quota(v2))) == 3
    (v2 / "cpu.max").write_text("max 100000\n")
    assert cpu_quota(v2) is None
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("200000\n")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cpu_quota(v1) == 2.0
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_quota(v1) is None
    assert cpu_quota(tmp_path / "none") is None
    assert usable_cpus(v1) == len(os.sched_getaffinity(0))


def test_the_settings_file_imports_nothing_of_the_app():
    """gunicorn executes it in its master: were the voiceapp package imported there, the
    workers a reload forks would run the old code."""
    code = (
        "import runpy, sys; runpy.run_path('voiceapp/gunicorn_conf.py'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('voiceapp', 'flask')))"
    )
    printed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert printed.strip() == "[]"


def wsgi_app(_environ, start_response):
    start_response("204 No Content", [])
    return []


def freeze_count_app(_environ, start_response):
    """How many objects the garbage collector holds frozen in this worker."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(gc.get_freeze_count()).encode()]


def procfile_web_arguments() -> list[str]:
    (line,) = [x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:")]
    command = line.removeprefix("web:").replace("${PORT:-8000}", "8000")
    words = shlex.split(command)
    assert words[0] == "gunicorn"
    return words[1:]


def test_gunicorn_reads_the_settings_the_procfile_names():
    """gunicorn itself, given the Procfile's web arguments, prints the workers and threads
    of voiceapp.gunicorn_conf (WEB_CONCURRENCY from the environment)."""
    *options, app = procfile_web_arguments()
    assert app == "voiceapp:create_app()"
    env = dict(os.environ, WEB_CONCURRENCY="4")
    printed = subprocess.run(
        # gunicorn loads the app after printing its settings: one that needs no settings
        [sys.executable, "-m", "gunicorn", *options, "--print-config", f"{__name__}:wsgi_app"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    settings = {
        name.strip(): value.strip()
        for name, _, value in (line.partition("=") for line in printed.splitlines())
    }
    assert settings["workers"] == "4"
    assert settings["threads"] == str(THREADS_PER_WORKER)
    assert settings["worker_class"] == "gthread"
    assert settings["bind"] == "['0.0.0.0:8000']"
    assert settings["accesslog"] == "-"


def test_each_worker_freezes_the_heap_it_started_with():
    """gunicorn, run with the Procfile's settings, calls post_worker_init once the worker
    has loaded the app: the objects alive then (the modules this app imported: pytest's,
    voiceapp's settings) are frozen before the first request. Python freezes nothing by
    itself (a plain process answers 0)."""
    *options, _app = procfile_web_arguments()
    port = free_port()
    # --bind adds an address rather than replacing one: the Procfile's port 8000 goes.
    options[options.index("--bind") + 1] = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *options, f"{__name__}:freeze_count_app"],
        env=dict(os.environ, WEB_CONCURRENCY="1"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    frozen = int(answer.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert frozen > 10_000
