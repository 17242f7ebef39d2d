"""Viewing events reported by the portals' players.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "viewing_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("play_id", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("position_ms", sa.BigInteger(), nullable=True),
        sa.Column("programme_start_ms", sa.BigInteger(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("portal", sa.String(8), nullable=False),
    )
    op.create_index("ix_viewing_events_device_at", "viewing_events", ["device_id", "at_ms"])
    op.create_index("ix_viewing_events_household_at", "viewing_events", ["household_id", "at_ms"])


def downgrade() -> None:
    op.drop_table("viewing_events")
