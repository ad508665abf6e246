"""/api/tasks: adding, reading, changing, completing, reopening and deleting tasks; who may
(agents: their own and those they added, on contacts they see; managers and admins: all);
the list's filters and order; bad input is a 422 with field errors and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.factories import CaseFactory, ContactFactory, UserFactory
from voiceapp.models import CaseEvent, ContactEvent, OutboxJob, Task

# Tuesday 10 March 2026, 10:00 in Berlin (09:00 UTC).
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
REMIND_JOB = "workers.reminders.remind_task_due"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Jonas Becker")


@pytest.fixture
def other_agent(ctx):
    return UserFactory(role="agent", name="Lucia Garcia")


@pytest.fixture
def manager(ctx):
    return UserFactory(role="sales_manager", name="Mia Manager")


@pytest.fixture
def contact(ctx):
    return ContactFactory(first_name="Anna", last_name="Schmidt")


def iso(moment: datetime) -> str:
    return moment.isoformat()


def add(call, **fields) -> dict:
    body = {"title": "Send the contract", "due_at": iso(NOW + timedelta(hours=3)), **fields}
    response = call("POST", "/api/tasks", json=body)
    assert response.status_code == 201, response.json
    return response.json


def count(dbs, model) -> int:
    dbs.rollback()
    counted = dbs.scalar(select(func.count()).select_from(model))
    dbs.rollback()  # no read transaction left open against the app's writes (SQLite)
    return counted


def jobs(dbs) -> list[tuple]:
    dbs.rollback()
    rows = dbs.scalars(select(OutboxJob).where(OutboxJob.func == REMIND_JOB).order_by(OutboxJob.id))
    return [(tuple(r.args), r.run_at) for r in rows]


def test_an_agent_adds_a_task_on_a_contact_for_themselves_reminded_at_the_due_time(
    as_user, dbs, agent, contact
):
    due = NOW + timedelta(hours=3)
    task = add(as_user(agent), contact_id=contact.id, notes="the signed copy")
    assert task["title"] == "Send the contract"
    assert task["assignee"] == {"id": agent.id, "name": "Jonas Becker"}
    assert task["contact"] == {"id": contact.id, "name": "Anna Schmidt"}
    assert task["created_by_id"] == agent.id and task["case_id"] is None
    assert (task["done"], task["overdue"], task["notes"]) == (False, False, "the signed copy")
    assert datetime.fromisoformat(task["remind_at"]) == due
    assert task["remind_minutes_before"] == 0
    assert jobs(dbs) == [((task["id"], int(due.timestamp())), due)]


def test_a_task_on_a_case_is_on_the_cases_contact_too_and_reminded_when_asked(
    as_user, dbs, agent, contact
):
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    due = NOW + timedelta(hours=3)
    task = add(as_user(agent), case_id=case.id, remind_minutes_before=30)
    assert (task["case_id"], task["contact_id"]) == (case.id, contact.id)
    assert datetime.fromisoformat(task["remind_at"]) == due - timedelta(minutes=30)
    assert task["remind_minutes_before"] == 30


def test_no_reminder_when_asked_for_none(as_user, dbs, agent, contact):
    task = add(as_user(agent), contact_id=contact.id, remind_minutes_before=None)
    assert task["remind_at"] is None and jobs(dbs) == []


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"title": "   "}, {"title": ["a task needs a title"]}),
        ({"title": ""}, {"title": ["a task needs a title"]}),
        ({"title": "x" * 201}, {"title": ["at most 200 characters"]}),
        ({"due_at": None}, {"due_at": ["Field may not be null."]}),
        ({"due_at": "tomorrow"}, {"due_at": ["Not a valid datetime."]}),
        ({"due_at": "2026-03-10T15:00"}, {"due_at": ["Not a valid aware datetime."]}),
        (
            {"remind_minutes_before": -5},
            {
                "remind_minutes_before": [
                    "Must be greater than or equal to 0 and less than or equal to 10080."
                ]
            },
        ),
        ({"contact_id": None}, {"contact_id": ["a task belongs to a contact or a case"]}),
        ({"contact_id": 999999}, {"contact_id": ["no contact with this id"]}),
        ({"case_id": 999999}, {"case_id": ["no case with this id"]}),
        ({"assignee_id": 999999}, {"assignee_id": ["no active team member with this id"]}),
    ],
    ids=lambda v: str(v)[:40],
)
def test_bad_input_is_a_422_with_field_errors_and_adds_nothing(
    as_user, dbs, manager, contact, body, errors
):
    fields = {
        "title": "Send the contract",
        "due_at": iso(NOW + timedelta(hours=3)),
        "contact_id": contact.id,
        **body,
    }
    fields = {k: v for k, v in fields.items() if v is not None or k != "contact_id"}
    response = as_user(manager)("POST", "/api/tasks", json=fields)
    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"] == errors
    assert count(dbs, Task) == 0 and jobs(dbs) == []


def test_a_case_of_another_contact_than_the_one_named_is_refused(as_user, dbs, manager, contact):
    case = CaseFactory(contact=ContactFactory())
    response = as_user(manager)(
        "POST",
        "/api/tasks",
        json={
            "title": "Call back",
            "due_at": iso(NOW + timedelta(hours=1)),
            "contact_id": contact.id,
            "case_id": case.id,
        },
    )
    assert response.status_code == 422
    assert response.json["errors"]["json"] == {"case_id": ["this case is about another contact"]}
    assert count(dbs, Task) == 0


def test_an_agent_may_not_give_a_task_to_a_colleague_a_manager_may(
    as_user, dbs, agent, other_agent, manager, contact
):
    body = {
        "title": "Call back",
        "due_at": iso(NOW + timedelta(hours=1)),
        "contact_id": contact.id,
        "assignee_id": other_agent.id,
    }
    refused = as_user(agent)("POST", "/api/tasks", json=body)
    assert refused.status_code == 403
    assert refused.json["message"] == "only managers assign tasks to other members"
    assert count(dbs, Task) == 0
    given = as_user(manager)("POST", "/api/tasks", json=body)
    assert given.status_code == 201 and given.json["assignee_id"] == other_agent.id


def test_an_agent_may_not_add_a_task_on_a_contact_they_do_not_see(as_user, dbs, agent, other_agent):
    private = ContactFactory(owner_id=other_agent.id, visibility="private")
    response = as_user(agent)(
        "POST",
        "/api/tasks",
        json={"title": "Peek", "due_at": iso(NOW + timedelta(hours=1)), "contact_id": private.id},
    )
    assert response.status_code == 422
    assert response.json["errors"]["json"] == {"contact_id": ["no contact with this id"]}


def test_agents_see_their_own_and_what_they_added_managers_everything(
    as_user, dbs, agent, other_agent, manager, contact
):
    as_agent, as_other, as_manager = as_user(agent), as_user(other_agent), as_user(manager)
    mine = add(as_agent, contact_id=contact.id, title="Mine")
    given_to_me = add(as_manager, contact_id=contact.id, title="Given", assignee_id=agent.id)
    added_for_other = add(
        as_manager, contact_id=contact.id, title="Other's", assignee_id=other_agent.id
    )
    colleague_own = add(as_other, contact_id=contact.id, title="Colleague's own")
    hidden = ContactFactory(owner_id=other_agent.id, visibility="private")
    on_hidden = add(as_manager, contact_id=hidden.id, title="On hidden", assignee_id=agent.id)

    def ids(call, query=""):
        response = call("GET", f"/api/tasks{query}")
        assert response.status_code == 200
        return sorted(t["id"] for t in response.json["items"])

    assert ids(as_agent) == sorted([mine["id"], given_to_me["id"]])
    assert ids(as_other) == sorted([added_for_other["id"], colleague_own["id"]])
    everything = [mine, given_to_me, added_for_other, colleague_own, on_hidden]
    assert ids(as_manager) == sorted(t["id"] for t in everything)
    for task in (added_for_other, colleague_own, on_hidden):
        path = f"/api/tasks/{task['id']}"
        assert as_agent("GET", path).status_code == 404
        assert as_agent("PATCH", path, json={"title": "Mine now"}).status_code == 404
        assert as_agent("POST", f"{path}/complete").status_code == 404
        assert as_agent("DELETE", path).status_code == 404
    # The contact's owner does not see a task on it that is not theirs either.
    assert as_other("GET", f"/api/tasks/{on_hidden['id']}").status_code == 404
    dbs.rollback()
    assert {t.title for t in dbs.scalars(select(Task)) if t.done_at} == set()
    assert "Mine now" not in {t.title for t in dbs.scalars(select(Task))}


def test_a_task_a_manager_gave_is_completed_by_the_agent_not_deleted(
    as_user, dbs, agent, manager, contact
):
    as_manager, as_agent = as_user(manager), as_user(agent)
    task = add(as_manager, contact_id=contact.id, assignee_id=agent.id)
    refused = as_agent("DELETE", f"/api/tasks/{task['id']}")
    assert refused.status_code == 403
    assert count(dbs, Task) == 1
    own = add(as_agent, contact_id=contact.id, title="Own")
    assert as_agent("DELETE", f"/api/tasks/{own['id']}").status_code == 204
    assert as_manager("DELETE", f"/api/tasks/{task['id']}").status_code == 204
    assert count(dbs, Task) == 0


def test_an_agent_may_not_hand_their_task_to_a_colleague(as_user, dbs, agent, other_agent, contact):
    task = add(as_user(agent), contact_id=contact.id)
    response = as_user(agent)(
        "PATCH", f"/api/tasks/{task['id']}", json={"assignee_id": other_agent.id}
    )
    assert response.status_code == 403
    dbs.rollback()
    assert dbs.get(Task, task["id"]).assignee_id == agent.id


def test_moving_the_due_time_moves_the_reminder_with_its_offset(as_user, dbs, agent, contact):
    as_agent = as_user(agent)
    task = add(as_agent, contact_id=contact.id, remind_minutes_before=15)
    later = NOW + timedelta(days=1)
    moved = as_agent("PATCH", f"/api/tasks/{task['id']}", json={"due_at": iso(later)})
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json["remind_at"]) == later - timedelta(minutes=15)
    assert [run_at for _args, run_at in jobs(dbs)] == [
        NOW + timedelta(hours=3) - timedelta(minutes=15),
        later - timedelta(minutes=15),
    ]
    # A title change leaves the reminder alone; "no reminder" drops it.
    as_agent("PATCH", f"/api/tasks/{task['id']}", json={"title": "Send the signed contract"})
    assert len(jobs(dbs)) == 2
    dropped = as_agent("PATCH", f"/api/tasks/{task['id']}", json={"remind_minutes_before": None})
    assert dropped.json["remind_at"] is None and dropped.json["title"] == "Send the signed contract"


def test_completing_clears_the_reminder_and_writes_the_cases_history_reopening_arms_it_again(
    as_user, dbs, agent, contact
):
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    as_agent = as_user(agent)
    task = add(as_agent, case_id=case.id, title="Send the brochure")
    done = as_agent("POST", f"/api/tasks/{task['id']}/complete")
    assert done.status_code == 200
    assert (done.json["done"], done.json["done_by_id"], done.json["remind_at"]) == (
        True,
        agent.id,
        None,
    )
    assert datetime.fromisoformat(done.json["done_at"]) == NOW
    # Twice is harmless: answered as it is, no second history line.
    assert as_agent("POST", f"/api/tasks/{task['id']}/complete").status_code == 200
    dbs.rollback()
    lines = dbs.execute(
        select(CaseEvent.kind, CaseEvent.summary, CaseEvent.actor_id).where(
            CaseEvent.case_id == case.id
        )
    ).all()
    assert [tuple(line) for line in lines] == [
        ("task_done", "Task done: Send the brochure", agent.id)
    ]

    again = as_agent("POST", f"/api/tasks/{task['id']}/reopen")
    assert (again.json["done"], again.json["done_at"]) == (False, None)
    assert datetime.fromisoformat(again.json["remind_at"]) == NOW + timedelta(hours=3)


def test_completing_a_task_on_a_contact_writes_the_contacts_history(as_user, dbs, agent, contact):
    task = add(as_user(agent), contact_id=contact.id, title="Send the brochure")
    as_user(agent)("POST", f"/api/tasks/{task['id']}/complete")
    dbs.rollback()
    summaries = dbs.scalars(
        select(ContactEvent.summary).where(ContactEvent.contact_id == contact.id)
    ).all()
    assert summaries == ["Task done: Send the brochure"]


def test_the_list_filters_and_puts_open_tasks_first_overdue_on_top(
    as_user, dbs, clock, agent, other_agent, manager, contact
):
    as_manager = as_user(manager)
    case = CaseFactory(contact=contact)
    later = add(as_manager, contact_id=contact.id, title="Later", assignee_id=agent.id)
    soon = add(
        as_manager,
        case_id=case.id,
        title="Soon",
        assignee_id=agent.id,
        due_at=iso(NOW + timedelta(minutes=30)),
    )
    other = add(
        as_manager,
        contact_id=ContactFactory().id,
        title="Other",
        assignee_id=other_agent.id,
        due_at=iso(NOW + timedelta(minutes=10)),
    )
    finished = add(as_manager, contact_id=contact.id, title="Finished", assignee_id=agent.id)
    as_manager("POST", f"/api/tasks/{finished['id']}/complete")
    clock.move_to(NOW + timedelta(hours=1))  # "Soon" and "Other" are overdue now

    def titles(query=""):
        response = as_manager("GET", f"/api/tasks{query}")
        assert response.status_code == 200, response.json
        return [t["title"] for t in response.json["items"]], response.json["total"]

    assert titles() == (["Other", "Soon", "Later", "Finished"], 4)
    assert titles(f"?assignee_id={agent.id}") == (["Soon", "Later", "Finished"], 3)
    assert titles(f"?contact_id={contact.id}&status=open") == (["Soon", "Later"], 2)
    assert titles(f"?case_id={case.id}") == (["Soon"], 1)
    assert titles("?status=done") == (["Finished"], 1)
    assert titles("?overdue=true") == (["Other", "Soon"], 2)
    assert titles("?overdue=false") == (["Later", "Finished"], 2)
    assert titles("?per_page=1&page=2") == (["Soon"], 4)
    response = as_manager("GET", "/api/tasks?overdue=true")
    assert [t["overdue"] for t in response.json["items"]] == [True, True]
    assert {later["id"], soon["id"], other["id"]} <= {
        t["id"] for t in as_manager("GET", "/api/tasks").json["items"]
    }


@pytest.mark.parametrize("query", ["?status=late", "?overdue=maybe", "?assignee_id=0", "?page=0"])
def test_bad_filters_are_a_422(as_user, manager, query):
    assert as_user(manager)("GET", f"/api/tasks{query}").status_code == 422


def test_the_api_is_described_in_openapi(client):
    spec = client.get("/api/openapi.json").json
    for path in (
        "/api/tasks",
        "/api/tasks/{task_id}",
        "/api/tasks/{task_id}/complete",
        "/api/tasks/{task_id}/reopen",
    ):
        assert path in spec["paths"], path
    assert set(spec["paths"]["/api/tasks/{task_id}"]) >= {"get", "patch", "delete"}
    assert "TaskCreate" in spec["components"]["schemas"]
