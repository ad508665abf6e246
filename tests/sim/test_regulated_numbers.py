"""Regulated numbers, against the simulator as Twilio sells them: a German number is sold
only with an approved bundle and a German address (21649 / 21631 otherwise, in Twilio's
error shape); the Numbers page offers the account's approved bundles and addresses (listed
through the REST API), says Twilio's refusal in words, and buys with both. Linking a
number the account already owns needs neither."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from tests.conftest import sign_in
from tests.factories import PASSWORD, UserFactory
from tests.sim.conftest import OUR_NUMBER
from voiceapp.models import PhoneNumber
from voiceapp.sim.simulator import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN
from voiceapp.telephony.adapter import TelephonyError, TwilioAdapter

GERMAN = "+49305550077"


def _papers(sim, country="DE"):
    account = sim.account
    approved = [
        b
        for b in account.bundles.values()
        if b.iso_country == country and b.status == "twilio-approved"
    ]
    pending = [
        b
        for b in account.bundles.values()
        if b.iso_country == country and b.status != "twilio-approved"
    ]
    address = next(a for a in account.addresses.values() if a.iso_country == country)
    return approved[0], pending[0] if pending else None, address


def _buy(world, **form):
    return requests.post(
        f"{world.sim_url}/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/IncomingPhoneNumbers.json",
        data={"PhoneNumber": GERMAN, **form},
        auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN),
        timeout=10,
    )


def test_the_simulator_refuses_a_german_number_without_bundle_or_address_as_twilio_does(world):
    approved, pending, address = _papers(world.sim)
    _, _, london = _papers(world.sim, "GB")
    refused = _buy(world)
    assert refused.status_code == 400
    body = refused.json()
    assert (body["code"], body["status"]) == (21649, 400)
    assert body["more_info"] == "https://www.twilio.com/docs/errors/21649"
    assert _buy(world, BundleSid=pending.sid).json()["code"] == 21649  # not approved yet
    assert _buy(world, BundleSid=approved.sid).json()["code"] == 21631
    wrong_country = _buy(world, BundleSid=approved.sid, AddressSid=london.sid).json()
    assert (
        wrong_country["code"] == 21631 and "Local Address requirement" in wrong_country["message"]
    )
    assert world.sim.account.number(GERMAN) is None
    bought = _buy(world, BundleSid=approved.sid, AddressSid=address.sid)
    assert bought.status_code == 201
    assert (bought.json()["bundle_sid"], bought.json()["address_sid"]) == (
        approved.sid,
        address.sid,
    )


def test_the_adapter_lists_approved_bundles_and_addresses_and_names_twilios_code(world):
    approved, _, address = _papers(world.sim)
    adapter = TwilioAdapter(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, world.sim_url)
    assert [b.sid for b in adapter.approved_bundles("DE")] == [approved.sid]
    assert address.sid in [a.sid for a in adapter.addresses()]
    hooks = {
        "voice_url": "https://a/in",
        "fallback_url": "https://a/fb",
        "status_callback": "https://a/s",
    }
    with pytest.raises(TelephonyError) as refused:
        adapter.buy_number(GERMAN, **hooks)
    assert refused.value.code == 21649


@pytest.fixture
def admin_client(world, dbs):
    admin = UserFactory(role="admin")
    client = world.app.test_client()
    sign_in(client, admin.email, PASSWORD)
    return client


def _csrf(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_numbers_page_buys_a_german_number_only_with_a_bundle_and_an_address(
    world, dbs, admin_client
):
    approved, pending, address = _papers(world.sim)
    page = admin_client.get("/numbers/search?country=DE&contains=5550077").get_data(as_text=True)
    assert GERMAN in page.replace(" ", "") or "5550077" in page
    assert approved.sid in page and address.sid in page
    assert pending.sid not in page  # only approved bundles are offered
    token = _csrf(page)

    def buy(**extra):
        return admin_client.post(
            "/numbers/buy",
            data={"csrf_token": token, "number": GERMAN, "country": "DE", **extra},
            follow_redirects=True,
        ).get_data(as_text=True)

    without = buy()
    assert "need an approved regulatory bundle" in without
    assert dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == GERMAN)) is None
    no_address = buy(bundle_sid=approved.sid)
    assert "needs the address of the number" in no_address
    assert dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == GERMAN)) is None
    assert world.sim.account.number(GERMAN) is None

    done = buy(bundle_sid=approved.sid, address_sid=address.sid)
    assert "bought and added" in done
    dbs.rollback()
    row = dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == GERMAN))
    assert row is not None and row.twilio_sid == world.sim.account.number(GERMAN).sid
    bought = world.sim.account.number(GERMAN)
    assert (bought.bundle_sid, bought.address_sid) == (approved.sid, address.sid)
    assert bought.voice_url == f"{world.app_url}/twilio/voice/inbound"


def test_linking_a_number_the_account_owns_needs_no_bundle(world, dbs, admin_client):
    owned = world.sim.account.number(OUR_NUMBER)
    page = admin_client.get("/numbers").get_data(as_text=True)
    admin_client.post(
        "/numbers/link", data={"csrf_token": _csrf(page), "sid": owned.sid}, follow_redirects=True
    )
    dbs.rollback()
    assert dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == OUR_NUMBER)) is not None
    assert owned.voice_url == f"{world.app_url}/twilio/voice/inbound"
