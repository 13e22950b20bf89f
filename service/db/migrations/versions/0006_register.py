"""The register of issued documents: numbering sequences and issued documents.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_sequences",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "year", name=op.f("pk_register_sequences")),
    )
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("document_type", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("number_text", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summary_key", sa.Text(), nullable=False),
        sa.Column("issuer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_position", sa.String(length=300), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("idempotency_scope", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("docx_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_file", sa.String(length=200), nullable=True),
        sa.Column("docx_file", sa.String(length=200), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("voided_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_documents")),
        sa.UniqueConstraint("scope", "year", "number", name="uq_issued_documents_number"),
        sa.UniqueConstraint("idempotency_scope", "idempotency_key",
                            name="uq_issued_documents_idempotency"),
    )
    op.create_index(op.f("ix_issued_documents_document_type"), "issued_documents",
                    ["document_type"])
    op.create_index("ix_issued_documents_year_number", "issued_documents", ["year", "number"])


def downgrade() -> None:
    op.drop_index("ix_issued_documents_year_number", table_name="issued_documents")
    op.drop_index(op.f("ix_issued_documents_document_type"), table_name="issued_documents")
    op.drop_table("issued_documents")
    op.drop_table("register_sequences")
