"""Fixtures shared by the integration tests: an SMTP server on loopback."""

from __future__ import annotations

import pytest

from tests.mail_helpers import SmtpServer


@pytest.fixture(scope="session")
def _smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(_smtp_server):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent. One for the
    session, emptied before each test: its address stays the same, so the apps that send
    to it can be shared too (shared_app)."""
    _smtp_server.reset()
    yield _smtp_server
    _smtp_server.handler.stall = False  # a message still held is answered and let go
