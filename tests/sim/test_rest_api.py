"""The simulator's REST API through twilio's own Client, unchanged, pointed at it the way
the app's TWILIO_API_BASE does: numbers, calls, recordings; basic auth refused like Twilio
(401, error 20003); and the app's TwilioAdapter against it."""

from __future__ import annotations

import io
import wave

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from tests.sim.conftest import CUSTOMER, OUR_NUMBER
from voiceapp.sim.parties import Party
from voiceapp.sim.server import SimServer
from voiceapp.sim.simulator import (
    DEMO_ACCOUNT_SID,
    DEMO_API_KEY_SECRET,
    DEMO_API_KEY_SID,
    DEMO_AUTH_TOKEN,
)
from voiceapp.telephony.adapter import NumberInfo, TelephonyError, TwilioAdapter


@pytest.fixture
def served(stubbed):
    server = SimServer(stubbed.sim).start()
    stubbed.sim.config.sim_url = server.url
    yield server
    server.stop()


def client_for(server, user=DEMO_ACCOUNT_SID, password=DEMO_AUTH_TOKEN) -> Client:
    client = Client(user, password, DEMO_ACCOUNT_SID, http_client=TwilioHttpClient(timeout=10))
    client.api.base_url = server.url
    return client


def account(server, **kw):
    return client_for(server, **kw).api.v2010.accounts(DEMO_ACCOUNT_SID)


def test_a_wrong_token_is_refused_like_twilio_refuses_it(served):
    with pytest.raises(TwilioRestException) as refused:
        account(served, password="wrong").calls.create(to=CUSTOMER, from_=OUR_NUMBER, url="x")
    assert (refused.value.status, refused.value.code) == (401, 20003)
    raw = requests.get(f"{served.url}/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/Calls.json", timeout=5)
    assert raw.status_code == 401
    assert raw.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert raw.headers["WWW-Authenticate"].startswith("Basic")
    # Another account's path with this account's credentials is refused too.
    other = requests.get(
        f"{served.url}/2010-04-01/Accounts/AC{'0' * 32}/Calls.json",
        auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN),
        timeout=5,
    )
    assert other.status_code == 401


def test_an_api_key_and_its_secret_authenticate_too(served):
    numbers = account(served, user=DEMO_API_KEY_SID, password=DEMO_API_KEY_SECRET)
    assert [n.phone_number for n in numbers.incoming_phone_numbers.list()] == [OUR_NUMBER]


def german_papers(sim) -> dict:
    """The approved German bundle and the Berlin address the simulator's account holds."""
    account = sim.account
    bundle = next(
        b
        for b in account.bundles.values()
        if b.iso_country == "DE" and b.status.endswith("approved")
    )
    address = next(a for a in account.addresses.values() if a.iso_country == "DE")
    return {"bundle_sid": bundle.sid, "address_sid": address.sid}


def test_numbers_are_listed_across_pages_searched_bought_and_configured(served, stubbed):
    api = account(served)
    papers = german_papers(stubbed.sim)
    for n in range(5):
        api.incoming_phone_numbers.create(phone_number=f"+4930555000{n}", **papers)
    listed = api.incoming_phone_numbers.list(page_size=2)  # three pages
    assert len(listed) == 6 and listed[0].phone_number == OUR_NUMBER
    offered = api.available_phone_numbers("DE").local.list(contains="5551*", limit=3)
    assert len(offered) == 3
    assert all("5551" in n.phone_number for n in offered)
    bought = api.incoming_phone_numbers.create(
        phone_number=offered[0].phone_number, voice_url="https://app.example/in", **papers
    )
    assert bought.sid.startswith("PN") and bought.voice_url == "https://app.example/in"
    with pytest.raises(TwilioRestException) as taken:
        api.incoming_phone_numbers.create(phone_number=offered[0].phone_number, **papers)
    assert taken.value.code == 21422
    updated = api.incoming_phone_numbers(bought.sid).update(status_callback="https://x/s")
    assert updated.status_callback == "https://x/s"
    fetched = api.incoming_phone_numbers(bought.sid).fetch()
    assert fetched.voice_url == "https://app.example/in"


def test_a_call_created_through_the_api_rings_follows_its_url_and_can_be_fetched(served, stubbed):
    stubbed.stub.on("/api", "<Response><Say>Hello from the API</Say></Response>")
    stubbed.sim.customers[CUSTOMER] = Party(answer_after=2)
    api = account(served)
    call = api.calls.create(
        to=CUSTOMER,
        from_=OUR_NUMBER,
        url=f"{stubbed.url}/api",
        status_callback=f"{stubbed.url}/status",
    )
    assert call.sid.startswith("CA") and call.direction == "outbound-api"
    run = stubbed.sim.history.get(call.sid) or stubbed.sim.runs[call.sid]
    assert run.done.wait(10)
    (first,) = stubbed.stub.kinds("/api")
    assert first["form"]["Direction"] == "outbound-api"
    assert first["form"]["CallStatus"] == "in-progress"
    fetched = api.calls(call.sid).fetch()
    assert fetched.status == "completed" and fetched.duration == "2"
    assert [c.sid for c in api.calls.list(limit=5)] == [call.sid]
    with pytest.raises(TwilioRestException) as missing:
        api.calls.create(to=CUSTOMER, from_=OUR_NUMBER)
    assert missing.value.code == 21205


def test_a_call_in_progress_is_hung_up_or_redirected_through_the_api(served, stubbed):
    stubbed.stub.on("/voice", '<Response><Pause length="600"/></Response>')
    stubbed.stub.on("/elsewhere", "<Response><Say>Moved</Say><Hangup/></Response>")
    sim, api = stubbed.sim, account(served)
    sim.config.real_speed = 100  # the 600 s pause takes 6 s: time enough to step in
    run = sim.inbound_call(CUSTOMER, OUR_NUMBER, wait=False, realtime=True)
    _wait_for_verb(run)
    api.calls(run.parent.sid).update(url=f"{stubbed.url}/elsewhere")
    assert run.done.wait(10)
    assert [e["text"] for e in run.log if e["kind"] == "verb"][-2:] == [
        "<Say>Moved</Say>",
        "<Hangup>",
    ]
    run = sim.inbound_call(CUSTOMER, OUR_NUMBER, wait=False, realtime=True)
    _wait_for_verb(run)
    api.calls(run.parent.sid).update(status="completed")
    assert run.done.wait(10)
    assert run.parent.record.status == "completed"
    assert "call ends: hung up through the REST API" in [e["text"] for e in run.log]


def _wait_for_verb(run) -> None:
    import time

    deadline = time.monotonic() + 10
    while not any(e["kind"] == "verb" for e in run.log):
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_recordings_are_real_wav_files_of_their_length_and_can_be_deleted(served, stubbed):
    url = stubbed.url
    stubbed.stub.on("/voice", f'<Response><Record action="{url}/done"/></Response>')
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(message_seconds=23))
    (recording,) = run.recordings
    api = account(served)
    meta = api.recordings(recording.sid).fetch()
    assert (meta.duration, meta.call_sid, meta.source) == ("23", run.parent.sid, "RecordVerb")

    adapter = TwilioAdapter(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, served.url)
    media = adapter.fetch_recording(recording.sid)
    with wave.open(io.BytesIO(media)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, 8000, 2)
        assert wav.getnframes() == 23 * 8000
    adapter.delete_recording(recording.sid)
    with pytest.raises(TelephonyError, match="HTTP 404"):
        adapter.fetch_recording(recording.sid)
    adapter.delete_recording(recording.sid)  # already gone is fine for the app
    wrong = TwilioAdapter(DEMO_ACCOUNT_SID, "wrong", served.url)
    with pytest.raises(TelephonyError, match="HTTP 401"):
        wrong.fetch_recording(recording.sid)


def test_the_apps_adapter_lists_searches_buys_and_configures(served, stubbed):
    adapter = TwilioAdapter(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, served.url)
    assert [n.number for n in adapter.list_numbers()] == [OUR_NUMBER]
    found = adapter.search_available("DE", contains="5550042")
    assert found == [NumberInfo(None, "+49305550042", "+49305550042", "local")]
    hooks = {
        "voice_url": "https://a/in",
        "fallback_url": "https://a/fb",
        "status_callback": "https://a/st",
    }
    bought = adapter.buy_number("+49305550042", **hooks, **german_papers(stubbed.sim))
    number = stubbed.sim.account.numbers[bought.sid]
    assert (number.voice_url, number.voice_fallback_url, number.status_callback) == (
        "https://a/in",
        "https://a/fb",
        "https://a/st",
    )
    ours = stubbed.sim.account.number(OUR_NUMBER)
    adapter.configure_number(ours.sid, **hooks)
    assert ours.voice_url == "https://a/in"
    with pytest.raises(TelephonyError):
        TwilioAdapter(DEMO_ACCOUNT_SID, "wrong", served.url).list_numbers()
