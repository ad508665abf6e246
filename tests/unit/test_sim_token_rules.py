"""Access tokens checked as Twilio checks them, beyond the signature: a lifetime of at most
24 hours, the TwiML App in the voice grant must be the account's, and an identity of the
characters Twilio allows (letters, digits, underscore; at most 121)."""

from __future__ import annotations

import pytest
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from voiceapp.sim.tokens import TokenError, verify_access_token

ACCOUNT, KEY, SECRET = "AC" + "1" * 32, "SK" + "2" * 32, "a-secret-of-at-least-32-bytes-length!"
APP = "AP" + "3" * 32


def make(identity="agent_7", ttl=3600, app=APP) -> str:
    token = AccessToken(ACCOUNT, KEY, SECRET, identity=identity, ttl=ttl)
    token.add_grant(VoiceGrant(outgoing_application_sid=app, incoming_allow=True))
    raw = token.to_jwt()
    return raw.decode() if isinstance(raw, bytes) else raw


def check(raw: str) -> str:
    return verify_access_token(
        raw, account_sid=ACCOUNT, api_key_sid=KEY, api_key_secret=SECRET, twiml_app_sid=APP
    )


def test_a_token_of_24_hours_is_accepted_and_one_a_second_longer_is_not():
    assert check(make(ttl=24 * 3600)) == "agent_7"
    with pytest.raises(TokenError, match="31207"):
        check(make(ttl=24 * 3600 + 1))


def test_the_grants_twiml_app_must_be_the_accounts():
    with pytest.raises(TokenError, match="TwiML App"):
        check(make(app="AP" + "9" * 32))


@pytest.mark.parametrize("identity", ["agent 7", "agent-7", "jonas@example.com", "a" * 122])
def test_an_identity_with_characters_twilio_refuses_is_refused(identity):
    with pytest.raises(TokenError, match="characters Twilio does not allow"):
        check(make(identity=identity))


def test_the_longest_allowed_identity_passes():
    assert check(make(identity="a_1" * 40 + "b")) == "a_1" * 40 + "b"
