"""Failed sign-ins per user name and client address (the lockout is per pair).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_login_failures",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_auth_login_failures")),
    )
    op.create_index(op.f("ix_auth_login_failures_updated_at"), "auth_login_failures",
                    ["updated_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_login_failures_updated_at"), table_name="auth_login_failures")
    op.drop_table("auth_login_failures")
