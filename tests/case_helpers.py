"""Cases for the RQ-side tests, written the way the case operations leave them: an
assigned case has remind_at = due_at and a reminder job in the outbox for that time
(voiceapp.services.cases.schedule_reminder does both)."""

from __future__ import annotations

from datetime import datetime

from voiceapp.models import Case
from voiceapp.services.cases import remind_job_id, schedule_reminder

__all__ = ["make_case", "remind_job_id", "reschedule"]


def reschedule(dbs, case: Case, due_at: datetime) -> None:
    """What the case code does when a case is rescheduled."""
    case.due_at = due_at
    schedule_reminder(dbs, case)


def make_case(dbs, contact, *, due_at: datetime, assignee=None, case_type="missed_call") -> Case:
    case = Case(
        type=case_type,
        contact_id=contact.id,
        language="de",
        assignee_id=assignee.id if assignee else None,
        due_at=due_at,
    )
    dbs.add(case)
    dbs.flush()
    schedule_reminder(dbs, case)
    dbs.commit()
    return case
