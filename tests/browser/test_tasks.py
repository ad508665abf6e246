"""Tasks in real headless Chromium: an agent adds a task on a contact's page, finds it in
My tasks (the tab beside Call today) with the overdue one above it, and marks it done; and
the three task pages as each role sees them (screenshots with BROWSER_SCREENSHOTS)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import CaseFactory, ContactFactory, UserFactory
from voiceapp.db import utcnow
from voiceapp.models import Task
from voiceapp.services import tasks
from voiceapp.services.team_settings import team_zone

pytestmark = pytest.mark.browser


def member(role: str, name: str):
    return UserFactory(
        name=name,
        email=f"{role}@example.com",
        role=role,
        languages=["de"],
        case_types=["payment_reminder"],
        password_hash=FAST_PASSWORD_HASH,
    )


def test_an_agent_adds_a_task_on_a_contact_sees_it_in_my_tasks_and_marks_it_done(
    page, page_log, ctx, dbs
):
    agent = member("agent", "Jonas Becker")
    contact = ContactFactory(first_name="Anna", last_name="Schmidt")
    tasks.create_task(
        dbs,
        actor=agent,
        title="Call about the invoice",
        due_at=utcnow() - timedelta(hours=2),
        now=utcnow(),
        contact=ContactFactory(first_name="Olga", last_name="Overdue"),
    )
    dbs.commit()
    sign_in(page, agent)
    page.goto(f"/contacts/{contact.id}")
    card = page.get_by_test_id("tasks-card")
    expect(card.get_by_text("No tasks yet.")).to_be_visible()
    card.get_by_text("Add a task").click()
    form = card.get_by_test_id("task-form")
    form.get_by_label("Task").fill("Send the contract")
    tomorrow = (utcnow().astimezone(ZoneInfo(team_zone(dbs))) + timedelta(days=1)).date()
    form.get_by_label("Due date").fill(tomorrow.isoformat())
    form.get_by_label("Time", exact=True).fill("09:30")
    form.get_by_label("Reminder").select_option("15")
    form.get_by_role("button", name="Add task").click()
    expect(page.get_by_text("Task added: Send the contract.")).to_be_visible()
    expect(card.locator("tr.task")).to_have_count(1)
    expect(card.locator("tr.task")).to_contain_text(f"{tomorrow.isoformat()} 09:30")

    page.get_by_role("link", name="Call today").click()
    page.get_by_test_id("my-tasks-tab").click()
    expect(page.get_by_role("heading", name="My tasks (2)")).to_be_visible()
    expect(page.get_by_role("link", name="Call today", exact=True).first).to_have_attribute(
        "aria-current", "page"
    )
    rows = page.locator("[data-testid=my-tasks] tbody tr")
    expect(rows.nth(0)).to_contain_text("Call about the invoice")
    expect(rows.nth(0).get_by_test_id("task-overdue")).to_be_visible()
    expect(rows.nth(1)).to_contain_text("Send the contract")
    expect(rows.nth(1)).to_contain_text("Anna Schmidt")
    screenshot(page, "my-tasks")

    rows.nth(1).get_by_test_id("task-done").click()
    expect(page.get_by_text("Done: Send the contract.")).to_be_visible()
    expect(page.get_by_role("heading", name="My tasks (1)")).to_be_visible()
    done = page.get_by_test_id("done-today")
    expect(done.locator("s", has_text="Send the contract")).to_be_visible()
    page_log.assert_clean(page)

    dbs.rollback()
    task = dbs.scalar(select(Task).where(Task.title == "Send the contract"))
    assert task.done_by_id == agent.id and task.remind_at is None


@pytest.mark.parametrize("role", ["admin", "sales_manager", "agent"])
def test_the_task_pages_as_each_role_sees_them(page, page_log, ctx, dbs, role):
    """My tasks, a contact's page and a case's page with tasks, each role's own view."""
    names = {"admin": "Ada Admin", "sales_manager": "Mia Manager", "agent": "Jonas Becker"}
    viewer = member(role, names[role])
    colleague = UserFactory(name="Lucia Garcia", role="agent")
    contact = ContactFactory(first_name="Anna", last_name="Schmidt")
    case = CaseFactory(contact=contact, assignee_id=viewer.id)
    now = utcnow()
    for title, due, on_case, who in (
        ("Call about the invoice", now - timedelta(hours=3), False, viewer),
        ("Send the contract", now + timedelta(hours=2), True, viewer),
        ("Check the delivery address", now + timedelta(days=1), False, colleague),
    ):
        tasks.create_task(
            dbs,
            actor=colleague if who is colleague else viewer,
            title=title,
            due_at=due,
            now=now,
            contact=None if on_case else contact,
            case=case if on_case else None,
            remind_minutes_before=15,
        )
    finished = tasks.create_task(
        dbs, actor=viewer, title="Book the follow-up", due_at=now, now=now, contact=contact
    )
    tasks.complete_task(dbs, finished, actor=viewer, now=now)
    dbs.commit()
    sign_in(page, viewer)
    page.set_viewport_size({"width": 1100, "height": 800})
    page.goto("/tasks")
    expect(page.get_by_role("heading", name="My tasks (2)")).to_be_visible()
    screenshot(page, f"tasks-mine-{role}")
    page.goto(f"/contacts/{contact.id}")
    rows = page.get_by_test_id("tasks-card").locator("tr.task")
    # Agents see their own tasks, not the colleague's; managers and admins all of them.
    expect(rows).to_have_count(3 if role == "agent" else 4)
    screenshot(page, f"tasks-contact-{role}")
    page.goto(f"/cases/{case.id}")
    expect(page.get_by_test_id("tasks-card").locator("tr.task")).to_have_count(1)
    screenshot(page, f"tasks-case-{role}")
    page_log.assert_clean(page)
