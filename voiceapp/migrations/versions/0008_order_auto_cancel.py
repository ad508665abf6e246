"""orders: when and why an order was cancelled; a partial index for the auto-cancel sweep

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import voiceapp.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancelled_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_orders_pending_auto_cancel",
            ["auto_cancel_at"],
            unique=False,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_orders_pending_auto_cancel", sqlite_where=PENDING, postgresql_where=PENDING
        )
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_at")
