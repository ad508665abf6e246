"""Cases for the RQ-side tests, written the way the case operations leave them: an
assigned case has remind_at = due_at and a reminder job in the outbox for that time."""

from __future__ import annotations

from datetime import datetime

from voiceapp.models import Case
from voiceapp.services.outbox import add_job
from voiceapp.services.reminders import due_timestamp

REMIND_JOB = "voiceapp.jobs.remind_case_due"


def remind_job_id(case_id: int, due_at: datetime) -> str:
    return f"remind-case-{case_id}-{due_timestamp(due_at)}"


def schedule_reminder(dbs, case: Case, due_at: datetime) -> None:
    """What the case code does when a case is assigned or rescheduled."""
    case.due_at = due_at
    case.remind_at = due_at
    add_job(
        dbs,
        REMIND_JOB,
        case.id,
        due_timestamp(due_at),
        job_id=remind_job_id(case.id, due_at),
        run_at=due_at,
    )


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
    if assignee is not None:
        schedule_reminder(dbs, case, due_at)
    dbs.commit()
    return case
