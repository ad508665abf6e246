"""The listen log (admins): who listened to which recording, when, filterable by member
and period. Recordings are personal data; this is their audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.models import Call, Recording, RecordingListen, User


@dataclass
class ListenRow:
    listened_at: datetime
    listener: User
    recording: Recording
    call: Call


def listen_log(
    db: Session, filters: dict, *, page: int, per_page: int
) -> tuple[list[ListenRow], int]:
    stmt = (
        select(RecordingListen.listened_at, User, Recording, Call)
        .join(User, User.id == RecordingListen.user_id)
        .join(Recording, Recording.id == RecordingListen.recording_id)
        .join(Call, Call.sid == Recording.call_sid)
    )
    if filters.get("user_id") is not None:
        stmt = stmt.where(RecordingListen.user_id == filters["user_id"])
    if filters.get("since"):
        stmt = stmt.where(RecordingListen.listened_at >= filters["since"])
    if filters.get("until"):
        stmt = stmt.where(RecordingListen.listened_at < filters["until"])
    total = db.scalar(select(func.count()).select_from(stmt.subquery()))
    found = db.execute(
        stmt.order_by(RecordingListen.listened_at.desc(), RecordingListen.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [ListenRow(*row) for row in found], total
