"""notifications: indexed by case

Recording an outcome marks everyone's unread notifications about the case read
(services.notifications.mark_case_notifications_read), and deleting a case (or its
contact) deletes its notifications through the foreign key. Without an index on case_id
both read the whole table, which grows by a notification for every reminder of every due
case: every outcome an agent records would scan it.

Revision ID: 0020_notifications_by_case
Revises: 0019_contact_phones_in_order
Create Date: 2026-11-30 22:40:00
"""

from alembic import op

revision = "0020_notifications_by_case"
down_revision = "0019_contact_phones_in_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notifications_case_id", "notifications", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_case_id", table_name="notifications")
