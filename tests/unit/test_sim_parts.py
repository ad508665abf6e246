"""Pieces of the simulator without a network: access tokens checked as Twilio checks them,
TwiML read as Twilio reads it (and a handler for each verb it lets through), WAV files of
the right length, Twilio's timestamps."""

from __future__ import annotations

import io
import time
import wave
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from voiceapp.sim.clock import rfc2822
from voiceapp.sim.tokens import TokenError, verify_access_token
from voiceapp.sim.twiml import SIMULATED_VERBS, TwimlError, parse
from voiceapp.sim.verb_table import VERBS
from voiceapp.sim.wav import recording_wav
from voiceapp.telephony.credentials import TwilioCredentials
from voiceapp.telephony.tokens import TOKEN_TTL_SECONDS, voice_access_token

ACCOUNT, KEY, SECRET = "AC" + "1" * 32, "SK" + "2" * 32, "a-secret-of-at-least-32-bytes-length!"


def token(secret=SECRET, account=ACCOUNT, key=KEY) -> str:
    creds = TwilioCredentials(account, None, key, secret, "AP" + "3" * 32, None)
    return voice_access_token(creds, "agent_7")


def check(raw: str, now: float | None = None) -> str:
    return verify_access_token(
        raw, account_sid=ACCOUNT, api_key_sid=KEY, api_key_secret=SECRET, now=now
    )


def test_the_apps_access_token_proves_its_identity():
    assert check(token()) == "agent_7"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (token(secret="another-secret-of-at-least-32-bytes!"), "signature"),
        (token(account="AC" + "9" * 32), "another API key or account"),
        (token(key="SK" + "9" * 32), "another API key or account"),
        ("not.a-token", "not a JWT"),
    ],
)
def test_a_token_that_is_not_the_accounts_is_refused(raw, reason):
    with pytest.raises(TokenError, match=reason):
        check(raw)


def test_an_expired_token_is_refused():
    with pytest.raises(TokenError, match="expired"):
        check(token(), now=time.time() + TOKEN_TTL_SECONDS + 1)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("<Response><Say>Hi</Say></Respons>", 12100),
        ("\n<?xml version='1.0'?><Response/>", 12100),
        ("<Reply/>", 12102),
        ("<Response><Dance/></Response>", 12200),
        ("<Response><Enqueue>support</Enqueue></Response>", 12200),
        ("<Response><Gather><Dial>+491</Dial></Gather></Response>", 12200),
        ("<Response><Dial><Conference>room</Conference></Dial></Response>", 12200),
    ],
)
def test_twiml_twilio_cannot_run_is_an_error_with_twilios_code(body, code):
    with pytest.raises(TwimlError) as error:
        parse(body)
    assert error.value.code == code


def test_twiml_is_read_into_verbs_with_their_nouns():
    verbs = parse(
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="de-DE">Hallo '
        '<break time="1s"/>Welt</Say><Dial timeout="9"><Client>agent_1</Client>'
        "<Number>+4930123</Number></Dial></Response>"
    )
    assert [v.name for v in verbs] == ["Say", "Dial"]
    assert verbs[0].text == "Hallo Welt" and verbs[0].attrs == {"language": "de-DE"}
    assert [(n.name, n.text) for n in verbs[1].children] == [
        ("Client", "agent_1"),
        ("Number", "+4930123"),
    ]
    assert verbs[1].int_attr("timeout", 30) == 9


def test_every_verb_the_twiml_reader_lets_through_has_a_handler():
    assert set(VERBS) == SIMULATED_VERBS


@pytest.mark.parametrize(("seconds", "channels"), [(1, 1), (7, 2), (0, 1)])
def test_recordings_are_wav_files_of_their_length(seconds, channels):
    with wave.open(io.BytesIO(recording_wav(seconds, channels))) as wav:
        assert wav.getnframes() == seconds * 8000
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (channels, 2, 8000)


def test_timestamps_are_rfc_2822_in_utc():
    moment = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)
    assert rfc2822(moment) == "Mon, 23 Nov 2026 10:00:05 +0000"
    assert parsedate_to_datetime(rfc2822(moment)) == moment
