"""the browser softphone: presence that expires without the browser's heartbeat
(agent_presence.seen_at), the wrap-up after a call (agent_presence.available_at) and its
length, a team setting (team_settings.wrap_up_seconds, default 30)

Revision ID: 0016_softphone
Revises: 0015
Create Date: 2026-11-30 11:40:00
"""

import sqlalchemy as sa
from alembic import op

import voiceapp.db

revision = "0016_softphone"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agent_presence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("seen_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("available_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Presences set before heartbeats existed expire like the others: from their last
    # change (a browser that is still open heartbeats again at once).
    op.execute("UPDATE agent_presence SET seen_at = updated_at WHERE status <> 'offline'")
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wrap_up_seconds", sa.Integer(), nullable=False, server_default="30")
        )


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("wrap_up_seconds")
    with op.batch_alter_table("agent_presence", schema=None) as batch_op:
        batch_op.drop_column("available_at")
        batch_op.drop_column("seen_at")
