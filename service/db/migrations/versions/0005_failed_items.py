"""The spreadsheet row of an item that could not be rendered (poison rows are isolated).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("batch_steps", sa.Column("item_row", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_steps") as batch:
        batch.drop_column("item_row")
