"""The calls pages through the test client: the calls list and its filters, what agents see,
missed calls with call-back, and recordings streamed only to those who may hear them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.factories import PASSWORD, ContactFactory, UserFactory
from tests.http_helpers import assert_sign_in_redirect
from voiceapp.domain.phones import format_international
from voiceapp.models import Call, ContactPhone, Recording, RecordingListen
from voiceapp.web.vendor import DEFAULT_NODE_MODULES, VENDOR_FILES

CUSTOMER = "+4915112345678"
OUR_NUMBER = "+4930901820"
WAV = b"RIFF" + b"\x24\x00\x00\x00" + b"WAVEfmt " + bytes(range(200))
_sids = itertools.count(1)
# 4 March 2025 09:30 UTC is 10:30 in Berlin (CET).
T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def client(files_app):
    return files_app.test_client()


def _signed_in(client, role="agent", **kw):
    user = UserFactory(role=role, **kw)
    sign_in(client, user.email, PASSWORD)
    return user


def add_call(dbs, **fields) -> Call:
    values = {
        "sid": f"CA{next(_sids):032x}",
        "direction": "inbound",
        "from_number": CUSTOMER,
        "to_number": OUR_NUMBER,
        "status": "completed",
        "started_at": T0,
        "duration": 75,
        "price": Decimal("-0.01300"),
        "price_unit": "USD",
    }
    values.update(fields)
    call = Call(**values)
    dbs.add(call)
    dbs.commit()
    return call


def add_recording(dbs, app, call: Call, *, stored: bool = True, media: bytes = WAV, **fields):
    sid = f"RE{next(_sids):032x}"
    rec = Recording(sid=sid, call_sid=call.sid, status="completed", duration=12, **fields)
    if stored:
        relative = f"2025/03/{sid}.wav"
        target = app.config["VOICEAPP"].resolved_recordings_path() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(media)
        rec.media_path = relative
        rec.media_bytes = len(media)
        rec.fetched_at = T0 + timedelta(minutes=2)
    dbs.add(rec)
    dbs.commit()
    return rec


def listens(dbs, rec: Recording) -> list[int]:
    dbs.rollback()  # see what the requests wrote
    return list(
        dbs.scalars(select(RecordingListen.user_id).where(RecordingListen.recording_id == rec.id))
    )


def sids_on(page) -> set[str]:
    import re

    return set(re.findall(r'data-call-sid="([^"]+)"', page.text))


# --- the calls list -----------------------------------------------------------------------


def test_calls_list_shows_time_agent_contact_direction_duration_cost_and_status(client, ctx, dbs):
    _signed_in(client, role="sales_manager")
    agent = UserFactory(name="Anna Agent")
    contact = ContactFactory(first_name="Lena", last_name="Gruber", phones=[])
    add_call(dbs, agent_id=agent.id, contact_id=contact.id)
    add_call(
        dbs,
        direction="outbound",
        from_number=OUR_NUMBER,
        to_number="+4369912345678",
        started_at=T0 + timedelta(hours=1),
        duration=3725,
        price=None,
        status="no-answer",
    )

    page = client.get("/calls")

    assert page.status_code == 200
    html = page.text
    assert "2025-03-04 10:30" in html  # the team's zone, not UTC
    assert "Anna Agent" in html
    assert f'<a href="/contacts/{contact.id}">Lena Gruber</a>' in html
    assert format_international("+4369912345678") in html  # no contact: the number
    assert "0.0130 USD" in html
    assert "1:15" in html and "62:05" in html
    assert "no-answer" in html and "outbound" in html
    # Newest first.
    assert html.index("2025-03-04 11:30") < html.index("2025-03-04 10:30")


def test_missed_and_voicemail_calls_carry_badges(client, ctx, dbs):
    _signed_in(client, role="admin")
    add_call(dbs, missed=True, voicemail=True, status="completed", agent_id=None)
    html = client.get("/calls").text
    assert '<span class="badge badge-red">missed</span>' in html
    assert '<span class="badge badge-yellow">voicemail</span>' in html


def test_calls_list_filters_by_direction_status_missed_agent_and_dates(client, ctx, dbs):
    _signed_in(client, role="admin")
    anna, ben = UserFactory(name="Anna"), UserFactory(name="Ben")
    a = add_call(dbs, agent_id=anna.id, started_at=T0)
    b = add_call(dbs, direction="outbound", agent_id=ben.id, started_at=T0 + timedelta(days=1))
    c = add_call(dbs, status="no-answer", missed=True, started_at=T0 + timedelta(days=2))
    # 23:30 UTC on 6 March is already 7 March in Berlin.
    d = add_call(dbs, agent_id=anna.id, started_at=datetime(2025, 3, 6, 23, 30, tzinfo=UTC))

    def shown(**query):
        page = client.get("/calls", query_string=query)
        assert page.status_code == 200, page.text
        return sids_on(page)

    assert shown() == {a.sid, b.sid, c.sid, d.sid}
    assert shown(direction="outbound") == {b.sid}
    assert shown(status="no-answer") == {c.sid}
    assert shown(missed="1") == {c.sid}
    assert shown(agent=str(anna.id)) == {a.sid, d.sid}
    assert shown(**{"from": "2025-03-05", "to": "2025-03-06"}) == {b.sid, c.sid}
    assert shown(**{"from": "2025-03-07"}) == {d.sid}
    assert shown(**{"to": "2025-03-04"}) == {a.sid}
    # What was chosen stays chosen in the form.
    page = client.get("/calls", query_string={"direction": "outbound", "missed": "1"})
    assert '<option value="outbound" selected>' in page.text
    assert 'name="missed" value="1" checked' in page.text


def test_bad_filters_answer_422_with_the_reason_and_no_calls(client, ctx, dbs):
    _signed_in(client, role="admin")
    add_call(dbs)
    page = client.get("/calls", query_string={"from": "4 March", "status": "lost"})
    assert page.status_code == 422
    assert "From: &#39;4 March&#39; is not a date (YYYY-MM-DD)." in page.text
    assert "Status: &#39;lost&#39; is not a call status." in page.text
    assert sids_on(page) == set()
    later = client.get("/calls", query_string={"from": "2025-03-05", "to": "2025-03-01"})
    assert later.status_code == 422
    assert "The From date is after the To date." in later.text


def test_calls_list_pages_by_fifty(client, ctx, dbs):
    _signed_in(client, role="admin")
    for i in range(51):
        add_call(dbs, started_at=T0 + timedelta(minutes=i))
    first = client.get("/calls?direction=inbound")
    assert len(sids_on(first)) == 50
    assert "Page 1 of 2" in first.text
    assert 'href="/calls?page=2&amp;direction=inbound"' in first.text
    second = client.get("/calls?page=2&direction=inbound")
    assert len(sids_on(second)) == 1
    assert "2025-03-04 10:30" in second.text  # the oldest


def test_an_agent_sees_own_and_unanswered_calls_only_and_no_agent_filter(client, ctx, dbs):
    agent = _signed_in(client)
    other = UserFactory(name="Other Agent")
    own = add_call(dbs, agent_id=agent.id)
    nobodys = add_call(dbs, agent_id=None, missed=True)
    others = add_call(dbs, agent_id=other.id)

    page = client.get("/calls")
    assert sids_on(page) == {own.sid, nobodys.sid}
    assert 'name="agent"' not in page.text
    # Asking for another agent's calls changes nothing.
    assert sids_on(client.get(f"/calls?agent={other.id}")) == {own.sid, nobodys.sid}
    assert others.sid not in client.get("/calls/missed").text


def test_a_private_contact_of_another_agent_shows_as_the_number(client, ctx, dbs):
    agent = _signed_in(client)
    private = ContactFactory(
        first_name="Secret",
        owner_id=UserFactory().id,
        visibility="private",
        phones=[ContactPhone(number=CUSTOMER)],
    )
    add_call(dbs, agent_id=agent.id, contact_id=private.id)
    html = client.get("/calls").text
    assert "Secret" not in html
    assert f"/contacts/{private.id}" not in html
    assert format_international(CUSTOMER) in html


def test_signed_out_visitors_are_sent_to_sign_in(client, ctx):
    for path in ("/calls", "/calls/missed", "/phone", "/calls/recordings/RE123"):
        response = client.get(path)
        assert_sign_in_redirect(response, path)


# --- missed calls -------------------------------------------------------------------------


def test_missed_calls_lists_inbound_missed_newest_first_with_call_back_link(client, ctx, dbs):
    _signed_in(client)
    contact = ContactFactory(first_name="Lena", last_name="Gruber", phones=[])
    older = add_call(dbs, missed=True, from_number="+4915199990000", started_at=T0)
    newer = add_call(
        dbs, missed=True, contact_id=contact.id, voicemail=True, started_at=T0 + timedelta(hours=2)
    )
    add_call(dbs, missed=False)  # answered
    add_call(dbs, direction="outbound", missed=True, to_number="+4915100000001")
    withheld = add_call(dbs, missed=True, from_number="anonymous", started_at=T0 - timedelta(1))

    page = client.get("/calls/missed")

    assert page.status_code == 200
    assert sids_on(page) == {older.sid, newer.sid, withheld.sid}
    html = page.text
    assert html.index(newer.sid) < html.index(older.sid) < html.index(withheld.sid)
    assert f'<a href="/contacts/{contact.id}">Lena Gruber</a>' in html
    assert "2025-03-04 12:30" in html
    # Click-to-call links: the softphone bar dials data-call in place; the Phone page
    # with the number is where the link goes without the script.
    assert 'href="/phone?to=%2B4915112345678" data-call="+4915112345678"' in html
    assert 'href="/phone?to=%2B4915199990000" data-call="+4915199990000"' in html
    assert "withheld number" in html
    assert html.count(">Call back</a>") == 2  # nothing to call back on a withheld number
    assert html.count("badge-yellow") == 1


def test_missed_calls_play_a_stored_voicemail_for_a_manager(client, files_app, ctx, dbs):
    _signed_in(client, role="sales_manager")
    call = add_call(dbs, missed=True, voicemail=True, status="completed")
    rec = add_recording(dbs, files_app, call, source="RecordVerb")
    html = client.get("/calls/missed").text
    assert f'<audio controls preload="none" src="/calls/recordings/{rec.sid}"' in html


def test_the_call_back_link_prefills_the_softphone(client, ctx):
    _signed_in(client)
    page = client.get("/phone?to=%2B4915112345678")
    assert page.status_code == 200
    assert 'id="dial-number" type="tel" name="to" value="+4915112345678"' in page.text


# --- recordings ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "sales_manager"])
def test_managers_and_admins_hear_any_recording_and_each_listen_is_logged(
    client, files_app, ctx, dbs, role
):
    user = _signed_in(client, role=role)
    call = add_call(dbs, agent_id=UserFactory().id)
    rec = add_recording(dbs, files_app, call)

    page = client.get("/calls")
    assert f'src="/calls/recordings/{rec.sid}"' in page.text
    assert "not listened to yet" in page.text

    response = client.get(f"/calls/recordings/{rec.sid}")
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.data == WAV
    assert "no-store" in response.headers["Cache-Control"]
    assert listens(dbs, rec) == [user.id]

    # The list shows who listened when, to managers and admins.
    again = client.get("/calls").text
    assert "Listened once" in again
    assert user.name in again


def test_the_agent_on_the_call_hears_it_other_agents_get_404(client, files_app, ctx, dbs):
    agent = _signed_in(client)
    own = add_recording(dbs, files_app, add_call(dbs, agent_id=agent.id))
    others = add_recording(dbs, files_app, add_call(dbs, agent_id=UserFactory().id))
    # A voicemail nobody answered: the agent sees the call, but may not hear it.
    unanswered_call = add_call(dbs, agent_id=None, missed=True, voicemail=True)
    unanswered = add_recording(dbs, files_app, unanswered_call)

    heard = client.get(f"/calls/recordings/{own.sid}")
    assert heard.status_code == 200 and heard.data == WAV
    for rec in (others, unanswered):
        response = client.get(f"/calls/recordings/{rec.sid}")
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert listens(dbs, rec) == []
    assert listens(dbs, own) == [agent.id]

    html = client.get("/calls").text
    assert f"/calls/recordings/{own.sid}" in html
    assert f"/calls/recordings/{unanswered.sid}" not in html
    # Agents do not see the listening log.
    assert "Listened once" not in html


def test_an_unknown_recording_and_a_not_yet_fetched_one_answer_404(client, files_app, ctx, dbs):
    _signed_in(client, role="admin")
    pending = add_recording(dbs, files_app, add_call(dbs), stored=False)
    assert client.get("/calls/recordings/RE0000").status_code == 404

    response = client.get(f"/calls/recordings/{pending.sid}")

    assert response.status_code == 404
    assert "not stored here yet" in response.text
    assert listens(dbs, pending) == []
    assert "recording not stored yet" in client.get("/calls").text


def test_a_recording_whose_file_is_gone_answers_404_and_logs_nothing(client, files_app, ctx, dbs):
    _signed_in(client, role="admin")
    rec = add_recording(dbs, files_app, add_call(dbs))
    (files_app.config["VOICEAPP"].resolved_recordings_path() / rec.media_path).unlink()
    response = client.get(f"/calls/recordings/{rec.sid}")
    assert response.status_code == 404
    assert "missing from the recordings storage" in response.text
    assert listens(dbs, rec) == []


def test_range_requests_stream_part_of_the_file_and_log_each_answer_with_media(
    client, files_app, ctx, dbs
):
    user = _signed_in(client, role="admin")
    rec = add_recording(dbs, files_app, add_call(dbs))
    url = f"/calls/recordings/{rec.sid}"

    part = client.get(url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206
    assert part.data == WAV[:10]
    assert part.headers["Content-Range"] == f"bytes 0-9/{len(WAV)}"
    # No media in the answer: not a listen.
    assert client.head(url).status_code == 200
    assert client.get(url, headers={"Range": "bytes=9999-"}).status_code == 416

    assert listens(dbs, rec) == [user.id]
    assert dbs.scalar(select(func.count()).select_from(RecordingListen)) == 1


# --- the softphone page -------------------------------------------------------------------


def test_the_phone_page_says_why_browser_calling_is_unavailable(
    files_app, client, ctx, monkeypatch, tmp_path
):
    # A node_modules without the Voice SDK: the page says how to install it, in words.
    monkeypatch.setitem(files_app.config, "NODE_MODULES", str(tmp_path / "node_modules"))
    _signed_in(client)
    html = client.get("/phone").text
    assert "Browser calling needs the Twilio Voice SDK and a configured account." in html
    assert "The Twilio Voice SDK is not installed on this server: run <code>npm ci</code>" in html
    assert "The Twilio account is not configured for softphones" in html
    assert "vendor/twilio.min.js" not in html.split("<body>")[0]  # no script for it
    assert '<script src="/static/softphone.js" defer></script>' in html
    assert '<meta name="csrf-token" content="' in html
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither


@pytest.mark.skipif(
    not (DEFAULT_NODE_MODULES / VENDOR_FILES["twilio.min.js"]).is_file(),
    reason="the front-end libraries are not installed: npm ci (scripts/lib.sh bootstrap)",
)
def test_the_phone_page_loads_the_sdk_when_installed_and_configured(client, ctx, dbs):
    from voiceapp.services.team_settings import editable_team_settings

    _signed_in(client)
    row = editable_team_settings(dbs)
    row.twilio_account_sid = "AC" + "1" * 32
    row.twilio_api_key_sid = "SK" + "1" * 32
    row.twilio_api_key_secret = "secret-secret-secret"
    row.twilio_twiml_app_sid = "AP" + "1" * 32
    dbs.commit()

    html = client.get("/phone").text

    assert '<script src="/static/vendor/twilio.min.js" defer></script>' in html
    assert 'data-sdk="yes"' in html and 'data-configured="yes"' in html
    assert 'data-testid="sdk-notice"' not in html
