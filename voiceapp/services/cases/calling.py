"""Calling a case: claiming it for the call (so two agents never call the same customer),
the next case to call, and the call's outcome, which decides the next call (the rule is
domain.scheduling.decide_after_outcome).

Operations change rows and flush; the caller commits. Work for RQ (reminders, e-mails)
goes through the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain import scheduling
from voiceapp.domain.case_rights import CLAIM, OUTCOME
from voiceapp.domain.cases import (
    calling_window,
    claim_held_by_other,
    outcome_history_line,
    reached_by_default,
)
from voiceapp.models import Call, Case, User
from voiceapp.models.cases import CLOSED, OPEN
from voiceapp.services import contacts as contact_ops
from voiceapp.services.cases import case_orders, rights
from voiceapp.services.cases.history import CaseError, add_history, team_zone
from voiceapp.services.cases.lifecycle import ClaimConflict, schedule_reminder
from voiceapp.services.cases.mail import prepare_outcome_email, queue_outcome_email
from voiceapp.services.cases.queries import next_case_statement
from voiceapp.services.cases.reminders import REMINDER
from voiceapp.services.notifications import mark_case_notifications_read
from voiceapp.services.team_settings import get_team_settings

# An outcome is linked to the agent's own call to the customer made this recently.
CALL_LINK_WINDOW = timedelta(hours=2)


def claim_case(db: Session, case: Case, user: User, *, now: datetime) -> Case:
    """Opening a case to call holds it for `user` for the team's claim time, so two agents
    never call the same customer at once. The caller has the row locked."""
    rights.require(CLAIM, user, case)
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
    # After a completed call on a case about an order: "keep" (save and create a new
    # order) or "replace" (cancel the unpaid order and create a new one).
    new_order: str | None = None

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
            new_order=data.get("new_order"),
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


def call_for_outcome(db: Session, case: Case, user: User, *, now: datetime) -> Call | None:
    """The call an outcome recorded now by `user` would be about (shown above the form;
    the softphone opens the form after a call started from the case)."""
    return _linked_call(db, case, user, now)


def record_outcome(
    db: Session, case: Case, user: User, data: OutcomeInput, *, now: datetime
) -> Case:
    """Record how the call went and decide the next call. Raises CaseError (nothing is
    changed) for input the rule refuses, CaseForbidden when `user` may not work the case."""
    rights.require(OUTCOME, user, case)
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
    order = case_orders.check_outcome(
        db,
        case,
        outcome=data.outcome,
        new_order=data.new_order,
        callback_at=data.callback_at,
        now=now,
    )
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
        case.closed_by_id = user.id
    else:
        case.due_at = decision.due_at
    if decision.mark_number_invalid:
        _mark_number_invalid(db, case, call, now=now, actor=user)
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
    if data.new_order:
        details["new_order"] = data.new_order
    add_history(
        db,
        case,
        "outcome",
        outcome_history_line(scheduling.OUTCOME_LABELS[data.outcome], decision.reason),
        now=now,
        actor=user,
        data=details,
    )
    if order is not None:
        case_orders.apply_outcome(
            db,
            case,
            order,
            outcome=data.outcome,
            new_order=data.new_order,
            summary=data.summary,
            actor=user,
            now=now,
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
    # The case is worked: its "due" reminders are answered (the badge goes down).
    mark_case_notifications_read(db, case.id, REMINDER, now=now)
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
    statement = next_case_statement(user, now=now, zone=zone)
    if db.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=Case)
    case = db.scalar(statement)
    if case is None:
        return None
    return claim_case(db, case, user, now=now)
