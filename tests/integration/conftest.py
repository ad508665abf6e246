"""Fixtures shared by the integration tests: a Twilio-signed test client with our Berlin
number and IVR menus, and an SMTP server on loopback."""

from __future__ import annotations

import pytest

from tests.mail_helpers import SmtpServer
from tests.twilio_helpers import TWILIO_SETTINGS
from voiceapp.models import PhoneNumber
from voiceapp.services.team_settings import editable_team_settings

# Our recorded Berlin number (the one Twilio posts inbound calls for).
OUR_NUMBER = "+4930901820"


@pytest.fixture
def tw(make_app):
    """A client of the app configured with the test Twilio account."""
    return make_app(**TWILIO_SETTINGS).test_client()


@pytest.fixture
def team(ctx, dbs):
    """Our number (recorded) and the IVR's menus: German and English, two reasons."""
    dbs.add(PhoneNumber(number=OUR_NUMBER, friendly_name="Berlin", recording_enabled=True))
    settings = editable_team_settings(dbs)
    settings.languages = ["de", "en"]
    settings.ivr_case_types = ["new_order", "payment_reminder"]
    dbs.commit()
    return settings


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent."""
    server = SmtpServer().start()
    yield server
    server.stop()
