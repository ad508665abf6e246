"""the dashboard's "cases done": who closed a case with a call outcome (cases.closed_by_id,
filled in from the outcome recorded when it closed), and an index of the closed ones by
that member and closing time, so the figure is counted from the index alone

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

WHERE = "status = 'closed' AND closed_by_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_closed_by_id_users"),
            "users",
            ["closed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # The outcome that closed a case was recorded at the moment it closed
    # (services.cases.calling sets both from the same `now`).
    op.execute(
        """
        UPDATE cases SET closed_by_id = (
            SELECT e.actor_id FROM case_events e
            WHERE e.case_id = cases.id AND e.kind = 'outcome' AND e.at = cases.closed_at
            ORDER BY e.id DESC LIMIT 1
        )
        WHERE status = 'closed'
        """
    )
    op.create_index(
        "ix_cases_done",
        "cases",
        ["closed_by_id", "closed_at"],
        unique=False,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_cases_done",
        table_name="cases",
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_closed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("closed_by_id")
