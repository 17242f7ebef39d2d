"""The VOD catalog: titles (movies and series), seasons, episodes, categories, search keys.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def search_key(length: int) -> sa.types.TypeEngine[str]:
    """Search keys compare byte-wise: collation "C" in PostgreSQL, as SQLite does."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "vod_categories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name_zh", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
    )
    op.create_table(
        "vod_titles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("title_zh", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("age_rating", sa.Integer(), nullable=False),
        sa.Column("cast_names", sa.JSON(), nullable=False),
        sa.Column("poster_url", sa.Text(), nullable=False),
        sa.Column("title_folded", search_key(300), nullable=False),
        sa.Column("title_en_folded", search_key(300), nullable=False),
        sa.Column("title_pinyin", search_key(1200), nullable=False),
        sa.Column("title_initials", search_key(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("title_folded", "title_en_folded", "title_pinyin", "title_initials"):
        op.create_index(f"ix_vod_titles_{column}", "vod_titles", [column])
    op.create_table(
        "vod_title_keys",
        sa.Column(
            "title_id",
            sa.Integer(),
            sa.ForeignKey("vod_titles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "key",
            search_key(1200),
            primary_key=True,
        ),
        sa.Column("whole", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_vod_title_keys_key", "vod_title_keys", ["key", "title_id", "whole"])
    op.create_table(
        "vod_title_categories",
        sa.Column(
            "title_id",
            sa.Integer(),
            sa.ForeignKey("vod_titles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "category_id",
            sa.Integer(),
            sa.ForeignKey("vod_categories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_vod_title_categories_category_id", "vod_title_categories", ["category_id"])
    op.create_table(
        "vod_seasons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "title_id",
            sa.Integer(),
            sa.ForeignKey("vod_titles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.UniqueConstraint("title_id", "number", name="uq_vod_seasons_title_number"),
    )
    op.create_table(
        "vod_episodes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "season_id",
            sa.Integer(),
            sa.ForeignKey("vod_seasons.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.UniqueConstraint("season_id", "number", name="uq_vod_episodes_season_number"),
    )


def downgrade() -> None:
    op.drop_table("vod_episodes")
    op.drop_table("vod_seasons")
    op.drop_table("vod_title_categories")
    op.drop_table("vod_title_keys")
    op.drop_table("vod_titles")
    op.drop_table("vod_categories")
