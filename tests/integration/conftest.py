"""Fixtures shared by the integration tests: an SMTP server on loopback."""

from __future__ import annotations

import pytest

from tests.mail_helpers import SmtpServer


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent."""
    server = SmtpServer().start()
    yield server
    server.stop()
