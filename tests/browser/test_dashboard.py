"""The dashboard in Chromium: an agent's own figures and the period switch, a manager's
team table sorted by a click, the charts drawn by Chart.js (no CSP report, no console
error), and a new team's empty dashboard."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import CaseFactory, ContactFactory, UserFactory
from voiceapp.db import utcnow
from voiceapp.models import AgentPresence, Call, CallReview, CaseEvent
from voiceapp.web.vendor import DEFAULT_NODE_MODULES

pytestmark = pytest.mark.browser
_sids = itertools.count(1)


def call(dbs, agent, direction, *, talk, answered=True, minutes_ago=10):
    """A top-level call and the leg where the agent and the customer talked; its sid."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    contact = ContactFactory()
    sid = f"CA{next(_sids):032x}"
    common = {"direction": direction, "agent_id": agent.id, "contact_id": contact.id}
    dbs.add(
        Call(
            sid=sid,
            from_number="+4915112345678",
            to_number="+4930901820",
            started_at=at,
            answered_at=at if answered else None,
            status="completed",
            **common,
        )
    )
    dbs.add(
        Call(
            sid=f"CA{next(_sids):032x}",
            parent_sid=sid,
            from_number="+4930901820",
            to_number="+4915112345678",
            started_at=at,
            answered_at=at if answered else None,
            duration=talk if answered else 0,
            status="completed" if answered else "no-answer",
            **common,
        )
    )
    return sid


@pytest.fixture
def team(ctx, dbs):
    people = {
        name: UserFactory(
            name=name,
            email=f"{name.split()[0].lower()}@example.com",
            role=role,
            password_hash=FAST_PASSWORD_HASH,
        )
        for name, role in (
            ("Anna Agent", "agent"),
            ("Ben Agent", "agent"),
            ("Mia Manager", "sales_manager"),
            ("Ada Admin", "admin"),
        )
    }
    anna, ben = people["Anna Agent"], people["Ben Agent"]
    reviewed = call(dbs, anna, "outbound", talk=150)
    call(dbs, anna, "outbound", talk=0, answered=False)
    call(dbs, anna, "inbound", talk=95)
    call(dbs, ben, "outbound", talk=400)
    dbs.add(AgentPresence(user_id=anna.id, status="online"))
    dbs.add(AgentPresence(user_id=ben.id, status="busy"))
    # A call nobody took, a caller waiting now, a review of Anna's call, two outcomes.
    for sid, status, missed in (("CAmissed", "completed", True), ("CAwaiting", "ringing", False)):
        dbs.add(
            Call(
                sid=sid,
                direction="inbound",
                from_number="+4915112345678",
                to_number="+4930901820",
                started_at=utcnow() - timedelta(minutes=1),
                status=status,
                missed=missed,
            )
        )
    dbs.flush()
    dbs.add(
        CallReview(
            call_sid=reviewed, agent_id=anna.id, reviewer_id=people["Mia Manager"].id, score=4
        )
    )
    for outcome in ("completed", "not_reached"):
        case = CaseFactory(contact=ContactFactory())
        dbs.add(
            CaseEvent(
                case_id=case.id,
                kind="outcome",
                summary=outcome,
                at=utcnow() - timedelta(minutes=5),
                actor_id=anna.id,
                data={"outcome": outcome},
            )
        )
    dbs.commit()
    return people


def kpi(page, name):
    return page.locator(f'[data-testid=personal] [data-kpi="{name}"]')


def test_an_agent_sees_their_own_figures_and_switches_the_period(page, page_log, team):
    sign_in(page, team["Anna Agent"])
    expect(kpi(page, "calls_made")).to_have_text("2")
    expect(kpi(page, "calls_taken")).to_have_text("1")
    expect(kpi(page, "customers_reached")).to_have_text("2")
    expect(kpi(page, "reach_rate")).to_have_text("50.0 %")
    expect(kpi(page, "talk_seconds")).to_have_text("4 min 05 s")
    expect(page.get_by_role("heading", name="Team")).to_have_count(0)
    expect(page.get_by_test_id("charts")).to_have_attribute("data-charts-drawn", "4")
    expect(page.get_by_test_id("charts")).to_contain_text("Your calls")
    screenshot(page, "dashboard-agent")
    page.get_by_role("link", name="This week").click()
    expect(page.get_by_role("link", name="This week")).to_have_attribute("aria-current", "page")
    expect(kpi(page, "calls_made")).to_have_text("2")
    # A chosen period the wrong way round: the message, and today's figures meanwhile.
    page.get_by_label("From").fill("2025-03-30")
    page.get_by_label("To").fill("2025-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("period-error")).to_contain_text("the last day is before the first")
    page_log.assert_clean(page)


def test_a_manager_sorts_the_team_by_a_column(page, page_log, team):
    sign_in(page, team["Mia Manager"])
    table = page.get_by_test_id("team")
    names = table.locator("tbody tr td:first-child")
    expect(names).to_have_text(["Ada Admin", "Anna Agent", "Ben Agent", "Mia Manager (you)"])
    expect(table.locator("tr", has_text="Ben Agent")).to_contain_text("busy")
    screenshot(page, "dashboard-manager")
    table.get_by_role("button", name="Talk time").click()  # most talk first
    expect(names.first).to_have_text("Ben Agent")
    expect(names.nth(1)).to_have_text("Anna Agent")
    table.get_by_role("button", name="Talk time").click()  # then the other way round
    expect(names.last).to_have_text("Ben Agent")
    table.get_by_role("button", name="Member").click()
    expect(names.first).to_have_text("Ada Admin")
    page_log.assert_clean(page)


def test_a_new_team_shows_zeros_and_its_only_member(page, page_log, ctx, dbs):
    admin = UserFactory(name="Nina New", role="admin", password_hash=FAST_PASSWORD_HASH)
    sign_in(page, admin)
    expect(kpi(page, "calls_made")).to_have_text("0")
    expect(kpi(page, "reach_rate")).to_have_text("\u2013")  # no call made: no rate
    expect(kpi(page, "revenue")).to_have_text("0")
    expect(page.get_by_test_id("team").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_text("No contacts yet.")).to_be_visible()
    # No call and no outcome yet: sentences instead of empty axes.
    expect(page.get_by_test_id("charts")).to_have_attribute("data-charts-drawn", "0")
    expect(page.get_by_text("No outcome recorded in this period.").first).to_be_visible()
    expect(page.get_by_text("No calls in this period.")).to_have_count(3 + 1)  # + the table
    screenshot(page, "dashboard-new-team")
    page_log.assert_clean(page)


# The share of a canvas's pixels that are not blank: a drawn chart has axes, bars, text.
PAINTED = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) painted += 1; }
  return painted / (data.length / 4);
}"""


@pytest.mark.skipif(
    not (DEFAULT_NODE_MODULES / "chart.js").is_dir(),
    reason="Chart.js is not installed: npm ci (scripts/lib.sh bootstrap)",
)
@pytest.mark.parametrize("who", ["Mia Manager", "Ada Admin"])
def test_a_manager_sees_the_team_now_and_the_charts_drawn(page, page_log, team, who):
    csp_reports = []
    page.on(
        "console",
        lambda m: csp_reports.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in(page, team[who])
    now = page.get_by_test_id("team-now")
    expect(now).to_contain_text("1 call waiting now")
    expect(now).to_contain_text("1 missed today")
    anna = page.get_by_test_id("team").locator("tr", has_text="Anna Agent")
    expect(anna.locator("td").nth(13)).to_have_text("4.0 (1)")  # Score (reviews)
    charts = page.get_by_test_id("charts")
    expect(charts).to_have_attribute("data-charts-drawn", "4")
    canvases = charts.locator("canvas")
    expect(canvases).to_have_count(4)
    for n in range(4):
        assert canvases.nth(n).evaluate(PAINTED) > 0.01, f"chart {n} is blank"
    # The figures behind them, as a table: today's made, taken, missed.
    charts.locator("summary").first.click()
    expect(charts.get_by_test_id("chart-days").locator("tbody tr").last).to_contain_text("3")
    screenshot(page, f"dashboard-charts-{who.split()[1].lower()}")
    assert csp_reports == []
    page_log.assert_clean(page)
