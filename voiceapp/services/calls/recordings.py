"""Recordings: metadata stored once per RecordingSid, the media fetched by a job into
our storage (voiceapp.storage: a folder or a bucket) as MP3 or WAV, optionally deleted at
Twilio afterwards; every listen logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceapp.domain.recording_media import MEDIA_TYPES
from voiceapp.models import Call, Recording, RecordingListen, User
from voiceapp.services.calls import lifecycle as call_ops
from voiceapp.services.cases.callbacks import note_voicemail
from voiceapp.services.outbox import add_job
from voiceapp.storage import FileStore

FETCH_JOB = "workers.recordings.fetch_recording"


def record_callback(
    db: Session, params: dict, *, now: datetime, idempotency_token: str | None = None
) -> Recording | None:
    """Twilio's RecordingStatusCallback. CallSid is always the parent leg. A retry (the
    same idempotency token) is logged once; the recording row is keyed by RecordingSid."""
    sid = params.get("RecordingSid")
    call_sid = params.get("CallSid")
    if not sid or not call_sid:
        return None
    call_ops.store_event(
        db, source="recording", params=params, idempotency_token=idempotency_token, now=now
    )
    call = call_ops.lock_call(db, call_sid)
    if call is None:  # e.g. a message left through the fallback URL
        call = call_ops.start_call(
            db,
            sid=call_sid,
            direction="inbound",
            params=params,
            from_number="",
            to_number="",
            contact=None,
            agent_id=None,
            phone_number=None,
            record=True,
            now=now,
        )
    recording = db.query(Recording).filter_by(sid=sid).with_for_update().one_or_none()
    if recording is None:
        recording = Recording(sid=sid, call_sid=call.sid, status="in-progress", created_at=now)
        try:
            with db.begin_nested():
                db.add(recording)
        except IntegrityError:
            recording = db.query(Recording).filter_by(sid=sid).one()
    status = params.get("RecordingStatus") or recording.status
    before = recording.status
    # completed / absent / failed are final for a recording too.
    if recording.status not in ("completed", "absent", "failed"):
        recording.status = status
    recording.duration = call_ops.int_param(params.get("RecordingDuration")) or recording.duration
    recording.channels = call_ops.int_param(params.get("RecordingChannels")) or recording.channels
    recording.source = params.get("RecordingSource") or recording.source
    recording.twilio_url = params.get("RecordingUrl") or recording.twilio_url
    if recording.source == "RecordVerb":
        call.voicemail = True
    # Queued once, by the callback that completed the recording: Twilio's retries of it
    # add no second job (a lost job is queued again by the sweep).
    newly_completed = recording.status == "completed" and before != "completed"
    if newly_completed and recording.fetched_at is None:
        db.flush()
        add_job(db, FETCH_JOB, recording.id, job_id=f"fetch-recording-{recording.sid}")
    if newly_completed and recording.source == "RecordVerb":
        db.flush()
        note_voicemail(db, call, recording.id, recording.duration, now)
    return recording


def media_path_for(recording: Recording, fmt: str = "wav") -> str:
    """The recording's key in storage; its extension says the format (files stored
    before MP3 existed are all ".wav")."""
    return f"{recording.created_at:%Y/%m}/{recording.sid}.{fmt}"


def store_media(
    recording: Recording, media: bytes, store: FileStore, now: datetime, fmt: str = "wav"
) -> None:
    """Keep the fetched media (whole or not at all: the store's put) and say where."""
    key = media_path_for(recording, fmt)
    store.put(key, media, MEDIA_TYPES[fmt])
    recording.media_path = key
    recording.media_bytes = len(media)
    recording.fetched_at = now
    recording.fetch_error = None


def is_stored(recording: Recording) -> bool:
    """The media is here to play: fetched, and not deleted since (retention, by hand)."""
    return (
        recording.fetched_at is not None
        and bool(recording.media_path)
        and recording.deleted_at is None
    )


def can_listen(user: User, call: Call) -> bool:
    """Recordings are personal data: managers, admins and the agent on the call."""
    return user.role in ("admin", "sales_manager") or call.agent_id == user.id


def log_listen(db: Session, recording: Recording, user: User, now: datetime) -> None:
    db.add(RecordingListen(recording_id=recording.id, user_id=user.id, listened_at=now))


def recording_by_sid(db: Session, sid: str) -> Recording | None:
    if len(sid) > 64:  # longer than any SID: not worth a query
        return None
    return db.scalar(select(Recording).where(Recording.sid == sid))


def listens_of(db: Session, recording_ids) -> dict[int, list[tuple[str, datetime]]]:
    """Who listened to each recording and when (newest first): the managers' audit trail."""
    found: dict[int, list[tuple[str, datetime]]] = {}
    ids = list(recording_ids)
    if not ids:
        return found
    rows = db.execute(
        select(RecordingListen.recording_id, User.name, RecordingListen.listened_at)
        .join(User, User.id == RecordingListen.user_id)
        .where(RecordingListen.recording_id.in_(ids))
        .order_by(RecordingListen.listened_at.desc(), RecordingListen.id.desc())
    )
    for recording_id, name, when in rows:
        found.setdefault(recording_id, []).append((name, when))
    return found


def get_recording(db: Session, recording_id: int) -> Recording | None:
    return db.get(Recording, recording_id)


def mark_deleted_at_twilio(recording: Recording, now: datetime) -> None:
    recording.deleted_at_twilio = now
