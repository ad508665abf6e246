"""call reviews and the team's review criteria; tasks; recording retention (the team's
retention days, a case's "keep recordings", a recording's deletion)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 08:40:00
"""

import json

import sqlalchemy as sa
from alembic import op

import voiceapp.db

# As in models/settings.py on the day of this migration (a migration keeps its own copy).
DEFAULT_REVIEW_CRITERIA = [
    {"key": "greeting", "label": "Greeting"},
    {"key": "needs_found", "label": "Needs found"},
    {"key": "offer", "label": "Offer"},
    {"key": "closing", "label": "Closing"},
    {"key": "compliance", "label": "Compliance"},
]


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_call_reviews_score")),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["users.id"],
            name=op.f("fk_call_reviews_agent_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["call_sid"],
            ["calls.sid"],
            name=op.f("fk_call_reviews_call_sid_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_call_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_reviews")),
        sa.UniqueConstraint("call_sid", "reviewer_id", name=op.f("uq_call_reviews_call_sid")),
    )
    with op.batch_alter_table("call_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_reviews_agent_created", ["agent_id", "created_at"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("due_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("remind_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_tasks_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_tasks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_tasks_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_tasks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["users.id"],
            name=op.f("fk_tasks_done_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_case", ["case_id"], unique=False)
        batch_op.create_index("ix_tasks_contact", ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_tasks_open_assignee_due",
            ["assignee_id", "due_at"],
            unique=False,
            sqlite_where=sa.text("done_at IS NULL"),
            postgresql_where=sa.text("done_at IS NULL"),
        )
        batch_op.create_index(
            "ix_tasks_remind_at",
            ["remind_at"],
            unique=False,
            sqlite_where=sa.text("remind_at IS NOT NULL"),
            postgresql_where=sa.text("remind_at IS NOT NULL"),
        )

    # Existing rows take the defaults, then the columns lose them (the models set them).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keep_recordings", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("keep_recordings", server_default=None)

    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("deleted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deleted_reason", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_recordings_deleted_by_id_users"),
            "users",
            ["deleted_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_criteria",
                sa.JSON(),
                nullable=False,
                server_default=json.dumps(DEFAULT_REVIEW_CRITERIA),
            )
        )
        batch_op.add_column(
            sa.Column("recording_retention_days", sa.Integer(), nullable=True, server_default="90")
        )
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.alter_column("review_criteria", server_default=None)
        batch_op.alter_column("recording_retention_days", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("recording_retention_days")
        batch_op.drop_column("review_criteria")

    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_recordings_deleted_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("deleted_reason")
        batch_op.drop_column("deleted_by_id")
        batch_op.drop_column("deleted_at")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("keep_recordings")

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_tasks_remind_at",
            sqlite_where=sa.text("remind_at IS NOT NULL"),
            postgresql_where=sa.text("remind_at IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_tasks_open_assignee_due",
            sqlite_where=sa.text("done_at IS NULL"),
            postgresql_where=sa.text("done_at IS NULL"),
        )
        batch_op.drop_index("ix_tasks_contact")
        batch_op.drop_index("ix_tasks_case")

    op.drop_table("tasks")
    with op.batch_alter_table("call_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_call_reviews_agent_created")

    op.drop_table("call_reviews")
