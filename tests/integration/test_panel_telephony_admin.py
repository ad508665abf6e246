"""Telephony administration through the test client: the Twilio settings form (secrets are
never shown again), IVR settings, and numbers linked or bought through a fake adapter."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect
from voiceapp.models import NumberOperator, PhoneNumber, TeamSettings
from voiceapp.services.team_settings import editable_team_settings
from voiceapp.telephony.adapter import NumberInfo, TelephonyError

PUBLIC = "https://voice.example.com"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
API_KEY_SID = "SK" + "fedcba9876543210" * 2
TWIML_APP_SID = "AP" + "00112233445566778899aabbccddeeff"
AUTH_TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
API_KEY_SECRET = "S3cr3tS3cr3tS3cr3tS3cr3tXyZw9876"
ADMIN_PAGES = ("/settings/telephony", "/numbers", "/numbers/account", "/numbers/search")


class FakeAdapter:
    """Twilio's REST side as the admin pages use it; `fail` makes every call refuse."""

    def __init__(self):
        self.account = [
            NumberInfo("PN" + "1" * 32, "+4930901820", "Berlin main"),
            NumberInfo("PN" + "2" * 32, "+4940809010", "Hamburg"),
        ]
        self.available = [NumberInfo(None, "+4930555000111", "(030) 555 000 111")]
        self.searches: list[tuple] = []
        self.bought: list[tuple] = []
        self.fail: str | None = None
        self.webhooks: dict[str, tuple] = {}

    def _check(self):
        if self.fail:
            raise TelephonyError(self.fail)

    def list_numbers(self):
        self._check()
        return list(self.account)

    def search_available(self, country, contains=None):
        self._check()
        self.searches.append((country, contains))
        return list(self.available)

    def buy_number(
        self, number, *, voice_url, fallback_url, status_callback, bundle_sid=None, address_sid=None
    ):
        self._check()
        self.bought.append((number, voice_url, status_callback))
        self.webhooks[number] = (voice_url, fallback_url, status_callback)
        return NumberInfo("PN" + "9" * 32, number, "bought")

    def approved_bundles(self, country):
        self._check()
        return []

    def addresses(self):
        self._check()
        return []

    def configure_number(self, sid, *, voice_url, fallback_url, status_callback):
        self._check()
        self.webhooks[sid] = (voice_url, fallback_url, status_callback)


@pytest.fixture
def fake():
    return FakeAdapter()


@pytest.fixture
def admin_app(shared_app, fake):
    app = shared_app(public_base_url=PUBLIC)
    app.extensions["voiceapp.telephony_factory"] = lambda creds: fake
    yield app
    del app.extensions["voiceapp.telephony_factory"]  # the app is the session's


@pytest.fixture
def client(admin_app):
    return admin_app.test_client()


def _signed_in(client, role="admin", **kw):
    user = UserFactory(role=role, **kw)
    sign_in(client, user.email, PASSWORD)
    return user


def settings_form(token, **changes):
    data = {
        "csrf_token": token,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_api_key_sid": API_KEY_SID,
        "twilio_api_key_secret": API_KEY_SECRET,
        "twilio_twiml_app_sid": TWIML_APP_SID,
        "languages": "de, EN",
        "ivr_case_types": ["new_order", "cancellation"],
        "hours_mon": "9:00-12:30, 14:00-18:00",
        "hours_tue": "09:00-18:00",
        "hours_wed": "09:00-18:00",
        "hours_thu": "09:00-18:00",
        "hours_fri": "09:00-16:00",
        "hours_sat": "",
        "hours_sun": "",
        "ring_timeout_seconds": "30",
        "wrap_up_seconds": "30",
        "delete_recordings_at_twilio": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def saved(dbs) -> TeamSettings:
    """The stored settings (created with defaults when missing), the transaction ended so
    that the app under test can write."""
    dbs.rollback()
    row = editable_team_settings(dbs)
    dbs.refresh(row)
    dbs.commit()
    return row


# --- who may -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "sales_manager"])
def test_non_admins_get_403_on_every_telephony_admin_page(client, ctx, dbs, role):
    _signed_in(client, role=role)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    token = form_token(client, "/calls")
    for path in ("/settings/telephony", "/numbers/link", "/numbers/buy"):
        response = client.post(path, data={"csrf_token": token, "sid": "PN1", "number": "+4930"})
        assert response.status_code == 403, path
    assert dbs.scalar(select(func.count()).select_from(PhoneNumber)) == 0
    # And the navigation does not offer them.
    html = client.get("/calls").text
    assert "/settings/telephony" not in html and 'href="/numbers"' not in html


# --- the settings form --------------------------------------------------------------------


def test_admin_saves_twilio_and_ivr_settings(client, ctx, dbs):
    _signed_in(client)
    token = form_token(client, "/settings/telephony")

    response = client.post("/settings/telephony", data=settings_form(token))

    assert_redirect(response, "/settings/telephony")
    row = saved(dbs)
    assert row.twilio_account_sid == ACCOUNT_SID
    assert row.twilio_auth_token == AUTH_TOKEN
    assert row.twilio_api_key_sid == API_KEY_SID
    assert row.twilio_api_key_secret == API_KEY_SECRET
    assert row.twilio_twiml_app_sid == TWIML_APP_SID
    assert row.languages == ["de", "en"]
    assert row.ivr_case_types == ["new_order", "cancellation"]
    assert row.business_hours["mon"] == [["09:00", "12:30"], ["14:00", "18:00"]]
    assert row.business_hours["fri"] == [["09:00", "16:00"]]
    assert row.business_hours["sat"] == [] and row.business_hours["sun"] == []
    assert row.ring_timeout_seconds == 30
    assert row.delete_recordings_at_twilio is True
    assert "Telephony settings saved." in client.get(response.headers["Location"]).text


def test_saved_secrets_are_never_shown_again_and_an_empty_field_keeps_them(client, ctx, dbs):
    _signed_in(client)
    client.post(
        "/settings/telephony", data=settings_form(form_token(client, "/settings/telephony"))
    )

    html = client.get("/settings/telephony").text
    for secret in (AUTH_TOKEN, API_KEY_SECRET):
        assert secret not in html
        assert secret[:-4] not in html
    assert "saved (ends with …b1a0)" in html
    assert "saved (ends with …9876)" in html
    assert 'name="twilio_auth_token" type="password" value=""' in html
    assert ACCOUNT_SID in html  # SIDs are not secrets

    # Saving again with the secret fields empty changes other things and keeps the secrets.
    token = form_token(client, "/settings/telephony")
    response = client.post(
        "/settings/telephony",
        data=settings_form(
            token,
            twilio_auth_token="",
            twilio_api_key_secret="",
            ring_timeout_seconds="20",
            ivr_case_types=None,  # no box ticked
            delete_recordings_at_twilio=None,
        ),
    )
    assert_redirect(response, "/settings/telephony")
    row = saved(dbs)
    assert row.twilio_auth_token == AUTH_TOKEN
    assert row.twilio_api_key_secret == API_KEY_SECRET
    assert row.ring_timeout_seconds == 20
    assert row.ivr_case_types == []
    assert row.delete_recordings_at_twilio is False


def test_a_saved_secret_can_be_removed_on_purpose(client, ctx, dbs):
    _signed_in(client)
    client.post(
        "/settings/telephony", data=settings_form(form_token(client, "/settings/telephony"))
    )
    token = form_token(client, "/settings/telephony")
    client.post(
        "/settings/telephony",
        data=settings_form(token, twilio_api_key_secret="", clear_api_key_secret="y"),
    )
    row = saved(dbs)
    assert row.twilio_api_key_secret is None
    assert row.twilio_auth_token == AUTH_TOKEN


def test_a_day_can_run_to_midnight(client, ctx, dbs):
    """00:00-24:00 is the whole day: a team open around the clock has no closed minute."""
    _signed_in(client)
    token = form_token(client, "/settings/telephony")
    response = client.post(
        "/settings/telephony",
        data=settings_form(token, hours_sat="0:00-24:00", hours_fri="18:00-24:00"),
    )
    assert_redirect(response, "/settings/telephony")
    row = saved(dbs)
    assert row.business_hours["sat"] == [["00:00", "24:00"]]
    assert row.business_hours["fri"] == [["18:00", "24:00"]]
    page = client.get("/settings/telephony").text
    assert 'value="00:00-24:00"' in page and "00:00-24:00 = all day" in page
    refused = client.post("/settings/telephony", data=settings_form(token, hours_sun="24:00-24:00"))
    assert refused.status_code == 422 and "24:00 can only end a span" in refused.text


def test_bad_sids_hours_and_languages_answer_422_with_field_errors_and_save_nothing(
    client, ctx, dbs
):
    _signed_in(client)
    before = saved(dbs)
    languages, hours = list(before.languages), dict(before.business_hours)
    token = form_token(client, "/settings/telephony")

    response = client.post(
        "/settings/telephony",
        data=settings_form(
            token,
            twilio_account_sid="AC123",
            twilio_api_key_sid=ACCOUNT_SID,  # an account SID where the key SID belongs
            twilio_twiml_app_sid="AP" + "g" * 32,
            languages="de, english",
            hours_mon="18:00-09:00",
            hours_tue="morning",
            hours_wed="09:00-13:00, 12:00-18:00",
            ring_timeout_seconds="1",
        ),
    )

    assert response.status_code == 422
    html = response.text
    assert "Nothing was saved: please correct the marked fields." in html
    assert "the Account SID must be AC followed by 32 hexadecimal characters" in html
    assert "the API key SID must be SK followed by 32 hexadecimal characters" in html
    assert "the TwiML App SID must be AP followed by 32 hexadecimal characters" in html
    assert "&#39;english&#39; is not a two-letter language code" in html
    assert "18:00 must be before 09:00" in html
    assert "&#39;morning&#39; is not like 09:00-18:00" in html
    assert "09:00-13:00 and 12:00-18:00 overlap" in html
    assert "Number must be between 5 and 120." in html
    # The typed secret is not echoed back either.
    assert AUTH_TOKEN not in html
    row = saved(dbs)
    assert row.twilio_account_sid is None and row.twilio_auth_token is None
    assert row.languages == languages and row.business_hours == hours


def test_the_settings_page_shows_the_webhook_addresses_for_the_twilio_console(client, ctx):
    _signed_in(client)
    html = client.get("/settings/telephony").text
    for path in ("inbound", "status", "fallback", "outbound", "recording"):
        assert f"<code>{PUBLIC}/twilio/voice/{path}</code>" in html


# --- numbers: link, search, buy -----------------------------------------------------------


def test_admin_links_a_number_of_the_account(client, ctx, dbs, fake):
    _signed_in(client)
    page = client.get("/numbers/account")
    assert page.status_code == 200
    assert "Berlin main" in page.text and "Hamburg" in page.text

    response = client.post(
        "/numbers/link",
        data={"csrf_token": form_token(client, "/numbers"), "sid": fake.account[0].sid},
    )

    assert_redirect(response, "/numbers")
    dbs.rollback()
    number = dbs.scalars(select(PhoneNumber)).one()
    assert (number.number, number.twilio_sid) == ("+4930901820", fake.account[0].sid)
    assert number.friendly_name == "Berlin main"
    # The number now sends its calls, failures and statuses to this app.
    assert fake.webhooks[fake.account[0].sid] == (
        "https://voice.example.com/twilio/voice/inbound",
        "https://voice.example.com/twilio/voice/fallback",
        "https://voice.example.com/twilio/voice/status",
    )
    assert "+4930901820 linked." in client.get("/numbers").text
    # Marked as linked in the account's list; the other one still offers the button.
    again = client.get("/numbers/account").text
    assert again.count('<span class="badge">linked</span>') == 1
    assert again.count(">Link</button>") == 1


def test_linking_a_sid_that_is_not_in_the_account_stores_nothing(client, ctx, dbs):
    _signed_in(client)
    response = client.post(
        "/numbers/link",
        data={"csrf_token": form_token(client, "/numbers"), "sid": "PN" + "7" * 32},
        follow_redirects=True,
    )
    assert "That number is not in the Twilio account" in response.text
    assert dbs.scalar(select(func.count()).select_from(PhoneNumber)) == 0


def test_admin_searches_and_buys_a_number_pointed_at_our_webhooks(client, ctx, dbs, fake):
    _signed_in(client)
    page = client.get("/numbers/search", query_string={"country": "de", "contains": "555"})
    assert page.status_code == 200
    assert fake.searches == [("DE", "555")]
    assert "+49 30 555000111" in page.text

    response = client.post(
        "/numbers/buy",
        data={"csrf_token": form_token(client, "/numbers"), "number": "+4930555000111"},
    )

    assert_redirect(response, "/numbers")
    assert fake.bought == [
        ("+4930555000111", f"{PUBLIC}/twilio/voice/inbound", f"{PUBLIC}/twilio/voice/status")
    ]
    dbs.rollback()
    number = dbs.scalars(select(PhoneNumber)).one()
    assert (number.number, number.twilio_sid) == ("+4930555000111", "PN" + "9" * 32)
    assert "+4930555000111 bought and added." in client.get("/numbers").text

    # Buying it again is refused before Twilio is asked.
    client.post(
        "/numbers/buy",
        data={"csrf_token": form_token(client, "/numbers"), "number": "+4930555000111"},
    )
    assert len(fake.bought) == 1


def test_a_bad_search_answers_422_and_asks_twilio_nothing(client, ctx, fake):
    _signed_in(client)
    page = client.get("/numbers/search", query_string={"country": "Germany", "contains": "5 5"})
    assert page.status_code == 422
    assert "a two-letter country code, e.g. DE" in page.text
    assert "up to 16 digits or letters" in page.text
    assert fake.searches == []
    assert client.get("/numbers/search").status_code == 200  # the empty form


def test_twilio_refusals_are_shown_as_messages_and_store_nothing(client, ctx, dbs, fake):
    _signed_in(client)
    fake.fail = "could not buy +4930555000111: HTTP 400 number not available"
    token = form_token(client, "/numbers")

    bought = client.post(
        "/numbers/buy",
        data={"csrf_token": token, "number": "+4930555000111"},
        follow_redirects=True,
    )
    assert "Twilio: could not buy +4930555000111: HTTP 400 number not available." in bought.text

    linked = client.post(
        "/numbers/link",
        data={"csrf_token": token, "sid": fake.account[0].sid},
        follow_redirects=True,
    )
    assert "Twilio: could not buy" in linked.text

    listed = client.get("/numbers/account", follow_redirects=True)
    assert listed.request.path == "/numbers"
    assert "Twilio: could not buy" in listed.text

    searched = client.get("/numbers/search?country=DE")
    assert searched.status_code == 502
    assert "Twilio: could not buy" in searched.text
    assert dbs.scalar(select(func.count()).select_from(PhoneNumber)) == 0


def test_without_a_configured_account_the_pages_say_so(make_app, ctx):
    app = make_app()  # the real Twilio adapter, no credentials anywhere
    try:
        client = app.test_client()
        _signed_in(client)
        page = client.get("/numbers/account", follow_redirects=True)
        assert "the Twilio account is not configured" in page.text
    finally:
        app.extensions["voiceapp.db"].engine.dispose()


# --- numbers: switches and operators ------------------------------------------------------


@pytest.fixture
def number(dbs):
    row = PhoneNumber(number="+4930901820", friendly_name="Berlin main", twilio_sid="PN" + "1" * 32)
    dbs.add(row)
    dbs.commit()
    return row


def test_admin_switches_a_numbers_outgoing_calls_and_recording(client, ctx, dbs, number):
    _signed_in(client)
    token = form_token(client, "/numbers")
    client.post(f"/numbers/{number.id}", data={"csrf_token": token, "recording_enabled": "y"})
    dbs.rollback()
    dbs.refresh(number)
    assert (number.outgoing_enabled, number.recording_enabled) == (False, True)
    html = client.get("/numbers").text
    assert 'name="outgoing_enabled" value="y"> Outgoing calls' in html
    assert 'name="recording_enabled" value="y" checked> Call recording' in html


def test_admin_adds_switches_and_removes_operators(client, ctx, dbs, number):
    _signed_in(client)
    anna = UserFactory(name="Anna Agent")
    gone = UserFactory(name="Gone Member", active=False)
    token = form_token(client, "/numbers")
    assert "Gone Member" not in client.get("/numbers").text  # only active members offered

    client.post(
        f"/numbers/{number.id}/operators",
        data={"csrf_token": token, "user_id": str(anna.id), "outgoing_enabled": "y"},
    )
    refused = client.post(
        f"/numbers/{number.id}/operators",
        data={"csrf_token": token, "user_id": str(gone.id), "outgoing_enabled": "y"},
        follow_redirects=True,
    )
    assert "Choose an active member as operator." in refused.text
    twice = client.post(
        f"/numbers/{number.id}/operators",
        data={"csrf_token": token, "user_id": str(anna.id)},
        follow_redirects=True,
    )
    assert "Anna Agent already operates +4930901820." in twice.text

    dbs.rollback()
    operator = dbs.scalars(select(NumberOperator)).one()
    assert (operator.user_id, operator.outgoing_enabled, operator.recording_enabled) == (
        anna.id,
        True,
        False,
    )
    assert 'data-operator="Anna Agent"' in client.get("/numbers").text

    client.post(
        f"/numbers/{number.id}/operators/{operator.id}",
        data={"csrf_token": token, "recording_enabled": "y"},
    )
    dbs.rollback()
    dbs.refresh(operator)
    assert (operator.outgoing_enabled, operator.recording_enabled) == (False, True)

    # An operator id under another number's URL is not found.
    assert (
        client.post(
            f"/numbers/{number.id + 1}/operators/{operator.id}/delete", data={"csrf_token": token}
        ).status_code
        == 404
    )
    client.post(f"/numbers/{number.id}/operators/{operator.id}/delete", data={"csrf_token": token})
    dbs.rollback()
    assert dbs.scalar(select(func.count()).select_from(NumberOperator)) == 0


def test_unlinking_a_number_removes_it_and_its_operators_here(client, ctx, dbs, number):
    _signed_in(client)
    dbs.add(NumberOperator(phone_number_id=number.id, user_id=UserFactory().id))
    dbs.commit()
    response = client.post(
        f"/numbers/{number.id}/delete",
        data={"csrf_token": form_token(client, "/numbers")},
        follow_redirects=True,
    )
    assert "+4930901820 unlinked here. It stays in the Twilio account." in response.text
    dbs.rollback()
    assert dbs.scalar(select(func.count()).select_from(PhoneNumber)) == 0
    assert dbs.scalar(select(func.count()).select_from(NumberOperator)) == 0
