"""Recording retention: after the team's retention days a recording's media is deleted
from our storage and, when Twilio still holds it, at Twilio. The call and recording rows
stay (the call's history), marked deleted with the reason. Recordings of a case marked
"keep recordings" are never deleted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from voiceapp.domain import reviews as rules
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Call, Case, Recording, User
from voiceapp.services.cases.history import CaseForbidden, add_history
from voiceapp.services.team_settings import get_team_settings
from voiceapp.storage import BadKey, FileStore
from voiceapp.telephony.adapter import TelephonyAdapter, TelephonyError

log = logging.getLogger(__name__)
RETENTION = "retention"
BATCH = 200  # recordings per run: a run stays short, the next one goes on


def kept_by_a_case():
    """The recording's call is with the customer of a case marked "keep recordings", and
    happened before that case closed (calls before it opened too: a dispute is about what
    was said earlier)."""
    return exists().where(
        Case.keep_recordings.is_(True),
        Case.contact_id == Call.contact_id,
        (Case.closed_at.is_(None)) | (Case.closed_at >= Call.started_at),
    )


def _not_deleted_here():
    return (
        select(Recording)
        .join(Call, Call.sid == Recording.call_sid)
        .where(Recording.deleted_at.is_(None), ~kept_by_a_case())
    )


def due_for_deletion(db: Session, *, now: datetime, limit: int | None = None) -> list[Recording]:
    """Recordings past the team's retention, oldest first."""
    cutoff = rules.retention_cutoff(now, get_team_settings(db).recording_retention_days)
    if cutoff is None:
        return []
    stmt = _not_deleted_here().where(Recording.created_at < cutoff)
    return list(db.scalars(stmt.order_by(Recording.created_at, Recording.id).limit(limit or BATCH)))


def delete_expired_media(
    db: Session, store: FileStore, *, now: datetime, limit: int | None = None
) -> int:
    """Delete the media of recordings past retention from storage; returns how many. The
    rows are marked in the caller's transaction; a file already gone is fine (a run that
    deleted files but could not commit is simply done again). A store that fails raises
    (StorageError): nothing is marked, the next run tries again."""
    recordings = due_for_deletion(db, now=now, limit=limit)
    for recording in recordings:
        if recording.media_path:
            try:
                store.delete(recording.media_path)
            except BadKey:  # a path no store could hold: nothing of ours to delete
                log.warning("retention: recording %s has no valid key", recording.sid)
        recording.deleted_at = now
        recording.deleted_by_id = None
        recording.deleted_reason = RETENTION
        log.info(
            "retention: deleted recording %s of call %s (made %s)",
            recording.sid,
            recording.call_sid,
            recording.created_at.isoformat(),
        )
    return len(recordings)


def twilio_copies_left(db: Session, *, limit: int | None = None) -> list[Recording]:
    """Recordings deleted here by retention that Twilio may still hold."""
    return list(
        db.scalars(
            select(Recording)
            .where(
                Recording.deleted_reason == RETENTION,
                Recording.deleted_at_twilio.is_(None),
                Recording.status == "completed",
            )
            .order_by(Recording.deleted_at, Recording.id)
            .limit(limit or BATCH)
        )
    )


def delete_twilio_copies(
    db: Session, adapter: TelephonyAdapter, *, now: datetime, limit: int | None = None
) -> tuple[int, int]:
    """Delete at Twilio what retention deleted here; (deleted, failed). Twilio answering
    404 counts as deleted (the adapter says so); a failure is tried again next run."""
    deleted = failed = 0
    for recording in twilio_copies_left(db, limit=limit):
        try:
            adapter.delete_recording(recording.sid)
        except TelephonyError as exc:
            failed += 1
            log.warning("retention: Twilio kept recording %s for now: %s", recording.sid, exc)
            continue
        recording.deleted_at_twilio = now
        deleted += 1
        log.info("retention: deleted recording %s at Twilio", recording.sid)
    return deleted, failed


# --- what the settings page shows ---------------------------------------------------------


@dataclass
class Upcoming:
    recording: Recording
    call: Call
    deleted_on: datetime  # when retention deletes it (in the past: at the next run)


def upcoming_deletions(db: Session, *, now: datetime, few: int = 5) -> tuple[int, list[Upcoming]]:
    """(how many the next run deletes, the next few to go, oldest first)."""
    days = get_team_settings(db).recording_retention_days
    if days is None:
        return 0, []
    cutoff = rules.retention_cutoff(now, days)
    base = _not_deleted_here()
    due = db.scalar(
        select(func.count()).select_from(base.where(Recording.created_at < cutoff).subquery())
    )
    rows = db.execute(
        base.add_columns(Call).order_by(Recording.created_at, Recording.id).limit(few)
    ).all()
    upcoming = [Upcoming(rec, call, rec.created_at + timedelta(days=days)) for rec, call in rows]
    return due, upcoming


# --- a case's "keep recordings" -------------------------------------------------------------


def set_keep_recordings(db: Session, case: Case, keep: bool, *, actor: User, now: datetime):
    """Managers and admins keep a case's recordings beyond retention (or stop)."""
    if not is_manager_or_admin(actor.role):
        raise CaseForbidden("only sales managers and admins decide which recordings are kept")
    if case.keep_recordings == keep:
        return case
    case.keep_recordings = keep
    case.updated_at = now
    summary = (
        "Recordings kept beyond the retention period"
        if keep
        else "Recordings no longer kept: the retention period applies again"
    )
    add_history(db, case, "keep_recordings", summary, now=now, actor=actor, data={"keep": keep})
    return case
