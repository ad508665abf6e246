"""End-to-end fixtures: the real app served over HTTP on a free port, the simulator on
another, the app's REST client pointed at the simulator (TWILIO_API_BASE), the test
database and the test Redis, and an RQ worker run in burst mode. Signature checks stay on:
the app validates every simulator request against its PUBLIC_BASE_URL, which is the address
the simulator really requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from redis import Redis
from rq import Queue, SimpleWorker
from werkzeug.serving import make_server

import workers
from tests.conftest import TEST_REDIS_URL
from tests.factories import UserFactory
from voiceapp.db import utcnow
from voiceapp.models import PhoneNumber
from voiceapp.services import accounts
from voiceapp.services.team_settings import editable_team_settings
from voiceapp.sim import SimConfig, Simulator
from voiceapp.sim.server import SimServer
from voiceapp.sim.simulator import (
    DEMO_ACCOUNT_SID,
    DEMO_API_KEY_SECRET,
    DEMO_API_KEY_SID,
    DEMO_AUTH_TOKEN,
    DEMO_TWIML_APP_SID,
)

OUR_NUMBER = "+4930901820"
CUSTOMER = "+4915112345678"
ALWAYS_OPEN = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


class _Dispatcher:
    """Lets the server bind its port before the app (which must know that address as its
    PUBLIC_BASE_URL) is built."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class World:
    app: object
    app_url: str
    sim: Simulator
    sim_url: str
    recordings: object  # Path

    def api(self, token: str, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method,
            self.app_url + path,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            **kwargs,
        )


def run_worker() -> int:
    """Run every queued job in this process (SimpleWorker, burst); the number run."""
    connection = Redis.from_url(TEST_REDIS_URL)
    queue = Queue("default", connection=connection)
    before = queue.count
    SimpleWorker([queue], connection=connection).work(burst=True)
    return before


@pytest.fixture
def world_settings() -> dict:
    """More settings of the world's app (a module overrides this fixture: storage, ...)."""
    return {}


@pytest.fixture
def world(make_app, tmp_path, world_settings) -> Iterator[World]:
    dispatcher = _Dispatcher()
    app_server = make_server("127.0.0.1", 0, dispatcher, threaded=True)
    app_url = f"http://127.0.0.1:{app_server.server_port}"
    sim = Simulator(SimConfig(app_url=app_url, numbers=[(OUR_NUMBER, "Berlin hotline")]))
    sim_server = SimServer(sim).start()
    sim.config.sim_url = sim_server.url
    app = make_app(
        public_base_url=app_url,
        twilio_account_sid=DEMO_ACCOUNT_SID,
        twilio_auth_token=DEMO_AUTH_TOKEN,
        twilio_api_key_sid=DEMO_API_KEY_SID,
        twilio_api_key_secret=DEMO_API_KEY_SECRET,
        twilio_twiml_app_sid=DEMO_TWIML_APP_SID,
        twilio_api_base=sim_server.url,
        twilio_simulator_url=sim_server.url,
        recordings_path=tmp_path / "recordings",
        **world_settings,
    )
    dispatcher.app = app
    thread = threading.Thread(
        target=app_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    workers.set_job_app(app)
    try:
        yield World(app, app_url, sim, sim_server.url, tmp_path / "recordings")
    finally:
        workers.set_job_app(None)
        app_server.shutdown()
        app_server.server_close()
        thread.join(timeout=5)
        sim_server.stop()
        app.extensions["voiceapp.db"].engine.dispose()


@pytest.fixture
def team(ctx, dbs):
    """Our number (recorded), the IVR's menus, open around the clock."""
    dbs.add(PhoneNumber(number=OUR_NUMBER, friendly_name="Berlin hotline", recording_enabled=True))
    settings = editable_team_settings(dbs)
    settings.languages = ["de", "en"]
    settings.ivr_case_types = ["new_order", "payment_reminder"]
    settings.business_hours = ALWAYS_OPEN
    settings.ring_timeout_seconds = 20
    # The simulator plays calls faster than real time, one after the other: a wrap-up
    # (real seconds) would keep an agent from ringing for the next several calls.
    settings.wrap_up_seconds = 0
    dbs.commit()
    return settings


def api_token(dbs, user) -> str:
    # The test's session reads in deferred transactions: an INSERT inside one that has
    # read must upgrade a read snapshot, which SQLite refuses at once ("database is
    # locked", without waiting) when the app's worker has committed since. A new
    # transaction whose first statement writes waits its turn instead. So the user's id is
    # read first (an expired user is refreshed by a SELECT), then that transaction ends.
    _ = user.id  # refreshes an expired user now, inside the transaction that ends below
    dbs.commit()
    _row, token = accounts.create_api_token(dbs, user, name="e2e", now=utcnow())
    dbs.commit()
    return token


@pytest.fixture
def agent(dbs, team):
    """An agent speaking German who handles every reason."""
    user = UserFactory(name="Jonas Becker", languages=["de"], case_types=[])
    return user


def go_online(world: World, token: str) -> None:
    """As the panel's softphone does: PUT /api/agents/me/presence."""
    response = world.api(token, "PUT", "/api/agents/me/presence", json={"status": "online"})
    assert response.status_code == 200, response.text


# --- a stand-in app that answers chosen TwiML (for the simulator's own behaviour) ----------


class TwimlStub:
    """Answers each path with the TwiML a test gives it and records every request, with the
    URL that was requested (what a signature covers)."""

    def __init__(self):
        from flask import Flask, request

        self.routes: dict[str, object] = {}
        self.requests: list[dict] = []
        stub = Flask("twiml-stub")

        @stub.route("/<path:path>", methods=["GET", "POST"])
        def answer(path):
            self.requests.append(
                {
                    "path": "/" + path,
                    "method": request.method,
                    "url": request.url,
                    "form": request.form.to_dict(),
                    "args": request.args.to_dict(),
                    "headers": dict(request.headers),
                }
            )
            body = self.routes.get("/" + path, "<Response/>")
            if callable(body):
                body = body(request)
            if isinstance(body, tuple):
                return body
            return body, 200, {"Content-Type": "text/xml"}

        self.app = stub

    def on(self, path: str, body) -> None:
        self.routes[path] = body

    def kinds(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]


@dataclass
class StubWorld:
    stub: TwimlStub
    url: str
    sim: Simulator


@pytest.fixture
def stubbed() -> Iterator[StubWorld]:
    stub = TwimlStub()
    server = make_server("127.0.0.1", 0, stub.app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    sim = Simulator(
        SimConfig(app_url=url, sim_url="http://sim.invalid", numbers=[(OUR_NUMBER, "")])
    )
    number = sim.account.number(OUR_NUMBER)
    number.voice_url, number.voice_fallback_url = f"{url}/voice", f"{url}/fallback"
    number.status_callback = f"{url}/status"
    try:
        yield StubWorld(stub, url, sim)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def settle(dbs, timeout: float = 10.0) -> int:
    """Wait until the app handed every job to Redis (its relay runs after the response),
    then run them in an RQ worker; the number of jobs run."""
    import time

    from sqlalchemy import func, select

    from voiceapp.models import OutboxJob

    deadline = time.monotonic() + timeout
    while True:
        dbs.rollback()
        pending = dbs.scalar(
            select(func.count()).select_from(OutboxJob).where(OutboxJob.enqueued_at.is_(None))
        )
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not pending, "the app never handed its jobs to Redis"
    ran = run_worker()
    dbs.rollback()
    return ran
