"""commissions, their decisions, payout runs and payouts; the team's commission settings
(team share, approval, sharing, withdrawal period, payout currencies, minimum payout); a
member's "payouts held" and "removed" (kept for the history that names them)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import voiceapp.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payout_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("minimum", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("include_not_due", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_payout_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_runs")),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("commission_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paid_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["paid_by_id"],
            ["users.id"],
            name=op.f("fk_payouts_paid_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["users.id"],
            name=op.f("fk_payouts_cancelled_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'cancelled')", name=op.f("ck_payouts_status")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["payout_runs.id"],
            name=op.f("fk_payouts_run_id_payout_runs"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_payouts_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payouts_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "commissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("base_net", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("earned_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("payout_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "reason IN ('sales_team', 'sales_manager')", name=op.f("ck_commissions_reason")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'paid', 'reversed', 'reassigned')",
            name=op.f("ck_commissions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_commissions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_commissions_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_commissions_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"],
            ["payouts.id"],
            name=op.f("fk_commissions_payout_id_payouts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["commissions.id"],
            name=op.f("fk_commissions_reverses_id_commissions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_commissions_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissions")),
        sa.UniqueConstraint("key", name=op.f("uq_commissions_key")),
    )
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commissions_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commissions_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commissions_payout_id"), ["payout_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_commissions_reverses_id"), ["reverses_id"], unique=False
        )
        batch_op.create_index("ix_commissions_user_status", ["user_id", "status"], unique=False)
        batch_op.create_index("ix_commissions_user_earned", ["user_id", "earned_at"], unique=False)

    op.create_table(
        "commission_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("before", sa.String(length=12), nullable=False),
        sa.Column("after", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commissions.id"],
            name=op.f("fk_commission_decisions_commission_id_commissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_commission_decisions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_decisions")),
    )
    with op.batch_alter_table("commission_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commission_decisions_commission_id"), ["commission_id"], unique=False
        )

    # The dashboard's figures per member and period (services.dashboard).
    op.create_index("ix_case_events_actor_at", "case_events", ["actor_id", "at"])
    op.create_index("ix_orders_seller_created", "orders", ["seller_id", "created_at"])
    op.create_index("ix_payments_created_at", "payments", ["created_at"])

    # Existing rows take the defaults, then the columns lose them (the models set them).
    defaults = {
        "commission_team_share_percent": (sa.Numeric(precision=5, scale=2), "10.00"),
        "commission_approval_required": (sa.Boolean(), sa.true()),
        "commission_share_across_team": (sa.Boolean(), sa.false()),
        "commission_withdrawal_days": (sa.Integer(), "14"),
        "payout_currencies": (sa.JSON(), '["EUR"]'),
        "minimum_payout": (sa.Numeric(precision=12, scale=2), "0.00"),
    }
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        for name, (type_, default) in defaults.items():
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        for name in defaults:
            batch_op.alter_column(name, server_default=None)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("payouts_held", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("removed_at", voiceapp.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("payouts_held", server_default=None)


def downgrade() -> None:
    op.drop_index("ix_payments_created_at", table_name="payments")
    op.drop_index("ix_orders_seller_created", table_name="orders")
    op.drop_index("ix_case_events_actor_at", table_name="case_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("payouts_held")

    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("minimum_payout")
        batch_op.drop_column("payout_currencies")
        batch_op.drop_column("commission_withdrawal_days")
        batch_op.drop_column("commission_share_across_team")
        batch_op.drop_column("commission_approval_required")
        batch_op.drop_column("commission_team_share_percent")

    with op.batch_alter_table("commission_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commission_decisions_commission_id"))

    op.drop_table("commission_decisions")
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.drop_index("ix_commissions_user_earned")
        batch_op.drop_index("ix_commissions_user_status")
        batch_op.drop_index(batch_op.f("ix_commissions_reverses_id"))
        batch_op.drop_index(batch_op.f("ix_commissions_payout_id"))
        batch_op.drop_index(batch_op.f("ix_commissions_payment_id"))
        batch_op.drop_index(batch_op.f("ix_commissions_order_id"))

    op.drop_table("commissions")
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payouts_user_id"))
        batch_op.drop_index(batch_op.f("ix_payouts_run_id"))

    op.drop_table("payouts")
    op.drop_table("payout_runs")
