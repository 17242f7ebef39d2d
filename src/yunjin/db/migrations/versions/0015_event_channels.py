"""Live events as temporary channels: a channel may belong to a newsroom story and be on
air only within a window (ADR 0025).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("event_story_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("on_air_from", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("on_air_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_channels_event_story", "newsroom_stories", ["event_story_id"], ["id"]
        )
        batch.create_unique_constraint("uq_channels_event_story", ["event_story_id"])


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_constraint("uq_channels_event_story", type_="unique")
        batch.drop_constraint("fk_channels_event_story", type_="foreignkey")
        batch.drop_column("on_air_until")
        batch.drop_column("on_air_from")
        batch.drop_column("event_story_id")
