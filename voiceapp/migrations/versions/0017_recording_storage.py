"""recordings storage: the media format a team keeps recordings in (mp3 unless it asks
for wav); the files themselves move behind voiceapp.storage with their keys unchanged

Revision ID: 0017_recording_storage
Revises: 0016_softphone
Create Date: 2026-11-30 11:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_recording_storage"
down_revision = "0016_softphone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recording_format", sa.String(length=3), nullable=False, server_default="mp3")
        )
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.alter_column("recording_format", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("recording_format")
