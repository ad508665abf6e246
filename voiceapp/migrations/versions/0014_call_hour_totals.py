"""the dashboard's call totals per UTC hour and agent (call_hour_totals), and how far they
are complete (call_hour_marks), filled by the roll-up job, not here; an index of the
answered legs for the customers each member reached

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 09:18:53.710795
"""

import sqlalchemy as sa
from alembic import op

import voiceapp.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


ANSWERED_LEGS = "parent_sid IS NOT NULL AND answered_at IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_calls_answered_legs",
        "calls",
        ["agent_id", "started_at", "contact_id"],
        unique=False,
        sqlite_where=sa.text(ANSWERED_LEGS),
        postgresql_where=sa.text(ANSWERED_LEGS),
    )
    op.create_table(
        "call_hour_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rolled_until", sa.BigInteger(), nullable=False),
        sa.Column("rolled_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_hour_marks")),
    )
    op.create_table(
        "call_hour_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("made", sa.Integer(), nullable=False),
        sa.Column("made_reached", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["users.id"],
            name=op.f("fk_call_hour_totals_agent_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_hour_totals")),
    )
    with op.batch_alter_table("call_hour_totals", schema=None) as batch_op:
        batch_op.create_index("ix_call_hour_totals_hour", ["hour", "agent_id"], unique=False)


def downgrade() -> None:
    op.drop_index(
        "ix_calls_answered_legs",
        table_name="calls",
        sqlite_where=sa.text(ANSWERED_LEGS),
        postgresql_where=sa.text(ANSWERED_LEGS),
    )
    with op.batch_alter_table("call_hour_totals", schema=None) as batch_op:
        batch_op.drop_index("ix_call_hour_totals_hour")

    op.drop_table("call_hour_totals")
    op.drop_table("call_hour_marks")
