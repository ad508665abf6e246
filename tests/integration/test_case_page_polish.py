"""Rough edges of the case pages: outcomes and languages shown as labels, one message per
outcome, no echo in the history, file sizes people read, the reminder's notification read
once the case is worked, and an admin told why Call today is empty."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, UserFactory
from voiceapp.models import CaseEvent
from voiceapp.services.team_settings import editable_team_settings

# Monday 23 November 2026, 10:05 Berlin.
NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)
FLASH = re.compile(r'<p class="flash flash-\w+" role="status">([^<]*)</p>')


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client(files_app):
    return files_app.test_client()


@pytest.fixture
def agent(ctx, client):
    user = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    sign_in(client, user.email, PASSWORD)
    return user


def record(client, case_id, **fields):
    token = form_token(client, f"/cases/{case_id}")
    return client.post(
        f"/cases/{case_id}/outcome",
        data={"csrf_token": token, **fields},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_an_outcome_is_confirmed_once(client, agent):
    case = CaseFactory(assignee_id=agent.id)
    page = record(client, case.id, outcome="completed")
    assert page.status_code == 200
    messages = FLASH.findall(page.text)
    assert len(messages) == 1, messages


@pytest.mark.parametrize(
    ("outcome", "summary"),
    [
        ("completed", "Conversation completed"),
        ("already_paid", "Already paid"),
        ("not_reached", "Not reached (attempt 1)"),
        ("cancelled", "Cancellation / refusal: cancelled by the customer"),
    ],
)
def test_the_history_line_of_an_outcome_does_not_repeat_itself(
    client, agent, dbs, outcome, summary
):
    case = CaseFactory(assignee_id=agent.id)
    record(client, case.id, outcome=outcome)
    dbs.rollback()
    line = dbs.scalar(select(CaseEvent.summary).where(CaseEvent.kind == "outcome"))
    assert line == summary


def test_the_last_outcome_is_shown_as_its_label(client, agent, dbs):
    case = CaseFactory(assignee_id=agent.id, due_at=NOW - timedelta(hours=1))
    record(client, case.id, outcome="not_reached")
    dbs.rollback()
    for url in ("/cases", f"/cases/{case.id}"):
        page = client.get(url).text
        assert "Not reached" in page and "not_reached" not in page.replace(
            'value="not_reached"', ""
        ), url


def test_claiming_says_once_that_the_agent_is_calling(client, agent):
    case = CaseFactory(assignee_id=agent.id)
    token = form_token(client, f"/cases/{case.id}")
    page = client.post(f"/cases/{case.id}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert page.text.count("You are calling this customer") == 1


def test_the_language_filter_is_a_choice_of_the_teams_languages(client, agent, dbs):
    settings = editable_team_settings(dbs)
    settings.languages = ["de", "fr"]
    dbs.commit()
    page = client.get("/cases?language=fr").text
    assert '<input type="text" name="language"' not in page
    select_html = page[page.index('<select name="language"') :]
    select_html = select_html[: select_html.index("</select>")]
    assert '<option value="de" >German (de)</option>' in select_html
    assert '<option value="fr" selected>French (fr)</option>' in select_html


def test_the_case_page_names_the_language_and_says_when_there_is_no_history(client, agent):
    case = CaseFactory(language="de", assignee_id=agent.id)  # made without its history line
    page = client.get(f"/cases/{case.id}").text
    assert "<dt>Language</dt><dd>German (de)</dd>" in page
    history = page[page.index('data-testid="case-history"') :]
    assert '<li class="muted">No history yet.</li>' in history[: history.index("</ul>")]


def test_an_attached_file_shows_a_size_people_read(client, agent):
    case = CaseFactory(assignee_id=agent.id)
    record(
        client,
        case.id,
        outcome="callback",
        callback_at="2026-11-25T18:00",
        file=(io.BytesIO(b"notes of the call"), "notes.txt"),
    )
    page = client.get(f"/cases/{case.id}").text
    files = page[page.index('data-testid="case-files"') :]
    assert "17 bytes" in files[: files.index("</ul>")]
    assert "0.0 KB" not in page


def test_working_a_case_marks_its_reminder_read_and_the_badge_goes_down(client, agent, dbs):
    from voiceapp.models import Notification
    from voiceapp.services.notifications import unread_count

    case = CaseFactory(assignee_id=agent.id)
    other = CaseFactory(assignee_id=agent.id)
    for c in (case, other):
        dbs.add(Notification(user_id=agent.id, kind="reminder", message="due", case_id=c.id))
    dbs.commit()
    assert unread_count(dbs, agent.id) == 2
    record(client, case.id, outcome="completed")
    dbs.rollback()
    assert unread_count(dbs, agent.id) == 1  # the other case's reminder stays unread
    read = dbs.scalar(select(Notification).where(Notification.case_id == case.id))
    assert read.read_at is not None


@pytest.mark.parametrize(("role", "link"), [("admin", True), ("agent", False)])
def test_call_today_says_why_the_pool_is_missing(client, ctx, role, link):
    user = UserFactory(role=role, case_types=[], languages=["de"])
    CaseFactory(due_at=NOW - timedelta(hours=1))  # overdue in the pool
    sign_in(client, user.email, PASSWORD)
    page = client.get("/cases/today").text
    assert 'data-testid="no-pool"' in page and "no case types" in page
    assert (f'href="/members/{user.id}"' in page) is link


def test_call_today_of_an_agent_with_types_and_languages_has_no_such_note(client, agent):
    assert 'data-testid="no-pool"' not in client.get("/cases/today").text
