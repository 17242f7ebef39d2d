"""Text items in a centre's media library: a nullable ``body`` on ``newsroom_media``
(ADR 0024, amendment 1).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("newsroom_media") as batch:
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM newsroom_media WHERE kind = 'text'")
    with op.batch_alter_table("newsroom_media") as batch:
        batch.drop_column("body")
