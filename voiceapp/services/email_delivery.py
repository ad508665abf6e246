"""Sending one queued e-mail (the send_email job's work), and writing what happened into
the case's history.

pending -> sent, or failed: permanently refused by the server, or still undeliverable
after MAX_SEND_ATTEMPTS tries. No database transaction is open while the SMTP server is
asked: a slow server must not hold SQLite's write lock (or a PostgreSQL row lock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voiceapp.mailer import Mailer, PermanentMailError, TransientMailError, build_message
from voiceapp.models import CaseEvent, OutgoingEmail

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"
# RQ retries a job 5 times within 43 minutes; then the sweep gives the e-mail a new job.
# 20 attempts are about two hours of trying: long enough for an SMTP server's restart or
# a fixed password, short enough that a reminder is still worth something.
MAX_SEND_ATTEMPTS = 20


def message_id(email_id: int, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2].strip("<> ") or "voiceapp.local"
    return f"<voiceapp-email-{email_id}@{domain}>"


def _recipients(email: OutgoingEmail) -> str:
    cc = f" (copy to {', '.join(email.cc)})" if email.cc else ""
    return f"{email.to_address}{cc}"


def _history(db: Session, email: OutgoingEmail, kind: str, summary: str, now: datetime) -> None:
    if email.case_id is None:
        return
    data = {"email_id": email.id, "purpose": email.purpose}
    if email.last_error:
        data["error"] = email.last_error
    db.add(CaseEvent(case_id=email.case_id, kind=kind, summary=summary[:500], at=now, data=data))


def _start_attempt(db: Session, email_id: int) -> OutgoingEmail | None:
    """Count the attempt before talking to the server (a worker killed mid-send still
    counts), and only for a message still pending."""
    counted = db.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id == email_id, OutgoingEmail.status == PENDING)
        .values(attempts=OutgoingEmail.attempts + 1)
    )
    if counted.rowcount == 0:
        db.rollback()
        return None
    email = db.scalar(
        select(OutgoingEmail)
        .where(OutgoingEmail.id == email_id)
        .execution_options(populate_existing=True)
    )
    db.commit()
    return email


def _finish(db: Session, email_id: int) -> OutgoingEmail | None:
    """The row again, locked, if nobody else settled it meanwhile."""
    email = db.scalar(
        select(OutgoingEmail)
        .where(OutgoingEmail.id == email_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return email if email is not None and email.status == PENDING else None


def mark_failed(db: Session, email: OutgoingEmail, error: str, *, now: datetime) -> None:
    email.status = FAILED
    email.last_error = error[:500]
    _history(
        db,
        email,
        "email_failed",
        f"E-mail to {_recipients(email)} not sent: {error}",
        now,
    )


def _give_up(db: Session, email_id: int, error: str, clock: Callable[[], datetime]) -> str:
    email = _finish(db, email_id)
    if email is not None:
        if email.last_error and error.startswith("gave up"):
            error = f"{error}: {email.last_error}"
        mark_failed(db, email, error, now=clock())
    db.commit()
    return FAILED


def _message(email: OutgoingEmail, mail_from: str):
    return build_message(
        mail_from=mail_from,
        to=email.to_address,
        cc=list(email.cc or []),
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        message_id=message_id(email.id, mail_from),
    )


RETRY = "retry"


def _after_passing_failure(
    db: Session, email_id: int, exc: Exception, clock: Callable[[], datetime]
) -> str | None:
    """RETRY with the error kept for the next try; FAILED once the attempts are used up;
    None when a concurrent attempt settled it meanwhile."""
    email = _finish(db, email_id)
    if email is None:
        db.commit()
        return None
    if email.attempts >= MAX_SEND_ATTEMPTS:
        mark_failed(db, email, f"gave up after {email.attempts} attempts: {exc}", now=clock())
        db.commit()
        return FAILED
    email.last_error = str(exc)[:500]
    db.commit()
    log.warning("e-mail %s not sent (attempt %s): %s", email_id, email.attempts, exc)
    return RETRY


def deliver_email(
    db: Session,
    email_id: int,
    mailer: Mailer,
    *,
    mail_from: str,
    clock: Callable[[], datetime],
) -> str | None:
    """Send the e-mail if it is still pending. Returns its new status (None: nothing to
    do). Raises TransientMailError when it should be tried again later."""
    email = _start_attempt(db, email_id)
    if email is None:
        return None
    if email.attempts > MAX_SEND_ATTEMPTS:
        # Attempts that ended in an unexpected error (never classified) end here too.
        return _give_up(db, email_id, f"gave up after {MAX_SEND_ATTEMPTS} attempts", clock)
    try:
        message = _message(email, mail_from)
    except (ValueError, TypeError) as exc:  # e.g. a line break in the subject
        return _give_up(db, email_id, f"the message cannot be built: {exc}", clock)
    try:
        refused = mailer.send(message)
    except PermanentMailError as exc:
        return _give_up(db, email_id, str(exc), clock)
    except TransientMailError as exc:
        outcome = _after_passing_failure(db, email_id, exc, clock)
        if outcome == RETRY:
            raise  # RQ tries again
        return outcome
    email = _finish(db, email_id)
    if email is None:  # settled by a concurrent attempt; the server has it anyway
        db.commit()
        return None
    now = clock()
    email.status = SENT
    email.sent_at = now
    summary = f"E-mail sent to {_recipients(email)}: {email.subject}"
    if refused:
        # Accepted for the others: sending again would duplicate it for them.
        email.last_error = "; ".join(f"{a}: {answer}" for a, answer in refused.items())[:500]
        summary += f" (refused: {', '.join(refused)})"
    _history(db, email, "email_sent", summary, now)
    db.commit()
    return SENT
