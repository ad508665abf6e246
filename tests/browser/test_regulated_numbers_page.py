# The simulator's fixtures are imported by name, so test arguments redefine them.
# ruff: noqa: F811
"""The Numbers page in Chromium against the simulator: an admin searches German numbers,
sees what each needs, is told in words why Twilio refused one without a bundle, then buys
it with an approved bundle and the Berlin address; and the calls list and call page show
what a call cost."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.browser.test_softphone import sign_in
from tests.factories import UserFactory
from tests.sim.conftest import CUSTOMER, OUR_NUMBER, agent, settle, team, world, world_settings  # noqa: F401 (fixtures)
from voiceapp.models import PhoneNumber
from voiceapp.sim.parties import Party

pytestmark = pytest.mark.browser
GERMAN = "+49305550077"


@pytest.fixture
def live_server(world):
    return world.app_url


def test_an_admin_buys_a_german_number_with_a_bundle_and_an_address(page, page_log, world, dbs):
    admin = UserFactory(role="admin")
    bundle = next(
        b
        for b in world.sim.account.bundles.values()
        if b.iso_country == "DE" and b.status == "twilio-approved"
    )
    sign_in(page, admin)
    page.goto("/numbers/search?country=DE&contains=5550077")
    row = page.locator(f'tr[data-number="{GERMAN}"]')
    expect(row).to_contain_text("an address in DE")
    screenshot(page, "numbers-search-regulated-admin")
    row.get_by_role("button", name="Buy").click()
    expect(page.locator(".flash:visible, [role=alert]:visible").first).to_contain_text(
        "need an approved regulatory bundle"
    )
    screenshot(page, "numbers-search-refused-admin")
    row = page.locator(f'tr[data-number="{GERMAN}"]')
    row.get_by_label(f"Regulatory bundle for {GERMAN}").select_option(bundle.sid)
    row.get_by_label(f"Address for {GERMAN}").select_option(
        label="voiceapp demo GmbH, Friedrichstraße 1, Berlin, DE"
    )
    row.get_by_role("button", name="Buy").click()
    expect(page.get_by_text("bought and added")).to_be_visible()
    dbs.rollback()
    assert dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == GERMAN)) is not None
    page_log.assert_clean(page)


def test_the_calls_list_and_call_page_show_the_cost(page, page_log, world, agent, dbs):
    from tests.sim.conftest import api_token, go_online

    world.sim.config.price_delay_seconds = 0
    go_online(world, api_token(dbs, agent))
    run = world.sim.inbound_call(
        CUSTOMER,
        OUR_NUMBER,
        caller=Party(digits=["1", "2"], talk_seconds=200),
        agents={f"agent_{agent.id}": Party(answer_after=4, talk_seconds=95)},
    )
    settle(dbs)
    admin = UserFactory(role="admin")
    sign_in(page, admin)
    page.goto("/calls")
    cost = page.locator(f'tr[data-call-sid="{run.parent.sid}"] [data-testid="call-cost"]')
    expect(cost).to_contain_text("USD")
    screenshot(page, "calls-list-cost-admin")
    page.goto(f"/calls/{run.parent.sid}")
    expect(page.get_by_test_id("call-cost")).to_contain_text("USD")
    screenshot(page, "call-page-cost-admin")
    page_log.assert_clean(page)
