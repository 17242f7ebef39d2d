"""Pay-per-view orders, and the sale terms of pay-per-view products.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("event_start", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("event_end", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("rental_hours", sa.Integer(), nullable=True))
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "household_id",
            sa.Integer(),
            sa.ForeignKey("households.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("products.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(200), nullable=False),
        sa.UniqueConstraint("household_id", "idempotency_key", name="uq_orders_household_key"),
    )
    op.create_index("ix_orders_household_id", "orders", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_household_id", table_name="orders")
    op.drop_table("orders")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("rental_hours")
        batch.drop_column("event_end")
        batch.drop_column("event_start")
