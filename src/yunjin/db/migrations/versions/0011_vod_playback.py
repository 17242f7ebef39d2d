"""VOD playback: the titles and categories of VOD and pay-per-view products; resume points.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_titles",
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("products.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("title_code", sa.String(64), primary_key=True),
    )
    op.create_index("ix_product_titles_title_code", "product_titles", ["title_code"])
    op.create_table(
        "product_categories",
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("products.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("category_code", sa.String(64), primary_key=True),
    )
    op.create_table(
        "vod_resume",
        sa.Column(
            "household_id",
            sa.Integer(),
            sa.ForeignKey("households.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "asset_id",
            sa.Integer(),
            sa.ForeignKey("vod_assets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position_s", sa.Float(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_vod_resume_household_updated", "vod_resume", ["household_id", "updated_at"])


def downgrade() -> None:
    op.drop_table("vod_resume")
    op.drop_table("product_categories")
    op.drop_index("ix_product_titles_title_code", "product_titles")
    op.drop_table("product_titles")
