"""team settings: the seller's name, the team's bank account (holder, IBAN, BIC) and SEPA
creditor identifier, for the pay page; sepa_mandates: the direct debit mandates customers
give there (with the full IBAN, which collecting needs)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import voiceapp.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sepa_mandates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("creditor_id", sa.String(length=35), nullable=False),
        sa.Column("holder", sa.String(length=70), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("sequence_type", sa.String(length=4), nullable=False),
        sa.Column("mandate_text", sa.Text(), nullable=False),
        sa.Column("accepted_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "sequence_type IN ('OOFF', 'RCUR')", name=op.f("ck_sepa_mandates_sequence_type")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_sepa_mandates_entered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_sepa_mandates_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_sepa_mandates_payment_id_payments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sepa_mandates")),
    )
    with op.batch_alter_table("sepa_mandates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sepa_mandates_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sepa_mandates_payment_id"), ["payment_id"], unique=False
        )

    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seller_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("bank_account_holder", sa.String(length=70), nullable=True))
        batch_op.add_column(sa.Column("bank_iban", sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column("bank_bic", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("sepa_creditor_id", sa.String(length=35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("sepa_creditor_id")
        batch_op.drop_column("bank_bic")
        batch_op.drop_column("bank_iban")
        batch_op.drop_column("bank_account_holder")
        batch_op.drop_column("seller_name")

    with op.batch_alter_table("sepa_mandates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sepa_mandates_payment_id"))
        batch_op.drop_index(batch_op.f("ix_sepa_mandates_order_id"))

    op.drop_table("sepa_mandates")
