"""A case's life outside the call: opened by hand or by a missed call, assigned and
released, changed (PATCH), and its due reminder scheduled. Calling it is cases.calling.

Operations change rows and flush; the caller commits. Work for RQ (reminders) goes through
the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.case_rights import ASSIGN, PATCH
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Case, Contact, Order, User
from voiceapp.models.cases import OPEN
from voiceapp.services import contacts as contact_ops
from voiceapp.services.cases import rights
from voiceapp.services.cases.history import (  # CaseError, CaseForbidden: this module's API
    CaseError,
    CaseForbidden,
    add_history,
    case_type_labels,
)
from voiceapp.services.cases.reminders import due_timestamp
from voiceapp.services.outbox import add_job

REMIND_JOB = "workers.reminders.remind_case_due"
CALLBACK_TYPES = ("missed_call", "voicemail")


class ClaimConflict(RuntimeError):
    """Another agent holds the case (409): says who and until when."""

    def __init__(self, holder: User | None, until: datetime, zone: str):
        name = holder.name if holder else "another agent"
        # Said in the team's time, as the panel shows every time.
        local = until.astimezone(ZoneInfo(zone))
        super().__init__(f"{name} is calling this customer (claimed until {local:%H:%M %Z})")
        self.holder = holder
        self.until = until


def remind_job_id(case_id: int, due_at: datetime, assignee_id: int) -> str:
    """One reminder per case, due time and agent: reassigning a case whose reminder
    already went out reminds the new agent at once (the same id would be refused by
    Redis as a duplicate of the finished job)."""
    return f"remind-case-{case_id}-{due_timestamp(due_at)}-{assignee_id}"


def schedule_reminder(db: Session, case: Case) -> None:
    """The assigned agent is reminded when the case falls due: a job at the due time. A
    rescheduled case gets a new job; the older one finds remind_at changed and does
    nothing (the sweep sends what a lost job missed)."""
    wanted = case.due_at if case.status == OPEN and case.assignee_id is not None else None
    if wanted == case.remind_at:
        return
    case.remind_at = wanted
    if wanted is not None:
        db.flush()
        add_job(
            db,
            REMIND_JOB,
            case.id,
            due_timestamp(wanted),
            job_id=remind_job_id(case.id, wanted, case.assignee_id),
            run_at=wanted,
        )


def _check_type_and_language(db: Session, case_type: str, language: str) -> None:
    labels = case_type_labels(db)
    if case_type not in labels:
        raise CaseError("type", f"unknown case type; one of: {', '.join(labels)}")
    if not (len(language) == 2 and language.isalpha() and language.islower()):
        raise CaseError("language", "a two-letter language code such as de or en")


def _active_user(db: Session, user_id: int, field: str) -> User:
    user = db.get(User, user_id)
    if user is None or not user.active:
        raise CaseError(field, "no active team member with this id")
    return user


def create_case(
    db: Session,
    *,
    contact: Contact,
    case_type: str,
    language: str,
    actor: User | None,
    now: datetime,
    assignee_id: int | None = None,
    due_at: datetime | None = None,
    order_id: int | None = None,
    note: str | None = None,
) -> Case:
    _check_type_and_language(db, case_type, language)
    if assignee_id is not None:
        _active_user(db, assignee_id, "assignee_id")
        if actor is not None and not is_manager_or_admin(actor.role) and assignee_id != actor.id:
            raise CaseForbidden("agents may assign cases only to themselves")
    if order_id is not None:
        order = db.get(Order, order_id)
        if order is None or order.contact_id != contact.id:
            raise CaseError("order_id", "no order with this id for this contact")
    return open_case(
        db,
        contact=contact,
        case_type=case_type,
        language=language,
        actor=actor,
        now=now,
        assignee_id=assignee_id,
        due_at=due_at,
        order_id=order_id,
        note=note,
    )


def open_case(
    db: Session,
    *,
    contact: Contact,
    case_type: str,
    language: str,
    actor: User | None,
    now: datetime,
    assignee_id: int | None = None,
    due_at: datetime | None = None,
    order_id: int | None = None,
    note: str | None = None,
) -> Case:
    """Write a new case with its first history lines and reminder; the inputs are
    checked already (create_case), or are the app's own (a missed call)."""
    case = Case(
        type=case_type,
        contact=contact,
        language=language,
        assignee_id=assignee_id,
        status=OPEN,
        due_at=due_at or now,
        order_id=order_id,
        note=note,
        created_by_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
    )
    db.add(case)
    db.flush()
    label = case_type_labels(db).get(case_type, case_type)
    add_history(db, case, "created", f"Case created: {label}", now=now, actor=actor)
    if assignee_id is not None:
        assignee = db.get(User, assignee_id)
        add_history(db, case, "assigned", f"Assigned to {assignee.name}", now=now, actor=actor)
    contact_ops.add_event(
        db,
        contact,
        kind="case_created",
        summary=f"Case #{case.id} created: {label}",
        now=now,
        actor=actor,
        ref_type="case",
        ref_id=str(case.id),
    )
    schedule_reminder(db, case)
    return case


def lock_case(db: Session, case_id: int) -> Case | None:
    return db.scalar(select(Case).where(Case.id == case_id).with_for_update())


def assign_case(
    db: Session, case: Case, assignee_id: int | None, *, actor: User, now: datetime
) -> Case:
    """Assign to a member ("Traitement") or release to the pool (None). Managers assign
    anyone; agents take a case for themselves or give back their own (domain.case_rights)."""
    rights.require(ASSIGN, actor, case, new_assignee_id=assignee_id)
    if assignee_id == case.assignee_id:
        return case
    if assignee_id is None:
        case.assignee_id = None
        add_history(db, case, "released", "Released to the pool", now=now, actor=actor)
    else:
        assignee = _active_user(db, assignee_id, "assignee_id")
        case.assignee_id = assignee.id
        add_history(db, case, "assigned", f"Assigned to {assignee.name}", now=now, actor=actor)
    case.updated_at = now
    schedule_reminder(db, case)
    return case


def update_case(db: Session, case: Case, data: dict, *, actor: User, now: datetime) -> Case:
    """PATCH: assign or release, move the due time, change type, language or note.
    Who may is domain.case_rights (the assignee, an agent on a pool case they handle,
    managers). Everything is checked before anything changes."""
    rights.require(PATCH, actor, case)
    if case.status != OPEN and set(data) - {"note"}:
        raise CaseError("status", "this case is closed")
    _check_type_and_language(db, data.get("type", case.type), data.get("language", case.language))
    if "assignee_id" in data:
        assign_case(db, case, data["assignee_id"], actor=actor, now=now)
    if "due_at" in data and data["due_at"] != case.due_at:
        case.due_at = data["due_at"]
        add_history(
            db,
            case,
            "rescheduled",
            "Due time changed",
            now=now,
            actor=actor,
            data={"due_at": case.due_at.isoformat()},
        )
        schedule_reminder(db, case)
    for name in ("type", "language", "note"):
        if name in data and data[name] != getattr(case, name):
            setattr(case, name, data[name])
            add_history(db, case, "changed", f"{name.capitalize()} changed", now=now, actor=actor)
    case.updated_at = now
    return case
