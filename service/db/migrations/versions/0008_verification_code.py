"""The verification code of an issued document (issue 15): a column, a code for every row
already issued.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _code() -> str:
    # service.register.verification.new_code, frozen here as a migration must be
    value = secrets.randbits(80)
    chars = "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(16)))
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def upgrade() -> None:
    with op.batch_alter_table("issued_documents") as batch:
        batch.add_column(sa.Column("verification_code", sa.String(length=32), nullable=True))
    bind = op.get_bind()
    table = sa.table("issued_documents", sa.column("id", sa.String),
                     sa.column("verification_code", sa.String))
    ids = [row[0] for row in bind.execute(sa.select(table.c.id))]
    for issued_id in ids:
        bind.execute(table.update().where(table.c.id == issued_id)
                     .values(verification_code=_code()))
    op.create_index("ix_issued_documents_verification_code", "issued_documents",
                    ["verification_code"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_issued_documents_verification_code", table_name="issued_documents")
    with op.batch_alter_table("issued_documents") as batch:
        batch.drop_column("verification_code")
