"""How often the busiest requests wait for PostgreSQL, counted in libpq's own trace of the
connection: each round trip (BEGIN and COMMIT included) costs the request a wait and both
processes a switch, about 0.1 ms here (bench/README.md), and these paths were brought down
to these counts one statement at a time (issue 15). A change that adds one fails here, with
the round trips listed; one that saves one updates the figure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tests.factories import ContactFactory, UserFactory
from tests.sql_capture import traced_round_trips
from tests.twilio_helpers import new_call_sid, signed_post, status_params, voice_params
from voiceapp.db import get_database, utcnow
from voiceapp.services.accounts import create_api_token

OUR_NUMBER = "+4930901820"
# A Monday, 10:00 in Berlin: open by the default business hours, so a caller gets the IVR.
OPEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def count_round_trips(twilio_app, database_url, tmp_path):
    """count(request) -> the round trips `request()` made, as the messages of each; the
    clock stopped in business hours."""
    if not database_url.startswith("postgresql"):
        pytest.skip("round trips to PostgreSQL's server (SQLite runs in the process)")

    def count(request) -> list[str]:
        with twilio_app.app_context():
            engine = get_database().engine
        with traced_round_trips(engine, tmp_path / "libpq.trace") as round_trips:
            request()
            return round_trips()

    with time_machine.travel(OPEN, tick=False):
        yield count


def inbound(tw, caller: str):
    def post():
        answer = signed_post(
            tw, "/twilio/voice/inbound", voice_params(new_call_sid(), from_=caller, to=OUR_NUMBER)
        )
        assert answer.status_code == 200 and b"<Gather" in answer.data, answer.data

    return post


def test_an_inbound_call_from_a_new_caller(tw, team, count_round_trips):
    """BEGIN; the settings; both numbers ours?; the caller's contact (none); the new
    contact's row; the call's row, with it; the contact's number; the history's two lines
    (one INSERT); the IVR's state; COMMIT."""
    inbound(tw, "+4915100000001")()  # the process's first: its caches filled
    trips = count_round_trips(inbound(tw, "+4915100000002"))
    assert len(trips) == 10, "\n".join(trips)


def test_an_inbound_call_from_a_known_caller(tw, team, count_round_trips):
    """BEGIN; the settings; both numbers ours?; the caller's contact, found: the call's
    row goes in with it; its history line; the IVR's state; COMMIT."""
    inbound(tw, "+4915100000003")()
    trips = count_round_trips(inbound(tw, "+4915100000003"))
    assert len(trips) == 8, "\n".join(trips)


def test_a_status_callback(tw, team, count_round_trips):
    """BEGIN; the settings; the event (skipped if a retry's); the call, locked; its new
    state; COMMIT."""
    sid = new_call_sid()
    inbound_call = voice_params(sid, from_="+4915100000004", to=OUR_NUMBER)
    assert signed_post(tw, "/twilio/voice/inbound", inbound_call).status_code == 200

    def callback(status: str, sequence: int):
        def post():
            answer = signed_post(tw, "/twilio/voice/status", status_params(sid, status, sequence))
            assert answer.status_code == 200, answer.data

        return post

    callback("ringing", 1)()
    trips = count_round_trips(callback("in-progress", 2))
    assert len(trips) == 6, "\n".join(trips)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/api/calls", 3), ("/api/contacts", 5), ("/api/cases?view=today", 2)],
)
def test_an_api_page(tw, dbs, count_round_trips, path, expected):
    """A GET reads in autocommit (no BEGIN, no COMMIT): the token with its user and the
    settings, then the page: its count and rows (Call today's in one statement), a
    contact page's numbers and e-mails."""
    manager = UserFactory(role="sales_manager")
    ContactFactory.create_batch(3)
    _row, token = create_api_token(dbs, manager, name="round trips", now=utcnow())
    dbs.commit()

    def get():
        answer = tw.get(path, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.data

    get()
    trips = count_round_trips(get)
    assert len(trips) == expected, "\n".join(trips)
