"""registration: billing details, invoices and credit notes with their counters, cancellation rules, refunds

Revision ID: q1_invoices_refunds
Revises: p1_vouchers_questions
"""
import sqlalchemy as sa
from alembic import op

revision = "q1_invoices_refunds"
down_revision = "p1_vouchers_questions"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)
DOCUMENT_KINDS = ("invoice", "credit-note")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True,
                   length=max(len(v) for v in values) + 8)


def upgrade():
    op.create_table(
        "billing_counter",
        sa.Column("kind", _enum(DOCUMENT_KINDS, "kind"), nullable=False),
        sa.Column("last_number", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_billing_counter_last_number_not_negative")),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_billing_counter")),
    )
    op.create_table(
        "billing_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(DOCUMENT_KINDS, "kind"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("number_text", sa.String(length=40), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("credits_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", UTC_DATETIME, nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("seller", sa.JSON(), nullable=False),
        sa.Column("buyer", sa.JSON(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("delegate_name", sa.String(length=200), nullable=False),
        sa.Column("category_name", sa.String(length=200), nullable=False),
        sa.Column("payment_reference", sa.String(length=32), nullable=False),
        sa.Column("vat_rate_bp", sa.Integer(), nullable=False),
        sa.Column("reverse_charge", sa.Boolean(), nullable=False),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), server_default="", nullable=False),
        sa.CheckConstraint("number > 0", name=op.f("ck_billing_document_number_positive")),
        sa.CheckConstraint("total_cents = net_cents + vat_cents", name=op.f("ck_billing_document_total_is_net_plus_vat")),
        sa.CheckConstraint("total_cents >= 0 AND net_cents >= 0 AND vat_cents >= 0",
                           name=op.f("ck_billing_document_amounts_not_negative")),
        sa.CheckConstraint("kind = 'invoice' OR credits_id IS NOT NULL",
                           name=op.f("ck_billing_document_credit_note_credits_invoice")),
        sa.ForeignKeyConstraint(["credits_id"], ["billing_document.id"],
                                name=op.f("fk_billing_document_credits_id_billing_document")),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"],
                                name=op.f("fk_billing_document_registration_id_registration")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_document")),
        sa.UniqueConstraint("kind", "number", name=op.f("uq_billing_document_kind_number")),
        sa.UniqueConstraint("number_text", name=op.f("uq_billing_document_number_text")),
    )
    with op.batch_alter_table("billing_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_billing_document_credits_id"), ["credits_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_billing_document_registration_id"), ["registration_id"], unique=False)
    op.create_table(
        "billing_details",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("address", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("vat_number", sa.String(length=20), server_default="", nullable=False),
        sa.Column("po_reference", sa.String(length=100), server_default="", nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["billing_document.id"],
                                name=op.f("fk_billing_details_invoice_id_billing_document")),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"],
                                name=op.f("fk_billing_details_registration_id_registration"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_billing_details")),
    )
    op.create_table(
        "cancellation_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_refund_until", sa.Date(), nullable=True),
        sa.Column("partial_refund_percent", sa.Integer(), server_default="50", nullable=False),
        sa.Column("partial_refund_until", sa.Date(), nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_cancellation_policy_one_row")),
        sa.CheckConstraint("partial_refund_percent BETWEEN 0 AND 100", name=op.f("ck_cancellation_policy_percent_range")),
        sa.CheckConstraint(
            "full_refund_until IS NULL OR partial_refund_until IS NULL OR partial_refund_until >= full_refund_until",
            name=op.f("ck_cancellation_policy_partial_after_full"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellation_policy")),
    )
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("status", _enum(("due", "done"), "status"), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("done_at", UTC_DATETIME, nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refund_amount_positive")),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name=op.f("ck_refund_percent_range")),
        sa.ForeignKeyConstraint(["credit_note_id"], ["billing_document.id"],
                                name=op.f("fk_refund_credit_note_id_billing_document")),
        sa.ForeignKeyConstraint(["done_by_id"], ["user_account.id"],
                                name=op.f("fk_refund_done_by_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"],
                                name=op.f("fk_refund_registration_id_registration")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_refund_registration_id")),
    )
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_status"), ["status"], unique=False)


def downgrade():
    op.drop_table("refund")
    op.drop_table("cancellation_policy")
    op.drop_table("billing_details")
    op.drop_table("billing_document")
    op.drop_table("billing_counter")
