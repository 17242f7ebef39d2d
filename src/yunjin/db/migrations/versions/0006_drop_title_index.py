"""Drop the B-tree index on folded titles: a substring search (LIKE '%…%') never uses it,
and every guide import paid for maintaining it.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_programmes_title_folded", table_name="programmes")


def downgrade() -> None:
    op.create_index("ix_programmes_title_folded", "programmes", ["title_folded"])
