"""Working cases in real headless Chromium: Call today with the overdue case on top in red,
"Call the next case" claims it, the outcome form with the callback time picker sends it
back into the list at the chosen time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import CaseFactory, ContactFactory, UserFactory
from voiceapp.db import utcnow
from voiceapp.domain.cases import end_of_today
from voiceapp.models import Case
from voiceapp.services.cases import team_zone

pytestmark = pytest.mark.browser


@pytest.fixture
def agent(ctx):
    return UserFactory(
        name="Jonas Becker",
        email="jonas@example.com",
        role="agent",
        languages=["de"],
        case_types=["payment_reminder"],
        password_hash=FAST_PASSWORD_HASH,
    )


def test_an_agent_works_call_today_from_the_overdue_case_to_a_callback(page, page_log, agent, dbs):
    now = utcnow()
    overdue = CaseFactory(
        assignee_id=agent.id,
        due_at=now - timedelta(hours=3),
        contact=ContactFactory(first_name="Olga", last_name="Overdue"),
    )
    # Later today in the team's zone, whatever the hour the suite runs at (now + 30 minutes
    # would fall into tomorrow in the last half hour of the day).
    later_today = now + (end_of_today(now, team_zone(dbs)) - now) / 2
    CaseFactory(
        due_at=later_today,
        contact=ContactFactory(first_name="Paul", last_name="Pool"),
    )
    sign_in(page, agent)
    page.get_by_role("link", name="Call today").click()
    expect(page.get_by_role("heading", name="Call today (2)")).to_be_visible()
    rows = page.locator("[data-testid=call-today] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Olga Overdue")
    expect(rows.nth(0)).to_have_class("overdue")
    expect(rows.nth(0).get_by_test_id("overdue")).to_be_visible()
    color = rows.nth(0).locator("td").nth(1).evaluate("cell => getComputedStyle(cell).color")
    assert color == "rgb(198, 47, 47)"  # the panel's red
    screenshot(page, "call-today")

    page.get_by_role("button", name="Call the next case").click()
    expect(
        page.get_by_role("heading", name=f"Case #{overdue.id}: Payment reminder")
    ).to_be_visible()
    expect(page.get_by_test_id("claim-mine")).to_be_visible()

    form = page.get_by_test_id("outcome-form")
    form.get_by_label("Outcome").select_option("callback")
    form.get_by_label("Call back at").fill("2031-06-02T15:30")
    form.get_by_label("Summary").fill("call after the holidays")
    form.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("Outcome recorded: Call back.")).to_be_visible()
    # Back in Call today: only the pool case is left for today.
    expect(page.locator("[data-testid=call-today] tbody tr")).to_have_count(1)
    expect(page.get_by_role("heading", name="Call today (1)")).to_be_visible()

    dbs.rollback()
    dbs.expire_all()
    case = dbs.scalar(select(Case).where(Case.id == overdue.id))
    # 15:30 in Berlin on a June day (CEST, UTC+2).
    assert case.due_at.isoformat() == "2031-06-02T13:30:00+00:00"
    assert case.claimed_by_id is None and case.attempts == 1
    page_log.assert_clean(page)


def test_a_refused_outcome_keeps_what_was_typed_and_says_why(page, page_log, agent, dbs):
    case = CaseFactory(assignee_id=agent.id)
    sign_in(page, agent)
    page.goto(f"/cases/{case.id}")
    form = page.get_by_test_id("outcome-form")
    form.get_by_label("Outcome").select_option("callback")
    form.get_by_label("Summary").fill("no time given")
    form.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("a callback needs the time the customer chose")).to_be_visible()
    expect(page.get_by_test_id("outcome-form").get_by_label("Summary")).to_have_value(
        "no time given"
    )
    page_log.assert_clean(page)


def test_an_agent_works_call_today_on_a_team_with_private_contacts_and_never_meets_a_404(
    page, page_log, agent, dbs
):
    """The overdue pool case of a colleague's private contact is neither listed, nor
    counted, nor claimed by "Call the next case": the walk through the day only opens
    cases the agent may open."""
    colleague = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    now = utcnow()
    hidden = CaseFactory(
        due_at=now - timedelta(hours=5),
        contact=ContactFactory(
            first_name="Pia", last_name="Private", visibility="private", owner_id=colleague.id
        ),
    )
    CaseFactory(
        due_at=now - timedelta(hours=2),
        contact=ContactFactory(
            first_name="Rita", last_name="Readonly", visibility="shared_read", owner_id=colleague.id
        ),
    )
    CaseFactory(
        assignee_id=agent.id,
        due_at=now - timedelta(hours=1),
        contact=ContactFactory(first_name="Olga", last_name="Own", owner_id=agent.id),
    )
    documents = []
    page.on(
        "response",
        lambda r: (
            documents.append((r.status, r.url)) if r.request.is_navigation_request() else None
        ),
    )
    sign_in(page, agent)
    page.get_by_role("link", name="Call today").click()
    expect(page.get_by_role("heading", name="Call today (2)")).to_be_visible()
    expect(page.get_by_test_id("call-today")).not_to_contain_text("Pia Private")
    screenshot(page, "call-today-private-contacts")

    worked = []
    for expected_name in ("Rita Readonly", "Olga Own"):
        page.get_by_role("button", name="Call the next case").click()
        expect(page.get_by_test_id("case-facts")).to_contain_text(expected_name)
        expect(page.get_by_test_id("claim-mine")).to_be_visible()
        worked.append(page.url)
        if len(worked) == 1:
            screenshot(page, "case-page-with-calls")
        form = page.get_by_test_id("outcome-form")
        form.get_by_label("Outcome").select_option("already_paid")
        form.get_by_role("button", name="Save outcome").click()
        expect(page.get_by_text("Outcome recorded: Already paid.")).to_be_visible()
        expect(page.locator(".flash")).to_have_count(1)
    page.get_by_role("button", name="Call the next case").click()
    expect(page.get_by_text("Nothing left to call today.")).to_be_visible()
    expect(page.get_by_role("heading", name="Call today (0)")).to_be_visible()

    assert [status for status, _url in documents if status >= 400] == [], documents
    dbs.rollback()
    dbs.expire_all()
    untouched = dbs.get(Case, hidden.id)
    assert untouched.claimed_by_id is None and untouched.status == "open"
    page_log.assert_clean(page)
