"""Softphones for the browser, over HTTP as the panel's demo mode uses them: registering
with the app's own access token (GET /api/token), server-sent events for incoming calls,
answering and hanging up by POST, calling out like the Voice SDK; CORS for the app's origin
only; a forged or foreign token refused."""

from __future__ import annotations

import json
import queue
import threading
import time

import pytest
import requests
from sqlalchemy import select

from tests.sim.conftest import CUSTOMER, OUR_NUMBER, api_token, go_online, settle
from voiceapp.models import Call, NumberOperator, PhoneNumber
from voiceapp.sim.parties import Party
from voiceapp.telephony.credentials import TwilioCredentials
from voiceapp.telephony.tokens import voice_access_token


class EventStream:
    """Reads a softphone's server-sent events in a thread."""

    def __init__(self, url: str):
        self.events: queue.Queue = queue.Queue()
        self.response = requests.get(url, stream=True, timeout=(5, 60))
        assert self.response.status_code == 200, self.response.text
        assert self.response.headers["Content-Type"].startswith("text/event-stream")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        name = None
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    self.events.put((name, json.loads(line[6:])))
        except requests.RequestException:
            pass

    def next(self, wanted: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            name, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if name == wanted:
                return data

    def close(self):
        pass  # the stream ends when the simulator stops (closing it here would wait on it)


@pytest.fixture
def phone(world, agent, dbs):
    """The agent's browser softphone, registered with the app's access token."""
    token = api_token(dbs, agent)
    access = world.api(token, "GET", "/api/token").json()["token"]
    registered = requests.post(f"{world.sim_url}/sim/phones", json={"token": access}, timeout=5)
    assert registered.status_code == 200, registered.text
    assert registered.json()["identity"] == f"agent_{agent.id}"
    key = registered.json()["key"]
    stream = EventStream(f"{world.sim_url}/sim/phones/events?key={key}")
    stream.next("registered")
    # A person is on these calls: 5 call seconds a second (the 20 s ring lasts 4 s).
    world.sim.config.real_speed = 5
    yield key, stream, token
    stream.close()


def act(world, key: str, path: str, **body) -> requests.Response:
    return requests.post(
        f"{world.sim_url}/sim/phones/{path}",
        json=body,
        headers={"X-Sim-Phone-Key": key},
        timeout=5,
    )


def test_an_incoming_call_rings_in_the_browser_and_is_answered_and_hung_up_there(
    world, agent, dbs, phone
):
    key, stream, token = phone
    go_online(world, token)
    run = world.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=["1", "1"]), wait=False)
    incoming = stream.next("incoming")
    assert incoming["parameters"]["From"] == CUSTOMER
    assert incoming["parameters"]["To"] == f"client:agent_{agent.id}"
    assert act(world, key, f"calls/{incoming['call_sid']}/answer").status_code == 200
    assert stream.next("accept")["call_sid"] == incoming["call_sid"]
    assert act(world, key, f"calls/{incoming['call_sid']}/hangup").status_code == 200
    assert stream.next("disconnect")["call_sid"] == incoming["call_sid"]
    assert run.done.wait(10)
    assert run.parent.record.outcome == "answered"
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert call.agent_id == agent.id and call.missed is False
    assert call.recordings[0].fetched_at is not None
    # The call is over: acting on it again is refused.
    assert act(world, key, f"calls/{incoming['call_sid']}/hangup").status_code == 409


def test_a_call_rejected_in_the_browser_goes_to_voicemail(world, agent, dbs, phone):
    key, stream, token = phone
    go_online(world, token)
    run = world.sim.inbound_call(
        CUSTOMER, OUR_NUMBER, caller=Party(digits=["1", "1"], message_seconds=6), wait=False
    )
    incoming = stream.next("incoming")
    assert act(world, key, f"calls/{incoming['call_sid']}/reject").status_code == 200
    assert run.done.wait(10)
    assert run.parent.record.outcome == "voicemail"
    assert run.children[0].record.status == "busy"


def test_the_browser_calls_out_like_the_voice_sdk(world, agent, dbs, phone):
    key, stream, _token = phone
    number = dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == OUR_NUMBER))
    dbs.add(NumberOperator(phone_number_id=number.id, user_id=agent.id))
    dbs.commit()
    world.sim.customers["+4917612345678"] = Party(answer_after=2, talk_seconds=600)
    placed = act(world, key, "connect", params={"To": "+49 176 12345678"})
    assert placed.status_code == 200, placed.text
    sid = placed.json()["call_sid"]
    assert stream.next("accept")["call_sid"] == sid  # the customer answered
    assert act(world, key, f"calls/{sid}/hangup").status_code == 200
    assert stream.next("disconnect")["call_sid"] == sid
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == sid))
    assert (call.direction, call.agent_id, call.to_number) == (
        "outbound",
        agent.id,
        "+4917612345678",
    )


def test_only_the_apps_origin_may_use_the_softphone_endpoints(world):
    origin = world.app_url
    allowed = requests.options(
        f"{world.sim_url}/sim/phones",
        timeout=5,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == origin
    assert "X-Sim-Phone-Key" in allowed.headers["Access-Control-Allow-Headers"]
    local = origin.replace("127.0.0.1", "localhost")  # the same app, opened as localhost
    also = requests.options(f"{world.sim_url}/sim/phones", timeout=5, headers={"Origin": local})
    assert also.headers["Access-Control-Allow-Origin"] == local
    foreign = requests.options(
        f"{world.sim_url}/sim/phones", timeout=5, headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_a_forged_or_foreign_token_does_not_register(world, agent):
    forged = voice_access_token(
        TwilioCredentials(
            world.sim.config.account_sid,
            None,
            world.sim.config.api_key_sid,
            "not-the-secret-but-long-enough-for-hs256",
            "AP" + "0" * 32,
            None,
        ),
        f"agent_{agent.id}",
    )
    foreign = voice_access_token(
        TwilioCredentials(
            "AC" + "9" * 32,
            None,
            world.sim.config.api_key_sid,
            world.sim.config.api_key_secret,
            "AP" + "0" * 32,
            None,
        ),
        f"agent_{agent.id}",
    )
    for token, reason in [(forged, "signature"), (foreign, "another"), ("garbage", "JWT")]:
        refused = requests.post(f"{world.sim_url}/sim/phones", json={"token": token}, timeout=5)
        assert refused.status_code == 401 and reason in refused.json()["error"]
    assert requests.get(f"{world.sim_url}/sim/phones/events?key=nope", timeout=5).status_code == 401


def test_a_fresh_token_for_another_identity_is_refused_by_the_softphone_token_update(world, dbs):
    """device.updateToken with a token proving someone else: refused (403), counted nowhere."""
    import requests

    from tests.factories import UserFactory
    from voiceapp.telephony.credentials import TwilioCredentials
    from voiceapp.telephony.tokens import voice_access_token

    config = world.sim.config
    creds = TwilioCredentials(
        config.account_sid,
        None,
        config.api_key_sid,
        config.api_key_secret,
        config.twiml_app_sid,
        None,
    )
    first, other = UserFactory(), UserFactory()
    registered = requests.post(
        f"{world.sim_url}/sim/phones",
        json={"token": voice_access_token(creds, f"agent_{first.id}")},
        timeout=10,
    ).json()
    headers = {"X-Sim-Phone-Key": registered["key"]}
    wrong = requests.post(
        f"{world.sim_url}/sim/phones/token",
        json={"token": voice_access_token(creds, f"agent_{other.id}")},
        headers=headers,
        timeout=10,
    )
    assert wrong.status_code == 403
    right = requests.post(
        f"{world.sim_url}/sim/phones/token",
        json={"token": voice_access_token(creds, f"agent_{first.id}")},
        headers=headers,
        timeout=10,
    )
    assert right.status_code == 200
    assert world.sim.phones.browsers[f"agent_{first.id}"].token_updates == 1
