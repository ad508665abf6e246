"""Recording jobs: copy a recording's media from Twilio into our storage."""

from __future__ import annotations

from flask import current_app

from voiceapp.db import session, utcnow
from voiceapp.services.calls.recordings import get_recording, mark_deleted_at_twilio, store_media
from voiceapp.services.team_settings import get_team_settings
from voiceapp.telephony.factory import telephony_adapter
from workers.context import job_context


def fetch_recording(recording_id: int) -> str | None:
    """Copy a recording's media from Twilio into local storage; then, if the team wants
    it, delete it at Twilio. Safe to run twice: what was done is not done again."""
    with job_context():
        dbs = session()
        recording = get_recording(dbs, recording_id)
        if recording is None:
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
