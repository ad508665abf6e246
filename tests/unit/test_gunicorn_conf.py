"""The web process's gunicorn settings (voiceapp/gunicorn_conf.py), as the Procfile runs
them."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from voiceapp.gunicorn_conf import THREADS_PER_WORKER, worker_count

ROOT = Path(__file__).resolve().parents[2]


def test_one_worker_per_cpu_plus_one_unless_the_platform_says():
    assert worker_count({}, cpus=2) == 3
    assert worker_count({"WEB_CONCURRENCY": ""}, cpus=8) == 9
    assert worker_count({"WEB_CONCURRENCY": " 5 "}, cpus=2) == 5


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_a_wrong_web_concurrency_is_refused_by_name(value):
    with pytest.raises(ValueError, match="WEB_CONCURRENCY must be a whole number from 1"):
        worker_count({"WEB_CONCURRENCY": value}, cpus=2)


def test_without_a_cpu_count_this_machine_is_asked():
    assert worker_count({}) >= 2


def wsgi_app(_environ, start_response):
    start_response("204 No Content", [])
    return []


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
