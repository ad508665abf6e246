"""GET /healthz: 200 when the database and Redis answer, 503 naming the one that does not,
quickly even when Redis accepts connections and never answers."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from voiceapp.redis_client import REDIS_TIMEOUT_SECONDS


def test_healthz_is_ok_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "ok"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_names_redis_when_it_is_down(make_app):
    app = make_app(redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"database": "ok", "redis": "unavailable"}


@pytest.fixture
def hanging_redis():
    """A socket that accepts connections and never answers, like a wedged Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_healthz_answers_503_when_redis_hangs(make_app, hanging_redis):
    app = make_app(redis_url=hanging_redis)
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json["redis"] == "unavailable"
    assert response.json["database"] == "ok"
    # Without its socket timeout the Redis call would never return: ten times the timeout
    # tells a bounded answer from a hang, and is no speed target.
    assert elapsed < 10 * REDIS_TIMEOUT_SECONDS, f"took {elapsed:.2f}s"


def test_healthz_names_the_database_when_it_is_unreachable(make_app, tmp_path, database_url):
    if database_url.startswith("postgresql"):
        bad_url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test"
    else:
        bad_url = f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}"
    app = make_app(database_url=bad_url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"database": "unavailable", "redis": "ok"}
