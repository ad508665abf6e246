"""Indexes for look-ups by foreign key on busy paths

- notifications.case_id: recording an outcome marks everyone's unread notifications about
  the case read (services.notifications.mark_case_notifications_read), and deleting a case
  (or its contact) deletes its notifications through the foreign key. The table grows by a
  notification for every reminder of every due case.
- requests.order_id: every pay page asks whether the order's request allows online
  payment, and every payment that arrives looks for the order's request.
- subscriptions.order_id and subscriptions.request_id: every payment that arrives looks for
  the order's subscriptions; a request's page and its confirmation look for its
  subscription.

Without them each of these read the whole table.

Revision ID: 0020_lookup_indexes
Revises: 0019_contact_phones_in_order
Create Date: 2026-11-30 22:40:00
"""

from alembic import op

revision = "0020_lookup_indexes"
down_revision = "0019_contact_phones_in_order"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_notifications_case_id", "notifications", "case_id"),
    ("ix_requests_order", "requests", "order_id"),
    ("ix_subscriptions_order", "subscriptions", "order_id"),
    ("ix_subscriptions_request", "subscriptions", "request_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)
