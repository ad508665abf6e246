"""the dashboard's "cases done": cases closed in a period, read from an index of the closed
ones by closing time instead of a scan of every case

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


def upgrade() -> None:
    op.create_index(
        "ix_cases_closed_at",
        "cases",
        ["closed_at", "id"],
        unique=False,
        sqlite_where=sa.text("status = 'closed'"),
        postgresql_where=sa.text("status = 'closed'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_cases_closed_at",
        table_name="cases",
        sqlite_where=sa.text("status = 'closed'"),
        postgresql_where=sa.text("status = 'closed'"),
    )
