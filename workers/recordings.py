"""Recording jobs: copy a recording's media from Twilio into our storage; delete what
the team's retention period says is to go."""

from __future__ import annotations

import logging

from flask import current_app

from voiceapp.db import session, utcnow
from voiceapp.services.calls import retention
from voiceapp.services.calls.recordings import get_recording, mark_deleted_at_twilio, store_media
from voiceapp.services.team_settings import get_team_settings
from voiceapp.telephony.adapter import TelephonyError
from voiceapp.telephony.factory import telephony_adapter
from workers.context import job_context

log = logging.getLogger(__name__)


def fetch_recording(recording_id: int) -> str | None:
    """Copy a recording's media from Twilio into local storage; then, if the team wants
    it, delete it at Twilio. Safe to run twice: what was done is not done again."""
    with job_context():
        dbs = session()
        recording = get_recording(dbs, recording_id)
        if recording is None or recording.deleted_at is not None:
            return None
        # A retry after a failed delete still has the delete to do.
        delete = (
            get_team_settings(dbs).delete_recordings_at_twilio
            and recording.deleted_at_twilio is None
        )
        if recording.fetched_at is not None and not delete:
            return None
        adapter = telephony_adapter(dbs)
        if recording.fetched_at is None:
            media = adapter.fetch_recording(recording.sid)  # raises: RQ retries the job
            root = current_app.config["VOICEAPP"].resolved_recordings_path()
            store_media(recording, media, root, utcnow())
            dbs.commit()
        if delete:
            adapter.delete_recording(recording.sid)  # raises: RQ retries the delete
            mark_deleted_at_twilio(recording, utcnow())
            dbs.commit()
        return recording.media_path


def delete_expired_recordings() -> dict:
    """Periodic: delete the media of recordings past the team's retention period, here
    and at Twilio, a bounded batch per run. Safe to run twice: what is deleted is marked
    so, and Twilio's 404 for a copy already gone counts as done."""
    with job_context():
        dbs = session()
        now = utcnow()
        root = current_app.config["VOICEAPP"].resolved_recordings_path()
        deleted = retention.delete_expired_media(dbs, root, now=now)
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
