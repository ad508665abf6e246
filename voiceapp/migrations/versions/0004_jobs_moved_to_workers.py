"""jobs moved to workers/: outbox rows name the job functions by their new paths

The RQ job functions moved from `voiceapp.jobs` to the top-level `workers` package. Rows
written by the previous release (pending, or kept for a week after they were handed over)
are renamed here; jobs already in Redis run through workers.worker.LegacyNamesJob.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen here as the release left them (not imported from the app, which may change).
RENAMED = {
    "voiceapp.jobs.fetch_recording": "workers.recordings.fetch_recording",
    "voiceapp.jobs.send_email": "workers.email.send_email",
    "voiceapp.jobs.remind_case_due": "workers.reminders.remind_case_due",
    "voiceapp.jobs.sweep": "workers.repairs.sweep",
    "voiceapp.jobs.purge_old_sessions": "workers.repairs.purge_old_sessions",
}

outbox = sa.table("outbox_jobs", sa.column("func", sa.String(200)))


def _rename(pairs) -> None:
    for old, new in pairs:
        op.execute(outbox.update().where(outbox.c.func == old).values(func=new))


def upgrade() -> None:
    _rename(RENAMED.items())


def downgrade() -> None:
    _rename((new, old) for old, new in RENAMED.items())
