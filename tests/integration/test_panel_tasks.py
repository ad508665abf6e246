"""Tasks in the panel through the test client: the add form on a contact's and a case's
page (the team's clock, a 23:30 due time on the night the clocks change), My tasks beside
Call today (overdue first and marked, done today struck through, the empty state), the
done / reopen / delete buttons and the edit page; bad input shows the form again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.http_helpers import assert_redirect
from voiceapp.models import CaseEvent, Task
from voiceapp.services import tasks

# Sunday 29 March 2026, 10:00 in Berlin (08:00 UTC): the clocks went forward at 02:00.
DST_DAY = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(DST_DAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def agent(clock, ctx, client):
    user = UserFactory(role="agent", name="Jonas Becker")
    sign_in(client, user.email, PASSWORD)
    return user


@pytest.fixture
def contact(ctx):
    return ContactFactory(first_name="Anna", last_name="Schmidt")


def reread(dbs):
    dbs.rollback()
    dbs.expire_all()


def form(client, page: str, **fields) -> dict:
    return {
        "csrf_token": form_token(client, page),
        "title": "Send the contract",
        "due_date": "2026-03-29",
        "due_time": "23:30",
        "remind": "0",
        **fields,
    }


def add(dbs, actor, contact, *, due, title="Task", case=None, **more) -> Task:
    task = tasks.create_task(
        dbs, actor=actor, title=title, due_at=due, now=DST_DAY, contact=contact, case=case, **more
    )
    dbs.commit()
    return task


def test_a_task_due_23_30_on_the_dst_day_is_stored_at_21_30_utc_and_overdue_only_after(
    client, agent, contact, dbs, clock
):
    page = f"/contacts/{contact.id}"
    response = client.post(f"{page}/tasks", data=form(client, page))
    assert_redirect(response, f"{page}#tasks")
    reread(dbs)
    task = dbs.scalars(select(Task)).one()
    # 23:30 summer time (+02:00): 21:30 UTC, not 22:30 as a +01:00 reading would say.
    assert task.due_at == datetime(2026, 3, 29, 21, 30, tzinfo=UTC)
    assert (task.assignee_id, task.created_by_id, task.contact_id) == (
        agent.id,
        agent.id,
        contact.id,
    )
    assert task.remind_at == task.due_at
    shown = client.get(page).text
    assert "Send the contract" in shown and "2026-03-29 23:30" in shown

    clock.move_to(datetime(2026, 3, 29, 21, 29, tzinfo=UTC))  # 23:29 in Berlin
    sign_in(client, agent.email, PASSWORD)  # the morning's session has gone idle
    assert 'data-testid="task-overdue"' not in client.get("/tasks").text
    clock.move_to(datetime(2026, 3, 29, 21, 31, tzinfo=UTC))
    assert 'data-testid="task-overdue"' in client.get("/tasks").text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "a task needs a title"),
        ({"due_date": ""}, "choose a date and a time"),
        ({"due_time": "25:00"}, "choose a date and a time"),
        ({"remind": "soon"}, "choose when to be reminded"),
    ],
)
def test_bad_input_shows_the_contact_page_again_with_the_message_and_adds_nothing(
    client, agent, contact, dbs, fields, message
):
    page = f"/contacts/{contact.id}"
    response = client.post(f"{page}/tasks", data=form(client, page, **fields))
    assert response.status_code == 422
    assert message in response.text
    assert 'data-testid="task-form"' in response.text and "Anna Schmidt" in response.text
    reread(dbs)
    assert dbs.scalar(select(func.count()).select_from(Task)) == 0


def test_an_agent_may_not_give_a_task_to_a_colleague_through_the_form(client, agent, contact, dbs):
    colleague = UserFactory(role="agent", name="Lucia")
    page = f"/contacts/{contact.id}"
    response = client.post(f"{page}/tasks", data=form(client, page, assignee_id=str(colleague.id)))
    assert response.status_code == 422
    assert "only managers assign tasks to other members" in response.text
    assert ">Lucia<" not in client.get(page).text  # not offered either
    reread(dbs)
    assert dbs.scalar(select(func.count()).select_from(Task)) == 0


def test_a_manager_gives_a_task_on_a_case_to_an_agent_and_the_case_page_lists_it(
    clock, ctx, client, dbs, contact
):
    manager = UserFactory(role="sales_manager", name="Mia Manager")
    agent = UserFactory(role="agent", name="Jonas Becker")
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    sign_in(client, manager.email, PASSWORD)
    page = f"/cases/{case.id}"
    assert ">Jonas Becker<" in client.get(page).text  # offered
    response = client.post(
        f"{page}/tasks",
        data=form(client, page, title="Send the brochure", assignee_id=str(agent.id), remind="30"),
    )
    assert_redirect(response, f"{page}#tasks")
    reread(dbs)
    task = dbs.scalars(select(Task)).one()
    assert (task.case_id, task.contact_id, task.assignee_id) == (case.id, contact.id, agent.id)
    assert task.remind_at == task.due_at - timedelta(minutes=30)
    assert "Send the brochure" in client.get(page).text
    assert "Send the brochure" in client.get(f"/contacts/{contact.id}").text


def test_my_tasks_shows_overdue_first_marked_and_done_today_struck_through(
    client, agent, contact, dbs
):
    add(dbs, agent, contact, due=DST_DAY + timedelta(hours=5), title="Later today")
    add(dbs, agent, contact, due=DST_DAY - timedelta(days=1), title="Since yesterday")
    add(dbs, agent, contact, due=DST_DAY - timedelta(hours=1), title="An hour ago")
    finished = add(dbs, agent, contact, due=DST_DAY + timedelta(hours=1), title="Finished")
    other = UserFactory(role="agent")
    add(dbs, other, contact, due=DST_DAY, title="Not mine")
    tasks.complete_task(dbs, finished, actor=agent, now=DST_DAY)
    dbs.commit()

    page = client.get("/tasks").text
    open_part, done_part = page.split('data-testid="done-today"')
    assert (
        open_part.index("Since yesterday")
        < open_part.index("An hour ago")
        < open_part.index("Later today")
    )
    assert open_part.count('data-testid="task-overdue"') == 2
    assert "<s>Finished</s>" in done_part and "Finished" not in open_part
    assert "Not mine" not in page
    assert 'aria-current="page">Call today</a>' in page  # the top bar's link of the section
    assert 'My tasks <span class="badge">3</span>' in page
    assert 'data-testid="my-tasks-tab"' in client.get("/cases/today").text


def test_my_tasks_empty_state(client, agent):
    page = client.get("/tasks").text
    assert "Nothing to do: you have no open tasks." in page
    assert 'data-testid="done-today"' not in page


def test_done_reopen_and_delete_buttons(client, agent, contact, dbs):
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    task = add(dbs, agent, contact, due=DST_DAY + timedelta(hours=1), title="Send it", case=case)
    token = form_token(client, "/tasks")
    response = client.post(f"/tasks/{task.id}/done", data={"csrf_token": token, "next": "/tasks"})
    assert_redirect(response, "/tasks")
    reread(dbs)
    assert dbs.get(Task, task.id).done_by_id == agent.id
    assert "Task done: Send it" in dbs.scalars(select(CaseEvent.summary)).all()
    # Somewhere else than our own pages is never a place to go back to.
    response = client.post(
        f"/tasks/{task.id}/reopen", data={"csrf_token": token, "next": "https://evil.example"}
    )
    assert_redirect(response, "/tasks")
    reread(dbs)
    assert dbs.get(Task, task.id).done_at is None
    response = client.post(
        f"/tasks/{task.id}/delete", data={"csrf_token": token, "next": f"/cases/{case.id}"}
    )
    assert_redirect(response, f"/cases/{case.id}")
    reread(dbs)
    assert dbs.scalar(select(func.count()).select_from(Task)) == 0


def test_the_edit_page_moves_the_due_time_and_its_reminder(client, agent, contact, dbs):
    task = add(dbs, agent, contact, due=DST_DAY + timedelta(hours=2), remind_minutes_before=15)
    page = f"/tasks/{task.id}/edit"
    shown = client.get(page).text
    assert 'value="12:00"' in shown and 'value="15" selected' in shown
    response = client.post(
        page, data=form(client, page, title="Renamed", due_time="18:00", remind="15", next="/tasks")
    )
    assert_redirect(response, "/tasks")
    reread(dbs)
    task = dbs.get(Task, task.id)
    assert task.title == "Renamed"
    assert task.due_at == datetime(2026, 3, 29, 16, 0, tzinfo=UTC)
    assert task.remind_at == datetime(2026, 3, 29, 15, 45, tzinfo=UTC)
    bad = client.post(page, data=form(client, page, title=""))
    assert bad.status_code == 422 and "a task needs a title" in bad.text


def test_a_colleagues_task_is_not_found_in_the_panel(client, agent, contact, dbs):
    other = UserFactory(role="agent")
    task = add(dbs, other, contact, due=DST_DAY, title="Theirs")
    token = form_token(client, "/tasks")
    assert client.get(f"/tasks/{task.id}/edit").status_code == 404
    assert client.post(f"/tasks/{task.id}/done", data={"csrf_token": token}).status_code == 404
    assert "Theirs" not in client.get(f"/contacts/{contact.id}").text
    reread(dbs)
    assert dbs.get(Task, task.id).done_at is None
