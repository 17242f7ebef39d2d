"""Newsroom interaction: citizen tips with their photos and videos, comments with
moderation and each centre's setting for it, polls with one vote per household.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> "sa.Column[object]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _tenant(name: str = "tenant_code", primary_key: bool = False) -> "sa.Column[object]":
    return sa.Column(
        name,
        sa.String(6),
        sa.ForeignKey("newsroom_tenants.code"),
        nullable=False,
        primary_key=primary_key,
    )


def _staff(name: str, nullable: bool = True) -> "sa.Column[object]":
    return sa.Column(name, sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=nullable)


def _cascade(name: str, target: str, primary_key: bool = False) -> "sa.Column[object]":
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey(target, ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "newsroom_tips",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column(
            "household_id",
            sa.Integer(),
            sa.ForeignKey("households.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("contact_phone", sa.String(32), nullable=False, server_default=""),
        sa.Column("client_hash", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("newsroom_topics.id"), nullable=True),
        _moment("created_at"),
        _staff("triaged_by"),
        _moment("triaged_at", nullable=True),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_newsroom_tips_tenant_state", "newsroom_tips", ["tenant_code", "state", "id"]
    )
    op.create_index(
        "ix_newsroom_tips_household_created", "newsroom_tips", ["household_id", "created_at"]
    )
    op.create_index(
        "ix_newsroom_tips_client_created", "newsroom_tips", ["client_hash", "created_at"]
    )
    op.create_table(
        "newsroom_tip_media",
        sa.Column("id", sa.Integer(), primary_key=True),
        _cascade("tip_id", "newsroom_tips.id"),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("asset_code", sa.String(16), nullable=True),
    )
    op.create_index("ix_newsroom_tip_media_tip_id", "newsroom_tip_media", ["tip_id"])
    op.create_table(
        "newsroom_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _cascade("story_id", "newsroom_stories.id"),
        _tenant(),
        _cascade("household_id", "households.id"),
        sa.Column("author_name", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _moment("created_at"),
        _staff("moderated_by"),
        _moment("moderated_at", nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_newsroom_comments_story_state", "newsroom_comments", ["story_id", "state", "id"]
    )
    op.create_index(
        "ix_newsroom_comments_tenant_state", "newsroom_comments", ["tenant_code", "state", "id"]
    )
    op.create_index(
        "ix_newsroom_comments_household_created",
        "newsroom_comments",
        ["household_id", "created_at"],
    )
    op.create_table(
        "newsroom_interaction_settings",
        _tenant(primary_key=True),
        sa.Column("premoderate_comments", sa.Boolean(), nullable=False, server_default=sa.true()),
        _staff("updated_by"),
        _moment("updated_at"),
    )
    op.create_table(
        "newsroom_polls",
        sa.Column("id", sa.Integer(), primary_key=True),
        _cascade("story_id", "newsroom_stories.id"),
        _tenant(),
        sa.Column("question", sa.String(200), nullable=False),
        _moment("opens_at"),
        _moment("closes_at"),
        _staff("created_by", nullable=False),
        _moment("created_at"),
        sa.UniqueConstraint("story_id", name="uq_newsroom_polls_story_id"),
    )
    op.create_table(
        "newsroom_poll_options",
        sa.Column("id", sa.Integer(), primary_key=True),
        _cascade("poll_id", "newsroom_polls.id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.UniqueConstraint("poll_id", "position", name="uq_newsroom_poll_options_position"),
        sa.UniqueConstraint("poll_id", "id", name="uq_newsroom_poll_options_poll_id"),
    )
    op.create_table(
        "newsroom_poll_votes",
        _cascade("poll_id", "newsroom_polls.id", primary_key=True),
        _cascade("household_id", "households.id", primary_key=True),
        sa.Column("option_id", sa.Integer(), nullable=False),
        _moment("voted_at"),
        sa.ForeignKeyConstraint(
            ["poll_id", "option_id"],
            ["newsroom_poll_options.poll_id", "newsroom_poll_options.id"],
            ondelete="CASCADE",
            name="fk_newsroom_poll_votes_option",
        ),
    )
    op.create_index("ix_newsroom_poll_votes_option", "newsroom_poll_votes", ["option_id"])


def downgrade() -> None:
    for table in (
        "newsroom_poll_votes",
        "newsroom_poll_options",
        "newsroom_polls",
        "newsroom_interaction_settings",
        "newsroom_comments",
        "newsroom_tip_media",
        "newsroom_tips",
    ):
        op.drop_table(table)
