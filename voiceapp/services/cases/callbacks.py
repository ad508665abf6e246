"""Calls that ask for a callback: a missed inbound call or a voicemail opens a case for the
caller (one open callback case per caller), and the agent of a caller's open case rings
first when they call again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.models import Call, Case, Contact, User
from voiceapp.models.cases import OPEN
from voiceapp.services.cases.history import add_history
from voiceapp.services.cases.lifecycle import CALLBACK_TYPES, open_case, schedule_reminder
from voiceapp.services.team_settings import get_team_settings


def preferred_agent_id(db: Session, contact_id: int | None) -> int | None:
    """Who should ring first when this customer calls: the agent of their open case due
    soonest, else the contact's responsible user."""
    if contact_id is None:
        return None
    agent = db.scalar(
        select(Case.assignee_id)
        .join(User, User.id == Case.assignee_id)
        .where(Case.contact_id == contact_id, Case.status == OPEN, User.active)
        .order_by(Case.due_at)
        .limit(1)
    )
    if agent is not None:
        return agent
    return db.scalar(
        select(Contact.owner_id)
        .join(User, User.id == Contact.owner_id)
        .where(Contact.id == contact_id, User.active)
    )


def _open_callback_case(db: Session, contact_id: int) -> Case | None:
    return db.scalar(
        select(Case)
        .where(
            Case.contact_id == contact_id,
            Case.status == OPEN,
            Case.type.in_(CALLBACK_TYPES),
        )
        .order_by(Case.id)
        .limit(1)
        .with_for_update()
    )


def open_case_for_missed_call(db: Session, call: Call, *, language: str | None, now: datetime):
    """A missed inbound call asks for a callback: a case for the caller, due now, for the
    agent who should ring first (or the pool). A second missed call while that case is
    open is added to its history (and makes it due now) instead of opening another."""
    if call.contact is None:  # withheld number: nobody to call back
        return None
    case = _open_callback_case(db, call.contact.id)
    summary = f"Missed call from {call.from_number}"
    if case is not None:
        add_history(db, case, "missed_call", summary, now=now, data={"call_sid": call.sid})
        if case.due_at > now:
            case.due_at = now
            schedule_reminder(db, case)
        case.updated_at = now
        return case
    settings = get_team_settings(db)
    language = language or call.contact.language or (settings.languages or ["en"])[0]
    case = open_case(
        db,
        contact=call.contact,
        case_type="missed_call",
        language=language,
        actor=None,
        now=now,
        assignee_id=preferred_agent_id(db, call.contact.id),
    )
    add_history(db, case, "missed_call", summary, now=now, data={"call_sid": call.sid})
    return case


def note_voicemail(db: Session, call: Call, recording_id: int, duration: int | None, now):
    """The caller left a message: the missed-call case becomes a voicemail case, with the
    recording named in its history."""
    if call.contact is None:
        return
    case = _open_callback_case(db, call.contact.id)
    if case is None:
        case = open_case_for_missed_call(db, call, language=None, now=now)
    if case.type == "missed_call":
        case.type = "voicemail"
    seconds = f" ({duration} s)" if duration else ""
    add_history(
        db,
        case,
        "voicemail",
        f"Voicemail left{seconds}",
        now=now,
        data={"call_sid": call.sid, "recording_id": recording_id},
    )
