"""Programmes, import staging, channel mapping and guide sources.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("stop_ms", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_folded", sa.Text(), nullable=False),
        sa.Column("subtitle", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("episode", sa.String(200), nullable=False),
        sa.Column("icon", sa.Text(), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
    )
    op.create_index("ix_programmes_channel_start", "programmes", ["channel_id", "start_ms"])
    op.create_index("ix_programmes_title_folded", "programmes", ["title_folded"])
    op.create_table(
        "epg_staging",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("import_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("stop_ms", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
    )
    op.create_index("ix_epg_staging_import_channel", "epg_staging", ["import_id", "channel_id"])
    op.create_table(
        "epg_channel_map",
        sa.Column("xmltv_id", sa.String(200), primary_key=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "epg_sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False, unique=True),
        sa.Column("every_hours", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_report", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("epg_sources")
    op.drop_table("epg_channel_map")
    op.drop_index("ix_epg_staging_import_channel", table_name="epg_staging")
    op.drop_table("epg_staging")
    op.drop_index("ix_programmes_title_folded", table_name="programmes")
    op.drop_index("ix_programmes_channel_start", table_name="programmes")
    op.drop_table("programmes")
