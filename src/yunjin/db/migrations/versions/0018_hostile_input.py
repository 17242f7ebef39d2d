"""Attempts at sending a tip, counted per household or anonymous address before the body is
read (issue #12, docs/newsroom.md).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "newsroom_tip_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_key", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_newsroom_tip_attempts_client_created",
        "newsroom_tip_attempts",
        ["client_key", "created_at"],
    )
    op.create_index("ix_newsroom_tip_attempts_created_at", "newsroom_tip_attempts", ["created_at"])


def downgrade() -> None:
    op.drop_table("newsroom_tip_attempts")
