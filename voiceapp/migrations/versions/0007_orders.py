"""orders: phone orders with VAT, the buyer, the plan, the payment code; their lines;
the team's auto-cancel days

Orders already stored (the stub of the foundation) keep their rows: every new column is
nullable or gets a server default that is dropped again, so the schema matches the
models.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import voiceapp.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (name, type, server default for existing rows)
_DEFAULTED = [
    ("net", sa.Numeric(precision=12, scale=2), "0"),
    ("vat", sa.Numeric(precision=12, scale=2), "0"),
    ("vat_rate", sa.Numeric(precision=5, scale=2), "0"),
    ("reverse_charge", sa.Boolean(), sa.false()),
    ("plan", sa.JSON(), '{"kind": "single"}'),
    ("withdrawal_right", sa.Boolean(), sa.true()),
    ("waiver_ignored", sa.Boolean(), sa.false()),
]
_NULLABLE = [
    ("vat_note", sa.Text()),
    ("buyer_email", sa.String(length=254)),
    ("buyer_language", sa.String(length=2)),
    ("buyer_company", sa.String(length=200)),
    ("buyer_salutation", sa.String(length=20)),
    ("buyer_title", sa.String(length=50)),
    ("buyer_first_name", sa.String(length=100)),
    ("buyer_last_name", sa.String(length=100)),
    ("buyer_street", sa.String(length=200)),
    ("buyer_postcode", sa.String(length=20)),
    ("buyer_city", sa.String(length=100)),
    ("buyer_state", sa.String(length=100)),
    ("buyer_country", sa.String(length=2)),
    ("buyer_phone", sa.String(length=32)),
    ("buyer_vat_id", sa.String(length=32)),
    ("waiver_note", sa.Text()),
    ("payment_code", sa.String(length=9)),
    ("auto_cancel_at", voiceapp.db.UTCDateTime(timezone=True)),
    ("affiliate", sa.String(length=100)),
]
STATUS_CHECK = "status IN ('pending', 'paid', 'cancelled', 'refunded')"


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("seller_id", sa.Integer(), nullable=True))
        for name, type_, default in _DEFAULTED:
            default = sa.text(f"'{default}'") if isinstance(default, str) else default
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        for name, type_ in _NULLABLE:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_seller_id"), ["seller_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_orders_payment_code"), ["payment_code"])
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_case_id_cases"), "cases", ["case_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_seller_id_users"),
            "users",
            ["seller_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint("status", STATUS_CHECK)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name, _type, _default in _DEFAULTED:
            batch_op.alter_column(name, server_default=None)

    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("price_is", sa.String(length=5), nullable=False),
        sa.Column("vat_category", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("net", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("gross", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_items_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_order_items_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    op.create_index(op.f("ix_order_items_order_id"), "order_items", ["order_id"], unique=False)
    op.create_index(op.f("ix_order_items_product_id"), "order_items", ["product_id"], unique=False)

    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("order_auto_cancel_days", sa.Integer(), nullable=False, server_default="14")
        )
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.alter_column("order_auto_cancel_days", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("order_auto_cancel_days")
    op.drop_index(op.f("ix_order_items_product_id"), table_name="order_items")
    op.drop_index(op.f("ix_order_items_order_id"), table_name="order_items")
    op.drop_table("order_items")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_orders_status"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_orders_seller_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_orders_case_id_cases"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_orders_payment_code"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_orders_seller_id"))
        batch_op.drop_index(batch_op.f("ix_orders_case_id"))
        for name, _type in reversed(_NULLABLE):
            batch_op.drop_column(name)
        for name, _type, _default in reversed(_DEFAULTED):
            batch_op.drop_column(name)
        batch_op.drop_column("seller_id")
        batch_op.drop_column("case_id")
