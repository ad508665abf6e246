"""The softphone's server side: presence that expires without the browser's heartbeat and
no longer rings, busy during a call and wrap-up after it, the number normalising the dial
pad uses, and the caller card (only what the asker may see)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import CaseFactory, ContactFactory, OrderFactory, UserFactory
from tests.order_helpers import make_product
from tests.request_helpers import make_request
from tests.twilio_helpers import (
    TWILIO_SETTINGS,
    gather_params,
    new_call_sid,
    parse_twiml,
    signed_post,
    status_params,
    voice_params,
)
from voiceapp.db import utcnow
from voiceapp.models import AgentPresence, ContactPhone
from voiceapp.services.accounts import create_api_token
from voiceapp.services.team_settings import editable_team_settings

OUR_NUMBER = "+4930901820"
CALLER = "+4915112345678"
OPEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Berlin


@pytest.fixture
def app_tw(shared_app):
    return shared_app(**TWILIO_SETTINGS, presence_timeout_seconds=60)


@pytest.fixture
def tw(app_tw):
    return app_tw.test_client()


@pytest.fixture
def api(app_tw, dbs):
    def for_user(user):
        _row, token = create_api_token(dbs, user, name="t", now=utcnow())
        dbs.commit()
        client = app_tw.test_client()

        def call(method, url, **kw):
            return client.open(
                url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw
            )

        return call

    return for_user


def _ring(tw) -> list[str]:
    """An inbound call through the IVR (German, second reason): who rings, or [] when it
    goes to voicemail."""
    sid = new_call_sid()
    signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
    signed_post(tw, "/twilio/ivr/language", gather_params(sid, "1"))
    root = parse_twiml(signed_post(tw, "/twilio/ivr/reason", gather_params(sid, "2")))
    dial = root.find("Dial")
    return [] if dial is None else [c.text.strip() for c in dial.findall("Client")]


def test_presence_expires_without_heartbeats_and_the_agent_no_longer_rings(tw, api, team, dbs):
    agent = UserFactory(languages=["de"])
    call = api(agent)
    with time_machine.travel(OPEN, tick=False) as clock:
        online = call("PUT", "/api/agents/me/presence", json={"status": "online"}).json
        assert online["status"] == "online"
        assert online["heartbeat_seconds"] == 20  # three per 60 s timeout
        assert _ring(tw) == [f"agent_{agent.id}"]

        # Heartbeats keep the agent online past the timeout.
        for _ in range(4):
            clock.shift(timedelta(seconds=20))
            assert call("POST", "/api/agents/me/presence/heartbeat").json["status"] == "online"
        assert _ring(tw) == [f"agent_{agent.id}"]

        # The tab is closed: 60 s later the agent still rings, a second more and not.
        clock.shift(timedelta(seconds=60))
        assert call("GET", "/api/agents/me/presence").json["status"] == "online"
        assert _ring(tw) == [f"agent_{agent.id}"]
        clock.shift(timedelta(seconds=1))
        assert call("GET", "/api/agents/me/presence").json["status"] == "offline"
        assert _ring(tw) == []

        # A late heartbeat does not bring them back: they go online themselves.
        late = call("POST", "/api/agents/me/presence/heartbeat").json
        assert late["status"] == "offline"
        dbs.expire_all()
        assert dbs.get(AgentPresence, agent.id).status == "offline"
        assert (
            call("PUT", "/api/agents/me/presence", json={"status": "online"}).json["status"]
            == "online"
        )
        assert _ring(tw) == [f"agent_{agent.id}"]


def test_busy_during_a_call_then_wrap_up_then_online_again(tw, api, team, dbs):
    settings = editable_team_settings(dbs)
    settings.wrap_up_seconds = 30
    dbs.commit()
    agent = UserFactory(languages=["de"])
    call = api(agent)
    with time_machine.travel(OPEN, tick=False) as clock:
        call("PUT", "/api/agents/me/presence", json={"status": "online"})
        parent = new_call_sid()
        signed_post(tw, "/twilio/voice/inbound", voice_params(parent, from_=CALLER, to=OUR_NUMBER))
        leg = new_call_sid()

        def leg_status(status: str, seq: int, **kw) -> dict:
            params = status_params(
                leg,
                status,
                seq,
                from_=CALLER,
                to=f"client:agent_{agent.id}",
                parent=parent,
                direction="outbound-dial",
                **kw,
            )
            answer = signed_post(tw, "/twilio/voice/status", params)
            assert answer.status_code == 200
            return answer

        leg_status("ringing", 1)
        leg_status("in-progress", 2)
        busy = call("GET", "/api/agents/me/presence").json
        assert (busy["status"], busy["call_sid"]) == ("busy", parent)
        assert _ring(tw) == []

        clock.shift(timedelta(seconds=45))
        call("POST", "/api/agents/me/presence/heartbeat")
        leg_status("completed", 3, duration=45)
        wrap = call("GET", "/api/agents/me/presence").json
        assert wrap["status"] == "busy"
        assert wrap["wrap_up_until"].startswith("2026-11-23T09:01:15")
        assert _ring(tw) == []

        clock.shift(timedelta(seconds=29))
        assert _ring(tw) == []
        clock.shift(timedelta(seconds=1))
        assert call("GET", "/api/agents/me/presence").json["status"] == "online"
        assert _ring(tw) == [f"agent_{agent.id}"]


def test_an_agent_going_online_ends_the_wrap_up_early(api, ctx, dbs):
    agent = UserFactory()
    dbs.add(
        AgentPresence(
            user_id=agent.id,
            status="online",
            updated_at=utcnow(),
            seen_at=utcnow(),
            available_at=utcnow() + timedelta(seconds=30),
        )
    )
    dbs.commit()
    call = api(agent)
    assert call("GET", "/api/agents/me/presence").json["status"] == "busy"
    assert call("PUT", "/api/agents/me/presence", json={"status": "online"}).json["status"] == (
        "online"
    )


@pytest.mark.parametrize(
    ("number", "region", "expected"),
    [
        ("0151 12345678", "DE", "+4915112345678"),
        ("(0151) 123-456-78", None, "+4915112345678"),  # DEFAULT_REGION (DE)
        ("0049 151 12345678", "FR", "+4915112345678"),
        ("+43 664 1234567", "DE", "+436641234567"),
        ("06 12 34 56 78", "fr", "+33612345678"),
        ("tel:+49-151-12345678", None, "+4915112345678"),
    ],
)
def test_the_dial_pad_normalises_numbers_as_the_server_stores_them(
    api, ctx, number, region, expected
):
    call = api(UserFactory())
    query = {"number": number} | ({"region": region} if region else {})
    answer = call("GET", "/api/phone-numbers/normalized", query_string=query)
    assert answer.status_code == 200, answer.json
    assert answer.json["number"] == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"number": "12"}, "number"),
        ({"number": "0151 12345678", "region": "ZZ"}, "number"),
        ({"number": "0151 12345678", "region": "Deutschland"}, "region"),
        ({}, "number"),
    ],
)
def test_a_number_that_is_not_one_is_a_422_with_the_field(api, ctx, query, field):
    answer = api(UserFactory())("GET", "/api/phone-numbers/normalized", query_string=query)
    assert answer.status_code == 422
    assert field in answer.json["errors"]["query"]


def test_the_caller_card_names_the_contact_their_open_case_and_unpaid_order(api, ctx, dbs):
    agent = UserFactory(role="agent")
    contact = ContactFactory(
        first_name="Lena", last_name="Gruber", phones=[ContactPhone(number=CALLER, kind="mobile")]
    )
    case = CaseFactory(contact=contact, assignee_id=agent.id, type="callback_request")
    order = OrderFactory(contact_id=contact.id, seller_id=agent.id, total="120.00")
    OrderFactory(contact_id=contact.id, seller_id=agent.id, status="paid")
    dbs.commit()

    card = api(agent)("GET", "/api/caller-card", query_string={"number": "0151 12345678"}).json

    assert card["number"] == CALLER and card["display"] == "+49 1511 2345678"
    assert card["contact"] == {"id": contact.id, "name": "Lena Gruber", "others_with_number": 0}
    assert (card["open_case"]["id"], card["open_case"]["type"]) == (case.id, "callback_request")
    assert card["open_order"] == {
        "id": order.id,
        "number": order.number,
        "status": "pending",
        "total": "120.00",
        "currency": "EUR",
    }
    assert card["open_requests"] is None


def test_the_caller_card_lists_the_callers_open_written_requests(api, ctx, dbs):
    agent = UserFactory(role="agent")
    older = make_request(dbs, phone=CALLER, message="Please call me back")
    newer = make_request(dbs, phone=CALLER, product_id=make_product(dbs).id)
    done = make_request(dbs, phone=CALLER)
    done.status = "declined"
    dbs.commit()
    assert older.contact_id == newer.contact_id == done.contact_id

    card = api(agent)("GET", "/api/caller-card", query_string={"number": CALLER}).json

    assert card["open_requests"] == [
        {"id": newer.id, "status": "pending", "kind": "dossier", "stage": "new"},
        {"id": older.id, "status": "pending", "kind": "simple", "stage": None},
    ]


def test_the_caller_card_hides_what_the_asker_may_not_see(api, ctx, dbs):
    owner = UserFactory(role="agent")
    other = UserFactory(role="agent")
    contact = ContactFactory(
        visibility="private", owner_id=owner.id, phones=[ContactPhone(number=CALLER)]
    )
    OrderFactory(contact_id=contact.id, seller_id=owner.id)
    dbs.commit()

    hidden = api(other)("GET", "/api/caller-card", query_string={"number": CALLER}).json
    assert hidden == {
        "number": CALLER,
        "display": "+49 1511 2345678",
        "contact": None,
        "open_case": None,
        "open_order": None,
        "open_requests": None,
    }
    seen = api(owner)("GET", "/api/caller-card", query_string={"number": CALLER}).json
    assert seen["contact"]["id"] == contact.id and seen["open_order"] is not None
    # A browser identity or a withheld number is shown as it is, with nothing looked up.
    withheld = api(owner)("GET", "/api/caller-card", query_string={"number": "anonymous"}).json
    assert (withheld["display"], withheld["contact"]) == ("anonymous", None)
