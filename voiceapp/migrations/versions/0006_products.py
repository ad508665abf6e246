"""products: the products sold on the phone with their payment plans; the seller's country

Existing team settings get seller_country "DE" (a server default, dropped again so the
schema matches the models).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import voiceapp.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("price_is", sa.String(length=5), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("vat_category", sa.String(length=20), nullable=False),
        sa.Column("physical", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("plans", sa.JSON(), nullable=False),
        sa.Column("created_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", voiceapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price_is IN ('net', 'gross')", name=op.f("ck_products_price_is")),
        sa.CheckConstraint(
            "vat_category IN ('standard', 'reduced', 'electronic_service')",
            name=op.f("ck_products_vat_category"),
        ),
        sa.CheckConstraint("price > 0", name=op.f("ck_products_price_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("seller_country", sa.String(length=2), nullable=False, server_default="DE")
        )
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.alter_column("seller_country", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("seller_country")
    op.drop_table("products")
