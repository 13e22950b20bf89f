"""The commendation register (sổ khen thưởng) and the job kind (a batch or a dossier).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commendation_entries",
        sa.Column("register", sa.String(length=40), nullable=False),
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("issued_id", sa.String(length=32), nullable=False),
        sa.Column("award", sa.String(length=20), nullable=False),
        sa.Column("award_label", sa.String(length=200), nullable=False),
        sa.Column("recipient_kind", sa.String(length=10), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=300), nullable=True),
        sa.Column("unit_key", sa.String(length=300), nullable=False),
        sa.Column("identifier", sa.String(length=100), nullable=True),
        sa.Column("decision_number", sa.String(length=120), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("reserved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("register", "number", name=op.f("pk_commendation_entries")),
        sa.UniqueConstraint("job_id", "item_index", name="uq_commendation_entries_job_id"),
    )
    op.create_index(op.f("ix_commendation_entries_issued_id"), "commendation_entries",
                    ["issued_id"])
    op.create_index(op.f("ix_commendation_entries_identifier"), "commendation_entries",
                    ["identifier"])
    op.create_index("ix_commendation_entries_person", "commendation_entries",
                    ["name_key", "unit_key"])
    op.create_index("ix_commendation_entries_year", "commendation_entries",
                    ["year", "register", "number"])
    with op.batch_alter_table("batch_jobs") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="batch",
                                   nullable=False))
        batch.add_column(sa.Column("source", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_batch_jobs_source"), ["source"])


def downgrade() -> None:
    with op.batch_alter_table("batch_jobs") as batch:
        batch.drop_index(batch.f("ix_batch_jobs_source"))
        batch.drop_column("source")
        batch.drop_column("kind")
    op.drop_index("ix_commendation_entries_year", table_name="commendation_entries")
    op.drop_index("ix_commendation_entries_person", table_name="commendation_entries")
    op.drop_index(op.f("ix_commendation_entries_identifier"), table_name="commendation_entries")
    op.drop_index(op.f("ix_commendation_entries_issued_id"), table_name="commendation_entries")
    op.drop_table("commendation_entries")
