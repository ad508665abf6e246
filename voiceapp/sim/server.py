"""The simulator over HTTP: Twilio's REST paths and the simulator's own /sim endpoints,
and, mounted under /stripe when given, the Stripe stand-in (voiceapp.sim.stripe)."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from voiceapp.sim.simulator import Simulator
from voiceapp.sim.stripe import MOUNT_PREFIX, StripeStandIn, create_stripe_app


def create_sim_app(sim: Simulator, stripe: StripeStandIn | None = None) -> Flask:
    from voiceapp.sim import control, rest

    app = Flask("voiceapp.sim")
    app.extensions["voiceapp.sim"] = sim
    app.register_blueprint(rest.bp)
    app.register_blueprint(rest.numbers_bp)
    app.register_blueprint(control.bp)
    if stripe is not None:
        app.wsgi_app = DispatcherMiddleware(
            app.wsgi_app, {MOUNT_PREFIX: create_stripe_app(stripe).wsgi_app}
        )
    return app


class SimServer:
    """The simulator on host:port (0: a free port), served from a thread."""

    def __init__(
        self,
        sim: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        quiet=True,
        stripe: StripeStandIn | None = None,
    ):
        if quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.sim = sim
        self.stripe = stripe
        self.server = make_server(host, port, create_sim_app(sim, stripe), threaded=True)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.server_port}"

    def start(self) -> SimServer:
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="sim-server",
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        self.sim.phones.close_all()
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
