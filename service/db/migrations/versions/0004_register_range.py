"""The register range (số sổ) a batch prints, to refuse printing the same numbers twice.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("batch_jobs", sa.Column("register_first", sa.BigInteger(), nullable=True))
    op.add_column("batch_jobs", sa.Column("register_last", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_batch_jobs_owner_register"), "batch_jobs",
                    ["owner", "document_type", "register_first"])


def downgrade() -> None:
    op.drop_index(op.f("ix_batch_jobs_owner_register"), table_name="batch_jobs")
    with op.batch_alter_table("batch_jobs") as batch:
        batch.drop_column("register_last")
        batch.drop_column("register_first")
