"""The reports page and its downloads: the tables in the panel, the file written by the RQ
job (a real worker on the test Redis) with its progress, and only for the member who asked.
The figures themselves are counted by hand in test_reports (the same world)."""

from __future__ import annotations

import io
import os
import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import select

import workers
from tests.conftest import TEST_REDIS_URL, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.report_helpers import NOW, hand_counted_team
from tests.s3server import bucket_keys
from voiceapp.config import Settings
from voiceapp.models import OutboxJob
from voiceapp.services.reports import downloads
from voiceapp.storage import REPORTS, store_for
from voiceapp.storage.local import LocalStore

DAYS = {"from": "2025-03-29", "to": "2025-03-30"}
DOWNLOAD_URL = re.compile(r"/reports/downloads/([A-Za-z0-9_-]{22})$")


@pytest.fixture
def world(dbs):
    return hand_counted_team(dbs)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def jobs_app(app):
    """The jobs run in the app under test (same database, Redis and instance folder)."""
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


def signed_in(app, user):
    client = app.test_client()
    sign_in(client, user.email, PASSWORD)
    return client


def csrf(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/reports").text)


def run_worker() -> None:
    connection = Redis.from_url(TEST_REDIS_URL)
    SimpleWorker([Queue("default", connection=connection)], connection=connection).work(burst=True)


def ask_for_file(client, **fields) -> str:
    """Post the download form; the token of the download page it leads to."""
    data = {"csrf_token": csrf(client), **DAYS, **fields}
    response = client.post("/reports/downloads", data=data)
    response.close()  # as a server does once it is sent: the outbox relay runs then
    assert response.status_code == 302, response.text[:300]
    match = DOWNLOAD_URL.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def wait_until_relayed(dbs, token: str, user_id: int) -> None:
    """The relay runs after the response is sent; wait (bounded) for it."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        dbs.rollback()
        row = dbs.scalar(
            select(OutboxJob).where(OutboxJob.job_id == downloads.job_id(user_id, token))
        )
        if row is not None and row.enqueued_at is not None:
            return
        time.sleep(0.02)
    pytest.fail("the download's job was not handed to Redis")


# --- the page -----------------------------------------------------------------------------


def test_a_manager_reads_the_tables_of_the_days_chosen(world, app, frozen):
    client = signed_in(app, world["mia"])
    page = client.get("/reports", query_string=DAYS)
    assert page.status_code == 200
    html = page.text
    anna = re.search(rf'<tr data-member="{world["anna"].id}">(.*?)</tr>', html).group(1)
    assert '<td class="num" data-key="talk_seconds">7 min 20 s</td>' in anna
    assert '<td class="num" data-key="reach_rate">50.0 %</td>' in anna
    assert "100.00 EUR" in html and "100.00 USD" in html
    assert html.count("data-table=") == 5
    assert 'aria-current="page">Dashboard</a>' in html  # the top bar's section


def test_the_page_opens_on_this_month_and_the_shortcuts_choose_days(world, app, frozen):
    client = signed_in(app, world["ada"])
    html = client.get("/reports").text
    assert 'name="from" value="2025-04-01"' in html and 'name="to" value="2025-04-30"' in html
    week = client.get("/reports?period=week&from=2025-01-01&to=2025-01-02").text
    assert 'name="from" value="2025-03-31"' in week and 'name="to" value="2025-04-06"' in week
    assert 'value="week" aria-current="true"' in week


def test_chosen_members_are_kept_in_the_form_and_the_download(world, app, frozen):
    client = signed_in(app, world["mia"])
    fay = world["fay"].id
    html = client.get("/reports", query_string={**DAYS, "agent_id": fay}).text
    assert html.count("<tr data-member=") == 4  # her row in every table but revenue
    assert f'name="agent_id" value="{fay}" checked' in html
    assert f'<input type="hidden" name="agent_id" value="{fay}">' in html
    assert "(former)" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2025-03-30", "to": "2025-03-01"}, "the last day is before the first"),
        ({**DAYS, "agent_id": "999"}, "no such member: 999"),
        ({"from": "2023-01-01", "to": "2025-03-01"}, "at most 366 days"),
    ],
)
def test_bad_input_shows_the_page_again_with_its_message(world, app, frozen, query, message):
    page = signed_in(app, world["mia"]).get("/reports", query_string=query)
    assert page.status_code == 422
    assert message in page.text and "Showing this month" in page.text


def test_agents_get_403_and_the_dashboard_links_managers_only(world, app, frozen):
    agent = signed_in(app, world["anna"])
    assert agent.get("/reports").status_code == 403
    assert 'data-testid="reports-link"' not in agent.get("/").text
    assert 'data-testid="reports-link"' in signed_in(app, world["mia"]).get("/").text


# --- downloads ----------------------------------------------------------------------------


def test_a_download_is_written_by_the_worker_with_progress_for_the_asker_only(
    world,
    app,
    jobs_app,
    dbs,
    frozen,
):
    mia = world["mia"]
    client = signed_in(app, mia)
    token = ask_for_file(client, format="xlsx")
    wait_until_relayed(dbs, token, mia.id)
    status_url = f"/reports/downloads/{token}/status"
    assert client.get(status_url).get_json() == {
        "state": "queued",
        "done": 0,
        "total": 0,
        "percent": 0,
        "file_name": None,
    }
    assert "Waiting for a worker" in client.get(f"/reports/downloads/{token}").text

    run_worker()

    job = Job.fetch(downloads.job_id(mia.id, token), connection=Redis.from_url(TEST_REDIS_URL))
    assert job.meta == {"done": 2, "total": 2}  # one batch of members, then the file
    status = client.get(status_url).get_json()
    name = "calls-report-2025-03-29-to-2025-03-30.xlsx"
    assert status == {
        "state": "ready",
        "done": 0,
        "total": 0,
        "percent": 100,
        "file_name": name,
        "file_url": f"/reports/downloads/{token}/file",
    }
    answer = client.get(status["file_url"])
    assert answer.status_code == 200
    assert f"filename={name}" in answer.headers["Content-Disposition"]
    calls = load_workbook(io.BytesIO(answer.data))["Calls"]
    anna = next(
        row for row in calls.iter_rows(min_row=5, values_only=True) if row[0] == "Anna Agent"
    )
    assert anna == ("Anna Agent", 2, 1, pytest.approx(0.5), 2, 1, 2, timedelta(seconds=440))

    # Nobody else may fetch it or see it: not another manager, not the admin.
    dbs.rollback()  # a fresh snapshot before writing (SQLite)
    other = signed_in(app, UserFactory(role="sales_manager"))
    for asker in (other, signed_in(app, world["ada"])):
        for path in (f"/reports/downloads/{token}", status_url, status["file_url"]):
            assert asker.get(path).status_code == 404, path
    assert signed_in(app, world["anna"]).get(status["file_url"]).status_code == 403


def test_a_csv_download_holds_the_table_whose_button_was_pressed(
    world,
    app,
    jobs_app,
    dbs,
    frozen,
):
    client = signed_in(app, world["ada"])
    token = ask_for_file(client, table="funnel", agent_id=str(world["anna"].id))
    wait_until_relayed(dbs, token, world["ada"].id)
    run_worker()
    answer = client.get(f"/reports/downloads/{token}/file")
    assert (
        "calls-report-funnel-2025-03-29-to-2025-03-30.csv" in answer.headers["Content-Disposition"]
    )
    assert answer.text.splitlines()[1].startswith("Anna Agent,4,3,2,1,75.0,66.7,50.0")


def test_a_bad_download_request_shows_the_page_again_and_queues_nothing(world, app, dbs, frozen):
    client = signed_in(app, world["mia"])
    response = client.post(
        "/reports/downloads",
        data={"csrf_token": csrf(client), "from": "2025-03-30", "to": "2025-03-01"},
    )
    assert response.status_code == 422 and "the last day is before the first" in response.text
    json_asked = client.post(
        "/reports/downloads", data={"csrf_token": csrf(client), **DAYS, "format": "json"}
    )
    assert json_asked.status_code == 422 and "choose .xlsx or CSV" in json_asked.text
    dbs.rollback()
    assert dbs.scalars(select(OutboxJob).where(OutboxJob.func == downloads.JOB)).all() == []


def test_a_member_who_lost_the_right_meanwhile_gets_no_file(world, app, jobs_app, dbs, frozen):
    mia = world["mia"]
    client = signed_in(app, mia)
    token = ask_for_file(client)
    wait_until_relayed(dbs, token, mia.id)
    dbs.rollback()
    mia = dbs.merge(mia)
    mia.role = "agent"
    dbs.commit()
    run_worker()
    store = store_for(app.config["VOICEAPP"], REPORTS)
    assert downloads.find_file(store, mia.id, token) is None
    status = downloads.download_status(dbs, Redis.from_url(TEST_REDIS_URL), store, mia.id, token)
    assert status.state == downloads.FAILED


def test_progress_is_told_after_each_batch_of_members_and_the_file(world, app, dbs, tmp_path):
    many = [UserFactory(role="agent") for _ in range(30)]  # 25 + 5: two batches
    told = []
    asked = downloads.DownloadRequest(
        date(2025, 3, 29), date(2025, 3, 30), [m.id for m in many], "csv", "calls"
    )
    store = LocalStore(tmp_path)
    key = downloads.write_download(
        dbs,
        store,
        world["mia"].id,
        "a" * 22,
        asked,
        now=NOW,
        progress=lambda done, total: told.append((done, total)),
    )
    assert told == [(1, 3), (2, 3), (3, 3)]
    assert len(store.read(key).decode().splitlines()) == 31
    # Running it again (RQ retrying) writes nothing more.
    assert (
        downloads.write_download(
            dbs, store, world["mia"].id, "a" * 22, asked, now=NOW, progress=lambda d, t: None
        )
        is None
    )


def test_old_report_files_are_purged(tmp_path):
    store = LocalStore(tmp_path)
    old = downloads.save_file(store, 7, "o" * 22, "old.csv", "x")
    new = downloads.save_file(store, 8, "n" * 22, "new.csv", "x")
    day_ago = datetime(2025, 4, 1, 8, tzinfo=UTC).timestamp()
    os.utime(store.path_of(old), (day_ago, day_ago))
    assert downloads.purge_files(store, before=datetime(2025, 4, 1, 9, tzinfo=UTC)) == 1
    assert not store.path_of(old).exists() and not store.path_of(old).parent.exists()
    assert store.path_of(new).exists()


def test_a_token_that_is_no_token_finds_nothing(tmp_path):
    store = LocalStore(tmp_path)
    assert downloads.find_file(store, 1, "../../etc/passwd") is None
    assert downloads.find_file(store, 1, "*" * 22) is None


def test_a_token_holding_dashes_still_gives_the_files_own_name(tmp_path):
    """token_urlsafe may put "--" in a token; the name offered is the file's own (a CI run
    offered "ZteQL2gLyA3-bbg--calls-report-....xlsx")."""
    store = LocalStore(tmp_path)
    token = "vxd9F--ZteQL2gLyA3-bbg"
    key = downloads.save_file(store, 7, token, "calls-report-2025-03-29.xlsx", "x")
    assert downloads.find_file(store, 7, token).key == key
    assert downloads.download_name(key, token) == "calls-report-2025-03-29.xlsx"


def test_report_files_are_written_to_the_bucket_and_purged_from_it(
    s3_settings, s3_endpoint, s3_bucket
):
    """STORAGE=s3: the worker on one host writes what a web process on another serves."""
    store = store_for(Settings(**s3_settings), REPORTS)
    key = downloads.save_file(store, 7, "b" * 22, "calls-report.csv", "Member\n")
    assert bucket_keys(s3_endpoint, s3_bucket) == {f"reports/{key}": b"Member\n"}
    assert downloads.find_file(store, 7, "b" * 22).key == key
    assert downloads.find_file(store, 8, "b" * 22) is None  # another member's folder
    assert downloads.purge_files(store, before=datetime(2000, 1, 1, tzinfo=UTC)) == 0
    assert downloads.purge_files(store, before=datetime.now(UTC) + timedelta(minutes=1)) == 1
    assert bucket_keys(s3_endpoint, s3_bucket) == {}
