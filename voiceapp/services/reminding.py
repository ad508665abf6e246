"""What every reminder does, whatever it is about (a case falling due, a task): the
notification in the member's panel, the e-mail for members who want one (through the
outbox), and the sweep's pass over reminders whose job was lost.

The row being reminded of keeps the truth in its remind_at: a job carries the remind_at it
was made for (as due_timestamp), and the operation that sends the reminder clears remind_at
in the same transaction, so a reminder goes out once however often the job and the sweep
run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from html import escape as _esc
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from voiceapp.models import Notification, User
from voiceapp.services.emails import queue_email
from voiceapp.services.team_settings import team_zone

log = logging.getLogger(__name__)
REMINDER = "reminder"  # the e-mail's purpose


def due_timestamp(moment: datetime) -> int:
    """The number a reminder job carries for the remind time it was made for."""
    return int(moment.timestamp())


def notify(
    db: Session, member: User, *, kind: str, message: str, now: datetime, case_id: int | None
) -> Notification:
    row = Notification(
        user_id=member.id, kind=kind, message=message[:500], case_id=case_id, created_at=now
    )
    db.add(row)
    return row


def queue_reminder_email(
    db: Session,
    member: User,
    *,
    title: str,
    due_at: datetime,
    path: str,
    link_text: str,
    now: datetime,
    case_id: int | None = None,
) -> None:
    """ "<title> is due (<local time>)" to the member, with a link to `path` when the
    public address is known; the time in the team's zone."""
    due_local = due_at.astimezone(ZoneInfo(team_zone(db))).strftime("%Y-%m-%d %H:%M")
    base = current_app.config["VOICEAPP"].public_base_url if has_app_context() else None
    link = f"{base.rstrip('/')}{path}" if base else None
    text = f"Hello {member.name},\n\n{title} is due ({due_local}).\n"
    html = f"<p>Hello {_esc(member.name)},</p><p>{_esc(title)} is due ({due_local}).</p>"
    if link:
        text += f"\nOpen it: {link}\n"
        html += f'<p><a href="{_esc(link)}">{_esc(link_text)}</a></p>'
    queue_email(
        db,
        to=member.email,
        subject=f"{title} is due",
        body_text=text,
        body_html=html,
        case_id=case_id,
        purpose=REMINDER,
        now=now,
    )


def remind_late(
    db: Session,
    pending: Iterable[tuple[int, datetime]],
    remind: Callable[[Session, int, int], bool],
    what: str,
) -> int:
    """The sweep's pass: send each late reminder (row id, remind_at) through the job's own
    operation `remind(db, id, due_ts)`, each in its own transaction, so one failure does
    not hold back the others. Returns how many were sent."""
    sent = 0
    for row_id, remind_at in pending:
        try:
            if remind(db, row_id, due_timestamp(remind_at)):
                sent += 1
            db.commit()
        except Exception:
            db.rollback()
            log.exception("sweep: reminder of %s %s failed", what, row_id)
    return sent
