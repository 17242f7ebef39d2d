"""Newsroom: media centres, their staff and roles, stories with versions, the audit trail,
recommendations to zones, the planning queue.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> "sa.Column[object]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "newsroom_tenants",
        sa.Column("code", sa.String(6), sa.ForeignKey("regions.code"), primary_key=True),
        sa.Column(
            "parent_code", sa.String(6), sa.ForeignKey("newsroom_tenants.code"), nullable=True
        ),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("review_levels", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        _moment("created_at"),
    )
    op.create_index("ix_newsroom_tenants_parent_code", "newsroom_tenants", ["parent_code"])
    op.create_table(
        "newsroom_staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        _moment("created_at"),
    )
    op.create_table(
        "newsroom_grants",
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("newsroom_staff.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "tenant_code", sa.String(6), sa.ForeignKey("newsroom_tenants.code"), primary_key=True
        ),
        sa.Column("role", sa.String(16), primary_key=True),
        _moment("granted_at"),
    )
    op.create_index("ix_newsroom_grants_tenant", "newsroom_grants", ["tenant_code"])
    op.create_table(
        "newsroom_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("newsroom_staff.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _moment("created_at"),
        _moment("expires_at"),
        sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_newsroom_sessions_staff_id", "newsroom_sessions", ["staff_id"])
    op.create_table(
        "newsroom_topics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "tenant_code", sa.String(6), sa.ForeignKey("newsroom_tenants.code"), nullable=False
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.Column("source", sa.String(16), nullable=False, server_default="staff"),
        sa.Column("state", sa.String(16), nullable=False, server_default="open"),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=True),
        _moment("created_at"),
    )
    op.create_index("ix_newsroom_topics_tenant_state", "newsroom_topics", ["tenant_code", "state"])
    op.create_table(
        "newsroom_assignments",
        sa.Column(
            "topic_id",
            sa.Integer(),
            sa.ForeignKey("newsroom_topics.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), primary_key=True),
        sa.Column("assigned_by", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=False),
        _moment("assigned_at"),
    )
    op.create_table(
        "newsroom_stories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "tenant_code", sa.String(6), sa.ForeignKey("newsroom_tenants.code"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("review_levels", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("working_version", sa.Integer(), nullable=False),
        sa.Column("live_version", sa.Integer(), nullable=True),
        _moment("publish_at", nullable=True),
        _moment("published_at", nullable=True),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("newsroom_topics.id"), nullable=True),
        _moment("created_at"),
        _moment("updated_at"),
    )
    op.create_index(
        "ix_newsroom_stories_tenant_state", "newsroom_stories", ["tenant_code", "state"]
    )
    op.create_index(
        "ix_newsroom_stories_state_publish_at", "newsroom_stories", ["state", "publish_at"]
    )
    op.create_table(
        "newsroom_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("newsroom_stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("video_asset", sa.String(16), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        _moment("created_at"),
        sa.UniqueConstraint("story_id", "number", name="uq_newsroom_versions_story_number"),
    )
    op.create_table(
        "newsroom_recommendations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("newsroom_stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "zone_code", sa.String(6), sa.ForeignKey("newsroom_tenants.code"), nullable=False
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=False),
        _moment("proposed_at"),
        sa.Column("reviewed_by", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=True),
        _moment("reviewed_at", nullable=True),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("story_id", "zone_code", name="uq_newsroom_recommendations_story_zone"),
    )
    op.create_index(
        "ix_newsroom_recommendations_zone_state",
        "newsroom_recommendations",
        ["zone_code", "state"],
    )
    op.create_table(
        "newsroom_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("newsroom_stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("tenant_code", sa.String(6), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=True),
        _moment("at"),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_newsroom_audit_story", "newsroom_audit", ["story_id", "id"])


def downgrade() -> None:
    for table in (
        "newsroom_audit",
        "newsroom_recommendations",
        "newsroom_versions",
        "newsroom_stories",
        "newsroom_assignments",
        "newsroom_topics",
        "newsroom_sessions",
        "newsroom_grants",
        "newsroom_staff",
        "newsroom_tenants",
    ):
        op.drop_table(table)
