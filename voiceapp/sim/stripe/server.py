"""The stand-in over HTTP: a WSGI app of its own (Stripe's /v1 API, the hosted /checkout
page, the /sim control endpoints), served alone from a thread (tests) or mounted under
/stripe in the Twilio simulator's server (`voiceapp sim serve`, `voiceapp dev`)."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.serving import make_server

from voiceapp.sim.stripe.state import StripeStandIn

# Where the simulator's server mounts the stand-in: STRIPE_API_BASE is SIM_URL + this.
MOUNT_PREFIX = "/stripe"


def create_stripe_app(standin: StripeStandIn) -> Flask:
    from voiceapp.sim.stripe import api, control, hosted

    app = Flask("voiceapp.sim.stripe")
    app.extensions["voiceapp.sim.stripe"] = standin
    app.register_blueprint(api.bp)
    app.register_blueprint(hosted.bp)
    app.register_blueprint(control.bp)
    return app


class StripeServer:
    """The stand-in alone on host:port (0: a free port), served from a thread."""

    def __init__(
        self, standin: StripeStandIn, host: str = "127.0.0.1", port: int = 0, *, quiet=True
    ):
        if quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.standin = standin
        self.server = make_server(host, port, create_stripe_app(standin), threaded=True)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.server_port}"

    def start(self) -> StripeServer:
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="stripe-stand-in",
        )
        self.thread.start()
        return self

    def __enter__(self) -> StripeServer:
        return self if self.thread is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
