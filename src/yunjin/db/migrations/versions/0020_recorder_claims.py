"""Recorder shards: ``recorder_claims`` (one row per channel: owner, fencing epoch, expiry)
and ``recorder_nodes`` (who is alive, with what capacity) — ADR 0033.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recorder_claims",
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "recorder_nodes",
        sa.Column("node_id", sa.String(100), primary_key=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seen_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("recorder_nodes")
    op.drop_table("recorder_claims")
