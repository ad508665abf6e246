"""Cases: created by hand or by a missed call, assigned, claimed while an agent calls, and
moved on by each call's outcome (the rule is domain.scheduling.decide_after_outcome).

Operations change rows and flush; the caller commits. Work for RQ (reminders, e-mails)
goes through the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain import scheduling
from voiceapp.domain.cases import calling_window, claim_held_by_other, reached_by_default
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Call, Case, Contact, Order, User
from voiceapp.models.cases import CLOSED, OPEN
from voiceapp.services import contacts as contact_ops
from voiceapp.services.case_history import (  # CaseError is part of this module's API
    CaseError,
    add_history,
    case_type_labels,
    team_zone,
)
from voiceapp.services.case_mail import prepare_outcome_email, queue_outcome_email
from voiceapp.services.outbox import add_job
from voiceapp.services.reminders import due_timestamp
from voiceapp.services.team_settings import get_team_settings

REMIND_JOB = "workers.reminders.remind_case_due"
# An outcome is linked to the agent's own call to the customer made this recently.
CALL_LINK_WINDOW = timedelta(hours=2)
CALLBACK_TYPES = ("missed_call", "voicemail")


class CaseForbidden(PermissionError):
    """The user may not do this to this case (403)."""


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
    anyone; agents take a case for themselves or give back their own."""
    if not is_manager_or_admin(actor.role):
        own = assignee_id == actor.id and case.assignee_id in (None, actor.id)
        release = assignee_id is None and case.assignee_id == actor.id
        if not (own or release):
            raise CaseForbidden("only managers assign cases to other members")
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


def claim_case(db: Session, case: Case, user: User, *, now: datetime) -> Case:
    """Opening a case to call holds it for `user` for the team's claim time, so two agents
    never call the same customer at once. The caller has the row locked."""
    if case.status != OPEN:
        raise CaseError("status", "this case is closed")
    if claim_held_by_other(case.claimed_by_id, case.claimed_until, user.id, now):
        raise ClaimConflict(db.get(User, case.claimed_by_id), case.claimed_until, team_zone(db))
    minutes = get_team_settings(db).case_claim_minutes
    case.claimed_by_id = user.id
    case.claimed_until = now + timedelta(minutes=minutes)
    return case


def _release_claim(case: Case) -> None:
    case.claimed_by_id = None
    case.claimed_until = None


@dataclass(frozen=True)
class OutcomeInput:
    outcome: str
    reached: bool | None = None
    summary: str | None = None
    comment: str | None = None
    callback_at: datetime | None = None
    email_template: str | None = None
    email_copy_to_manager: bool = False

    @classmethod
    def from_input(cls, data: dict) -> OutcomeInput:
        """From what schemas.cases.OutcomeSchema loaded (API and panel alike)."""
        email = data.get("email") or {}
        return cls(
            outcome=data["outcome"],
            reached=data.get("reached"),
            summary=data.get("summary"),
            comment=data.get("comment"),
            callback_at=data.get("callback_at"),
            email_template=email.get("template"),
            email_copy_to_manager=email.get("copy_to_manager", False),
        )


def _linked_call(db: Session, case: Case, user: User, now: datetime) -> Call | None:
    """The agent's own most recent call to this customer: the outcome is about it, and
    the next due time counts from when it really happened (seed 000)."""
    return db.scalar(
        select(Call)
        .where(
            Call.contact_id == case.contact_id,
            Call.agent_id == user.id,
            Call.direction == "outbound",
            Call.parent_sid.is_(None),
            Call.started_at >= now - CALL_LINK_WINDOW,
            Call.started_at <= now,
        )
        .order_by(Call.started_at.desc())
        .limit(1)
    )


def record_outcome(
    db: Session, case: Case, user: User, data: OutcomeInput, *, now: datetime
) -> Case:
    """Record how the call went and decide the next call. Raises CaseError (nothing is
    changed) for input the rule refuses."""
    if case.status != OPEN:
        raise CaseError("outcome", "this case is closed")
    if claim_held_by_other(case.claimed_by_id, case.claimed_until, user.id, now):
        raise ClaimConflict(db.get(User, case.claimed_by_id), case.claimed_until, team_zone(db))
    reached = reached_by_default(data.outcome) if data.reached is None else data.reached
    if data.outcome == scheduling.NOT_REACHED and reached:
        raise CaseError("reached", "a not-reached call did not reach the customer")
    settings = get_team_settings(db)
    call = _linked_call(db, case, user, now)
    called_at = call.started_at if call is not None else now
    try:
        decision = scheduling.decide_after_outcome(
            outcome=data.outcome,
            called_at=called_at,
            now=now,
            not_reached_before=case.not_reached,
            callback_at=data.callback_at,
            customer_zone=case.contact.timezone or team_zone(db),
            window=calling_window(
                settings.calling_window_opens,
                settings.calling_window_closes,
                settings.calling_days,
            ),
            max_not_reached=settings.max_not_reached,
        )
    except scheduling.OutcomeError as exc:
        raise CaseError(exc.field, str(exc)) from exc
    email = (
        prepare_outcome_email(db, case, user, data.email_template, data.email_copy_to_manager)
        if data.email_template
        else None
    )

    case.attempts += 1
    if data.outcome == scheduling.NOT_REACHED:
        case.not_reached += 1
    case.last_outcome = data.outcome
    case.last_called_at = called_at
    case.updated_at = now
    _release_claim(case)
    if decision.close:
        case.status, case.closed_at, case.close_reason = CLOSED, now, decision.reason
    else:
        case.due_at = decision.due_at
    if decision.mark_number_invalid:
        _mark_number_invalid(db, case, call, now=now, actor=user)
    order = case.order
    if data.outcome == scheduling.CANCELLED and order is not None and order.status == "pending":
        order.status = "cancelled"
    details = {
        "outcome": data.outcome,
        "reached": reached,
        "summary": data.summary,
        "comment": data.comment,
        "callback_at": data.callback_at.isoformat() if data.callback_at else None,
        "called_at": called_at.isoformat(),
        "call_sid": call.sid if call is not None else None,
        "next_due_at": None if decision.close else decision.due_at.isoformat(),
    }
    add_history(
        db,
        case,
        "outcome",
        f"{scheduling.OUTCOME_LABELS[data.outcome]}: {decision.reason}",
        now=now,
        actor=user,
        data=details,
    )
    contact_ops.add_event(
        db,
        case.contact,
        kind="case_outcome",
        summary=f"Case #{case.id}: {scheduling.OUTCOME_LABELS[data.outcome]}"
        + (f" - {data.summary}" if data.summary else ""),
        now=now,
        actor=user,
        ref_type="case",
        ref_id=str(case.id),
    )
    if email is not None:
        queue_outcome_email(db, case, user, email, now=now)
    schedule_reminder(db, case)
    return case


def _mark_number_invalid(
    db: Session, case: Case, call: Call | None, *, now: datetime, actor: User
) -> None:
    """The number the agent called is wrong (or, without a linked call, the contact's
    first number still thought valid)."""
    phones = case.contact.phones
    target = None
    if call is not None:
        target = next((p for p in phones if p.number == call.to_number), None)
    target = target or next((p for p in phones if not p.invalid), None)
    if target is None:
        return
    target.invalid = True
    contact_ops.add_event(
        db,
        case.contact,
        kind="phone_invalid",
        summary=f"Number {target.number} marked invalid (case #{case.id})",
        now=now,
        actor=actor,
        ref_type="case",
        ref_id=str(case.id),
    )


def claim_next(db: Session, user: User, *, now: datetime, zone: str) -> Case | None:
    """Claim the first case of the user's Call today that nobody else holds. On
    PostgreSQL rows another agent is claiming right now are skipped (SKIP LOCKED), so
    two agents asking at once get different cases."""
    from voiceapp.services.case_queries import next_case_statement

    statement = next_case_statement(user, now=now, zone=zone)
    if db.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=Case)
    case = db.scalar(statement)
    if case is None:
        return None
    return claim_case(db, case, user, now=now)


def update_case(db: Session, case: Case, data: dict, *, actor: User, now: datetime) -> Case:
    """PATCH: assign or release, move the due time, change type, language or note.
    Managers change any case; agents change the cases assigned to them (and may take an
    unassigned one). Everything is checked before anything changes."""
    may_edit = is_manager_or_admin(actor.role) or case.assignee_id == actor.id
    only_taking = set(data) == {"assignee_id"}
    if not (may_edit or only_taking):
        raise CaseForbidden("only the assigned agent or a manager may change this case")
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
