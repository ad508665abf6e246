"""Demo cases, so that Call today is not empty on a fresh demo: overdue ones, the rest of
today, tomorrow, and a few closed. Added once (only when there are no cases yet). Each is
due inside the calling window in the customer's local time, as the scheduler would have
set it: an overdue case was due during an earlier opening, a coming one at the next."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.domain.cases import calling_window
from voiceapp.domain.scheduling import CallingWindow, next_calling_time
from voiceapp.models import Case, Contact, User
from voiceapp.models.cases import CLOSED
from voiceapp.services.cases import create_case
from voiceapp.services.cases.history import add_history, team_zone
from voiceapp.services.team_settings import get_team_settings

# Hours from now the demo cases fall due: two overdue, three later today, two tomorrow.
DUE_OFFSETS = (-26, -3, 1, 2, 4, 24, 30)
TYPES_BY_LANGUAGE = {
    "de": ("payment_reminder", "new_order", "callback_request"),
    "es": ("new_order", "cancellation", "callback_request"),
    "fr": ("debt_collection", "payment_reminder"),
}


def seed_cases(db: Session, agents: list[User], now: datetime) -> int:
    if db.scalar(select(func.count()).select_from(Case)):
        return 0
    rng = random.Random(11)
    contacts = db.scalars(
        select(Contact).where(Contact.kind == "person").order_by(Contact.id).limit(24)
    ).all()
    settings = get_team_settings(db)
    window = calling_window(
        settings.calling_window_opens, settings.calling_window_closes, settings.calling_days
    )
    zone = team_zone(db)
    added = 0
    for n, contact in enumerate(contacts):
        language = contact.language or "de"
        case_type = rng.choice(TYPES_BY_LANGUAGE.get(language, ("callback_request",)))
        handlers = [a for a in agents if language in a.languages and case_type in a.case_types]
        # Half go to an agent who handles them, the rest wait in the pool.
        assignee = handlers[0].id if handlers and n % 2 == 0 else None
        wanted = now + timedelta(hours=DUE_OFFSETS[n % len(DUE_OFFSETS)], minutes=rng.randrange(50))
        due = _inside_window(wanted, now, contact.timezone or zone, window)
        case = create_case(
            db,
            contact=contact,
            case_type=case_type,
            language=language,
            actor=None,
            now=now - timedelta(days=2),
            assignee_id=assignee,
            due_at=due,
        )
        added += 1
        if n % 8 == 7:  # a few finished ones for "All cases"
            case.status, case.closed_at = CLOSED, now - timedelta(days=1)
            case.last_outcome, case.attempts = "completed", 1
            case.close_reason = "conversation completed"
            case.remind_at = None
            add_history(db, case, "outcome", "Conversation completed", now=now - timedelta(days=1))
    return added


def _inside_window(wanted: datetime, now: datetime, zone: str, window: CallingWindow) -> datetime:
    """`wanted` if the customer may be called then; else, for a future time the window's
    next opening, for a past one the last quarter hour of an earlier opening (still
    overdue)."""
    if wanted >= now:
        return next_calling_time(wanted, zone, window)
    local = wanted.astimezone(ZoneInfo(zone))
    for _ in range(8 * 24 * 4):  # a week and a day of quarter hours: any window has one
        if window.contains(local):
            return local.astimezone(UTC)
        local -= timedelta(minutes=15)
    return wanted
