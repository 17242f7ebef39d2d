"""Newsroom media library: a centre's videos (as VOD assets) and images, and which story
versions use them.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "newsroom_media",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "tenant_code", sa.String(6), sa.ForeignKey("newsroom_tenants.code"), nullable=False
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False, server_default=""),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asset_code", sa.String(16), sa.ForeignKey("vod_assets.code"), nullable=True),
        sa.Column("image_key", sa.String(32), nullable=True),
        sa.Column("image_path", sa.String(500), nullable=True),
        sa.Column("content_type", sa.String(64), nullable=False, server_default=""),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.UniqueConstraint("asset_code", name="uq_newsroom_media_asset_code"),
        sa.UniqueConstraint("image_key", name="uq_newsroom_media_image_key"),
    )
    op.create_index("ix_newsroom_media_tenant", "newsroom_media", ["tenant_code", "id"])
    op.create_table(
        "newsroom_version_media",
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey("newsroom_versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("media_id", sa.Integer(), sa.ForeignKey("newsroom_media.id"), primary_key=True),
    )
    op.create_index("ix_newsroom_version_media_media", "newsroom_version_media", ["media_id"])


def downgrade() -> None:
    op.drop_table("newsroom_version_media")
    op.drop_table("newsroom_media")
