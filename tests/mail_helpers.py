"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can answer
4xx / 5xx or stall on purpose; and running RQ jobs the way `voiceapp worker` does."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from redis import Redis
from rq import Queue, SimpleWorker

from tests.conftest import TEST_REDIS_URL


def free_port() -> int:
    """A port nothing listens on now, for a test of a server that is down. Another process
    may take it before it is used: servers the tests run bind port 0 instead."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    delivered: list[Delivered] = field(default_factory=list)
    # Answers given to DATA, one per message, before messages are accepted again.
    data_answers: list[str] = field(default_factory=list)
    # address -> answer to RCPT TO (e.g. "550 5.1.1 no such user").
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    # While set, DATA is never answered (a hanging server).
    stall: bool = False
    stalled: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall:
            self.stalled.set()
            deadline = time.monotonic() + 60
            while self.stall and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return "421 4.3.0 gave up waiting"
        if self.data_answers:
            return self.data_answers.pop(0)
        message = message_from_bytes(envelope.original_content, policy=default)
        self.delivered.append(Delivered(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class _OwnPortController(Controller):
    """Binds port 0 (the operating system picks a free one) and holds it from the bind on;
    choosing a free port first and binding it later races with other test runs."""

    def _trigger_server(self):
        if self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, *, login: tuple[str, str] | None = None, port: int = 0):
        """`port` 0: any free port, known once started; give one (free_port()) only to
        start the server later on a port a test already pointed the app at."""
        self.handler = RecordingHandler()
        self.host = "127.0.0.1"
        auth = {}
        if login is not None:
            expected = LoginPassword(login[0].encode(), login[1].encode())

            def authenticator(server, session, envelope, mechanism, auth_data):
                # handled=False: the server answers 535 itself on failure.
                return AuthResult(success=auth_data == expected, handled=False)

            # Plain-text AUTH on loopback only: tests have no certificate.
            auth = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
        self.controller = _OwnPortController(self.handler, hostname=self.host, port=port, **auth)

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def delivered(self) -> list[Delivered]:
        return self.handler.delivered

    @property
    def settings(self) -> dict:
        return {"smtp_host": self.host, "smtp_port": self.port, "smtp_security": "none"}

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.stall = False
        self.controller.stop()

    def reset(self) -> None:
        """Forget what was delivered and every answer set up, for the next test."""
        handler = self.handler
        handler.stall = False
        handler.stalled.clear()
        handler.delivered.clear()
        handler.data_answers.clear()
        handler.refuse_rcpt.clear()


def run_worker(*, scheduler: bool = True) -> None:
    """Run what is queued (and, with the scheduler, what is due by the current clock)."""
    connection = Redis.from_url(TEST_REDIS_URL)
    worker = SimpleWorker([Queue("default", connection=connection)], connection=connection)
    worker.work(burst=True, with_scheduler=scheduler)


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None and part.get_content_type() == f"text/{subtype}", message
    return part.get_content().replace("\r\n", "\n")  # as sent over SMTP: CRLF
