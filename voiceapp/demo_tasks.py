"""Demo tasks, so that My tasks is not empty on a fresh demo: for each agent an overdue
one, one later today, one tomorrow (some on a case), and one done today; a sales
manager's task for an agent among them. Added once (only when there are no tasks yet)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.models import Case, Contact, Task, User
from voiceapp.services.contacts import visible_contacts_filter
from voiceapp.services.tasks import complete_task, create_task

# (title, hours from now it is due, on the agent's first open case, minutes before to remind)
DEMO_TASKS = (
    ("Send the signed contract back", -20, False, 0),
    ("Check the delivery address", 3, True, 15),
    ("Call back about the second instalment", 26, False, 60),
)
DONE_TODAY = "Book the follow-up meeting"


def seed_tasks(db: Session, agents: list[User], manager: User | None, now: datetime) -> int:
    if db.scalar(select(func.count()).select_from(Task)):
        return 0
    added = 0
    for n, agent in enumerate(agents):
        # Contacts the agent sees (their own, or shared), so the tasks show in My tasks.
        contacts = db.scalars(
            select(Contact)
            .where(visible_contacts_filter(agent))
            .order_by(Contact.id)
            .offset(4 * n)
            .limit(4)
        ).all()
        if not contacts:
            continue
        case = db.scalar(
            select(Case)
            .where(Case.assignee_id == agent.id, Case.status == "open")
            .order_by(Case.id)
            .limit(1)
        )
        for i, (title, hours, on_case, remind) in enumerate(DEMO_TASKS):
            # A manager handed the first one out; the agents added the rest themselves.
            actor = manager if i == 0 and manager is not None else agent
            create_task(
                db,
                actor=actor,
                title=title,
                due_at=now + timedelta(hours=hours),
                now=now - timedelta(days=1),
                contact=None if on_case and case else contacts[i % len(contacts)],
                case=case if on_case else None,
                assignee_id=agent.id,
                remind_minutes_before=remind,
            )
            added += 1
        done = create_task(
            db,
            actor=agent,
            title=DONE_TODAY,
            due_at=now - timedelta(hours=1),
            now=now - timedelta(days=1),
            contact=contacts[-1],
        )
        complete_task(db, done, actor=agent, now=now - timedelta(minutes=30))
        added += 1
    return added
