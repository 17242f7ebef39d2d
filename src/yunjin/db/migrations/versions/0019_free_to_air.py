"""Channels an operator opens to everyone: ``channels.free_to_air`` (ADR 0029).

Once any household or product exists, unsigned playback is refused except on these.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(
            sa.Column("free_to_air", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("free_to_air")
