"""Credentials (issue #12, ADR 0027): the throttle's records keep their latest failure and
when they may go; sessions of every kind record when they were revoked; administrators'
changes are audited; a role for another centre's staff is an invitation they answer.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch:
        batch.add_column(sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("forget_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_login_attempts_forget_at", ["forget_at"])
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("newsroom_sessions") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("admin_sessions") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_admin_sessions_username", ["username"])
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_admin_audit_username_id", "admin_audit", ["username", "id"])
    op.create_table(
        "newsroom_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("newsroom_staff.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "tenant_code",
            sa.String(6),
            sa.ForeignKey("newsroom_tenants.code"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("invited_by", sa.Integer(), sa.ForeignKey("newsroom_staff.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
    )
    op.create_index(
        "ix_newsroom_invitations_staff", "newsroom_invitations", ["staff_id", "answered_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_newsroom_invitations_staff", "newsroom_invitations")
    op.drop_table("newsroom_invitations")
    op.drop_index("ix_admin_audit_username_id", "admin_audit")
    op.drop_table("admin_audit")
    with op.batch_alter_table("admin_sessions") as batch:
        batch.drop_index("ix_admin_sessions_username")
        batch.drop_column("revoked_at")
        batch.drop_column("created_at")
    with op.batch_alter_table("newsroom_sessions") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_index("ix_login_attempts_forget_at")
        batch.drop_column("forget_at")
        batch.drop_column("last_failure_at")
