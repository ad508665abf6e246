"""The simulator over HTTP: Twilio's REST paths and the simulator's own /sim endpoints."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.serving import make_server

from voiceapp.sim.simulator import Simulator


def create_sim_app(sim: Simulator) -> Flask:
    from voiceapp.sim import control, rest

    app = Flask("voiceapp.sim")
    app.extensions["voiceapp.sim"] = sim
    app.register_blueprint(rest.bp)
    app.register_blueprint(control.bp)
    return app


class SimServer:
    """The simulator on host:port (0: a free port), served from a thread."""

    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0, *, quiet=True):
        if quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.sim = sim
        self.server = make_server(host, port, create_sim_app(sim), threaded=True)
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
