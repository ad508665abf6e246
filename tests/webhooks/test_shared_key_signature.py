"""Twilio signs with a Webhooks SharedKey instead of the auth token when a Webhook Rule
says so, and then adds X-Twilio-Webhooks-Signature-Settings (key=...,algorithm=...). With
TWILIO_WEBHOOK_SHARED_KEY_SECRET set, such requests are verified with it; without it they
are refused with a log line naming the header, not a silent 403."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator

from tests.twilio_helpers import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    TWILIO_SETTINGS,
    new_call_sid,
    voice_params,
)
from voiceapp.models import Call

SHARED_SECRET = "shared-key-secret-of-the-webhook-rule"
SETTINGS = "key=webhooks_sharedkey_0123456789,algorithm=HMAC_SHA256"
PATH = "/twilio/voice/status"


def _post(client, *, key: str, algorithm: str = "HMAC_SHA256", header: str | None = SETTINGS):
    params = voice_params(new_call_sid(), from_="+4915112345678", to="+4930901820")
    params.update(CallStatus="completed", SequenceNumber="0", CallDuration="3")
    signature = RequestValidator(key).compute_signature(PUBLIC_BASE_URL + PATH, params, algorithm)
    headers = {"X-Twilio-Signature": signature}
    if header:
        headers[SIGNATURE_SETTINGS_HEADER] = header
    return client.post(PATH, data=params, headers=headers), params["CallSid"]


@pytest.fixture
def keyed(shared_app):
    return shared_app(**TWILIO_SETTINGS, twilio_webhook_shared_key_secret=SHARED_SECRET)


def test_a_request_signed_with_the_shared_key_is_verified_with_it(keyed, dbs):
    response, sid = _post(keyed.test_client(), key=SHARED_SECRET)
    assert response.status_code == 200
    assert dbs.scalar(select(Call).where(Call.sid == sid)) is not None


def test_the_auth_token_does_not_pass_for_a_shared_key_request(keyed, dbs, caplog):
    with caplog.at_level("WARNING", logger="voiceapp.webhooks.signature"):
        response, sid = _post(keyed.test_client(), key=AUTH_TOKEN)
    assert response.status_code == 403
    assert dbs.scalar(select(Call).where(Call.sid == sid)) is None
    assert any(SIGNATURE_SETTINGS_HEADER in r.getMessage() for r in caplog.records)


def test_without_the_secret_a_shared_key_request_is_refused_naming_the_header(
    make_app, dbs, caplog
):
    client = make_app(**TWILIO_SETTINGS).test_client()
    with caplog.at_level("WARNING", logger="voiceapp.webhooks.signature"):
        response, sid = _post(client, key=SHARED_SECRET)
    assert response.status_code == 403
    assert dbs.scalar(select(Call).where(Call.sid == sid)) is None
    (message,) = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert SIGNATURE_SETTINGS_HEADER in message
    assert "TWILIO_WEBHOOK_SHARED_KEY_SECRET is not set" in message


def test_requests_without_the_header_still_use_the_auth_token(keyed, dbs):
    response, _ = _post(keyed.test_client(), key=AUTH_TOKEN, algorithm="HMAC_SHA1", header=None)
    assert response.status_code == 200
    response, _ = _post(keyed.test_client(), key=SHARED_SECRET, algorithm="HMAC_SHA1", header=None)
    assert response.status_code == 403
