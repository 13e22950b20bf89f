"""Batch jobs and their steps.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("document_type", sa.String(length=64), nullable=False),
        sa.Column("output", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("chunks_done", sa.Integer(), nullable=False),
        sa.Column("idempotency_scope", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("result_bytes", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("files_removed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_jobs")),
        sa.UniqueConstraint("idempotency_scope", "idempotency_key",
                            name="uq_batch_jobs_idempotency"),
    )
    op.create_index(op.f("ix_batch_jobs_created_at"), "batch_jobs", ["created_at"])
    op.create_index(op.f("ix_batch_jobs_finished_at"), "batch_jobs", ["finished_at"])
    op.create_index(op.f("ix_batch_jobs_owner"), "batch_jobs", ["owner"])
    op.create_index(op.f("ix_batch_jobs_status"), "batch_jobs", ["status"])

    op.create_table(
        "batch_steps",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("stop", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["batch_jobs.id"],
                                name=op.f("fk_batch_steps_job_id_batch_jobs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "number", name=op.f("pk_batch_steps")),
    )
    op.create_index("ix_batch_steps_status_job", "batch_steps", ["status", "job_id"])


def downgrade() -> None:
    op.drop_index("ix_batch_steps_status_job", table_name="batch_steps")
    op.drop_table("batch_steps")
    op.drop_index(op.f("ix_batch_jobs_status"), table_name="batch_jobs")
    op.drop_index(op.f("ix_batch_jobs_owner"), table_name="batch_jobs")
    op.drop_index(op.f("ix_batch_jobs_finished_at"), table_name="batch_jobs")
    op.drop_index(op.f("ix_batch_jobs_created_at"), table_name="batch_jobs")
    op.drop_table("batch_jobs")
