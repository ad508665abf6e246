"""Recording jobs: copy a recording's media from Twilio into our storage (as MP3 unless
the team keeps WAV); delete what the team's retention period says is to go."""

from __future__ import annotations

import logging

from voiceapp.db import session, utcnow
from voiceapp.services.calls import retention
from voiceapp.services.calls.recordings import get_recording, mark_deleted_at_twilio, store_media
from voiceapp.services.storage import RECORDINGS, app_store
from voiceapp.services.team_settings import get_team_settings
from voiceapp.telephony.adapter import TelephonyError
from voiceapp.telephony.factory import telephony_adapter
from workers.context import job_context

log = logging.getLogger(__name__)


# Twilio's answers to ".mp3" after which ".wav" is worth asking: an account with
# recording encryption refuses MP3 (error 16109), and WAV is always served. Not 401
# (credentials), 404 (no such recording: no WAV either) or 5xx (RQ retries the job).
WAV_AFTER_MP3_REFUSED = frozenset(range(400, 500)) - {401, 404, 429}


def _fetch_media(adapter, sid: str, fmt: str) -> tuple[bytes, str]:
    try:
        return adapter.fetch_recording(sid, fmt), fmt
    except TelephonyError as exc:
        if fmt != "mp3" or exc.status not in WAV_AFTER_MP3_REFUSED:
            raise  # RQ retries the job
        log.warning("recording %s: Twilio refused MP3 (%s), keeping it as WAV", sid, exc)
    return adapter.fetch_recording(sid, "wav"), "wav"


def fetch_recording(recording_id: int) -> str | None:
    """Copy a recording's media from Twilio into our storage, in the team's format; then,
    if the team wants it, delete it at Twilio. Safe to run twice: what was done is not
    done again."""
    with job_context():
        dbs = session()
        recording = get_recording(dbs, recording_id)
        if recording is None or recording.deleted_at is not None:
            return None
        team = get_team_settings(dbs)
        # A retry after a failed delete still has the delete to do.
        delete = team.delete_recordings_at_twilio and recording.deleted_at_twilio is None
        if recording.fetched_at is not None and not delete:
            return None
        adapter = telephony_adapter(dbs)
        sid, fmt_wanted, path = recording.sid, team.recording_format, recording.media_path
        fetch = recording.fetched_at is None
        # Twilio is asked with no transaction open. On SQLite a job's transaction holds the
        # write lock from its first statement: every webhook waited out the download (and
        # one waiting longer than busy_timeout, 5 s, would fail).
        dbs.rollback()
        if fetch:
            # Raises (Twilio or the store unreachable): RQ retries the job.
            media, fmt = _fetch_media(adapter, sid, fmt_wanted)
            recording = get_recording(dbs, recording_id)
            if recording is None or recording.deleted_at is not None:
                return None
            if recording.fetched_at is None:  # not stored meanwhile by a second run
                store_media(recording, media, app_store(RECORDINGS), utcnow(), fmt)
            path = recording.media_path
            dbs.commit()
        if delete:
            adapter.delete_recording(sid)  # raises: RQ retries the delete
            recording = get_recording(dbs, recording_id)
            if recording is not None:
                mark_deleted_at_twilio(recording, utcnow())
            dbs.commit()
        return path


def delete_expired_recordings() -> dict:
    """Periodic: delete the media of recordings past the team's retention period, here
    and at Twilio, a bounded batch per run. Safe to run twice: what is deleted is marked
    so, and Twilio's 404 for a copy already gone counts as done."""
    with job_context():
        dbs = session()
        now = utcnow()
        deleted = retention.delete_expired_media(dbs, app_store(RECORDINGS), now=now)
        dbs.commit()
        at_twilio = failed = 0
        if retention.twilio_copies_left(dbs, limit=1):
            try:
                adapter = telephony_adapter(dbs)
            except TelephonyError as exc:  # not configured: the copies wait, logged
                log.warning("retention: Twilio copies not deleted: %s", exc)
            else:
                at_twilio, failed = retention.delete_twilio_copies(dbs, adapter, now=now)
                dbs.commit()
        return {"deleted": deleted, "deleted_at_twilio": at_twilio, "twilio_failed": failed}
