"""contact_phones: a contact's numbers indexed in their order

Each row of Call today shows its contact's first callable number: with an index on
contact_id alone, both databases sorted each contact's numbers to find it (50 sorts a
page). The index on (contact_id, position, id) serves that in order, and every look-up by
contact_id as the old one did.

Revision ID: 0019_contact_phones_in_order
Revises: 0018_cases_private_to
Create Date: 2026-11-30 19:10:00
"""

from alembic import op

revision = "0019_contact_phones_in_order"
down_revision = "0018_cases_private_to"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_contact_phones_contact_position",
        "contact_phones",
        ["contact_id", "position", "id"],
    )
    op.drop_index("ix_contact_phones_contact_id", table_name="contact_phones")


def downgrade() -> None:
    op.create_index("ix_contact_phones_contact_id", "contact_phones", ["contact_id"])
    op.drop_index("ix_contact_phones_contact_position", table_name="contact_phones")
