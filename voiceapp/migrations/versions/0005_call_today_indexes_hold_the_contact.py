"""Call today's partial indexes hold each case's contact

An agent's Call today now checks that each case's contact is visible to them (issue #19:
a pool case of a colleague's private contact was offered, then answered 404). With
contact_id in the two partial indexes the check reads no case row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
OPEN_POOL = sa.text("status = 'open' AND assignee_id IS NULL")
INDEXES = {
    # name: (columns before, columns after, condition)
    "ix_cases_open_assignee_due": (
        ["assignee_id", "due_at", "id"],
        ["assignee_id", "due_at", "id", "contact_id"],
        OPEN,
    ),
    "ix_cases_open_pool": (
        ["type", "language", "due_at", "id"],
        ["type", "language", "due_at", "id", "contact_id"],
        OPEN_POOL,
    ),
}


def _rebuild(which: int) -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, spec in INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(
                name, spec[which], unique=False, sqlite_where=spec[2], postgresql_where=spec[2]
            )


def upgrade():
    _rebuild(1)


def downgrade():
    _rebuild(0)
