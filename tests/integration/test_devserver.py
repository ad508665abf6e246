"""`voiceapp dev` (what scripts/run runs) ends its children however it ends itself: Ctrl-C,
SIGTERM (a process manager, `kill`) and SIGHUP (the terminal closed). Otherwise gunicorn and
the simulator live on, hold the ports, and the next `scripts/run` fails."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_REDIS_URL
from tests.mail_helpers import free_port


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, read from /proc (children of children too)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (after the command in parentheses) is the parent's id.
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def started_by(instance_path: Path) -> set[int]:
    """Every live process whose environment names this test's instance folder: all that
    the `voiceapp dev` under test started, however deep, even once orphaned."""
    marker = f"VOICEAPP_INSTANCE_PATH={instance_path}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.add(int(entry.name))
            except OSError:
                continue
    return {pid for pid in found if alive(pid)}


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.parametrize(
    "stop",
    # SIGKILL cannot be handled: the children learn of it from Linux (PR_SET_PDEATHSIG).
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
    ids=lambda s: s.name,
)
def test_voiceapp_dev_ends_its_children_however_it_is_stopped(tmp_path, stop):
    port, sim_port = free_port(), free_port()
    env = {
        **os.environ,
        "VOICEAPP_ENV": "development",
        "VOICEAPP_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/dev.sqlite3",
        "REDIS_URL": TEST_REDIS_URL,
    }
    for name in ("VOICEAPP_SIM_URL", "PUBLIC_BASE_URL", "TWILIO_API_BASE", "SECRET_KEY"):
        env.pop(name, None)
    parent = subprocess.Popen(
        [
            *(sys.executable, "-m", "voiceapp.cli", "dev", "--port", str(port)),
            *("--sim-port", str(sim_port), "--no-seed"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session, as under a process manager: the signal reaches only the parent,
        # not (as Ctrl-C in a terminal would) the whole process group.
        start_new_session=True,
    )
    children: set[int] = set()
    try:
        assert wait_for(lambda: listening(port) and listening(sim_port), 90), "never came up"
        # Where `voiceapp sim call` (no --sim, no VOICEAPP_SIM_URL) finds this simulator.
        sim_url = (tmp_path / "sim-url").read_text().strip()
        assert sim_url == f"http://127.0.0.1:{sim_port}"
        children = descendants(parent.pid)
        assert len(children) >= 4  # gunicorn (and its workers), worker, clock, simulator
        parent.send_signal(stop)
        parent.wait(timeout=30)
        assert wait_for(lambda: not any(alive(pid) for pid in children), 15), [
            pid for pid in children if alive(pid)
        ]
        # Nor anything they started meanwhile (an RQ work-horse, a gunicorn worker).
        assert wait_for(lambda: not started_by(tmp_path), 15), started_by(tmp_path)
        assert not listening(port) and not listening(sim_port)
        if stop != signal.SIGKILL:  # (nothing of the parent runs after a SIGKILL)
            assert not (tmp_path / "sim-url").exists()
    finally:
        if parent.poll() is None:
            parent.kill()
        # What the parent left behind, so that no stray worker takes the next tests' jobs.
        for pid in children | descendants(parent.pid) | started_by(tmp_path):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
