"""Reports in Chromium: a sales manager opens them from the dashboard, chooses the
hand-counted DST weekend (tests.report_helpers), downloads the .xlsx while the page shows
the job's progress, and openpyxl reads the file back with the right figures; an admin's
report of a new team is empty; an agent gets 403."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job

import workers
from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.conftest import TEST_REDIS_URL
from tests.factories import UserFactory
from tests.report_helpers import hand_counted_team
from voiceapp.db import session
from voiceapp.services.outbox import relay_pending
from voiceapp.services.reports.downloads import job_id

pytestmark = pytest.mark.browser


@pytest.fixture
def jobs_app(shared_app):
    app = shared_app()
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


def run_the_job_when_queued(app, key: str) -> None:
    """The page's request hands the job to Redis once answered; then one worker runs it.
    Should that relay miss (Redis slow on a busy machine), the clock's sweep hands the
    outbox over: done here as the sweep does."""
    connection = Redis.from_url(TEST_REDIS_URL)
    deadline = time.monotonic() + 5
    while not Job.exists(key, connection=connection) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not Job.exists(key, connection=connection):
        with app.app_context():
            relay_pending(session(), connection)
    assert Job.exists(key, connection=connection), "the download's job never reached Redis"
    SimpleWorker([Queue("default", connection=connection)], connection=connection).work(burst=True)


def test_a_manager_downloads_the_xlsx_and_openpyxl_reads_the_figures(
    ctx, dbs, page, page_log, jobs_app
):
    team = hand_counted_team(dbs)
    mia = team["mia"]
    sign_in(page, mia)
    screenshot(page, "dashboard-with-reports-link-manager")
    page.get_by_test_id("reports-link").click()
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    expect(page.locator("header.topbar nav a[aria-current=page]")).to_have_text("Dashboard")
    page.get_by_label("From").fill("2025-03-29")
    page.get_by_label("To").fill("2025-03-30")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("report-period")).to_contain_text("Sat 29 Mar 2025")
    anna = page.locator(f"section[data-table=calls] tr[data-member='{team['anna'].id}']")
    expect(anna.locator("[data-key=talk_seconds]")).to_have_text("7 min 20 s")
    screenshot(page, "reports-manager")

    page.get_by_test_id("download-xlsx").click()
    expect(page.get_by_role("heading", name="Report download")).to_be_visible()
    expect(page.get_by_test_id("report-progress")).to_contain_text("Waiting for a worker")
    screenshot(page, "reports-download-waiting-manager")
    token = page.url.rsplit("/", 1)[1]
    run_the_job_when_queued(jobs_app, job_id(mia.id, token))

    link = page.get_by_test_id("report-file")
    expect(link).to_have_text("Download calls-report-2025-03-29-to-2025-03-30.xlsx")
    screenshot(page, "reports-download-ready-manager")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "calls-report-2025-03-29-to-2025-03-30.xlsx"
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    rows = {row[0]: row for row in book["Calls"].iter_rows(min_row=5, values_only=True)}
    assert rows["Anna Agent"] == ("Anna Agent", 2, 1, 0.5, 2, 1, 2, timedelta(seconds=440))
    assert rows["Ben Agent"][5] == 1  # one missed call
    funnel = {row[0]: row for row in book["Funnel"].iter_rows(min_row=5, values_only=True)}
    assert funnel["Anna Agent"][1:5] == (4, 3, 2, 1)
    revenue = list(book["Revenue"].iter_rows(min_row=5, max_col=3, values_only=True))
    assert revenue == [("Anna Agent", "EUR", 100), ("Anna Agent", "USD", 100)]
    page_log.assert_clean(page)


def test_an_admin_sees_an_empty_report_and_an_agent_gets_403(ctx, dbs, page, page_log):
    admin = UserFactory(name="Ada Admin", role="admin", password_hash=FAST_PASSWORD_HASH)
    agent = UserFactory(name="Anna Agent", role="agent", password_hash=FAST_PASSWORD_HASH)
    sign_in(page, admin)
    page.goto("/reports?period=today")
    expect(page.get_by_test_id("empty-revenue")).to_have_text("No revenue in this period.")
    expect(page.locator("section[data-table=calls] [data-key=calls_made]")).to_have_text(["0", "0"])
    screenshot(page, "reports-empty-admin")
    page_log.assert_clean(page)

    # Off the panel first: a request of its scripts still in flight (the softphone's)
    # would otherwise set the session cookie again after it was cleared.
    page.goto("about:blank")
    page.context.clear_cookies()
    sign_in(page, agent)
    expect(page.get_by_test_id("reports-link")).to_have_count(0)
    answer = page.goto("/reports")
    assert answer.status == 403
    screenshot(page, "reports-403-agent")
