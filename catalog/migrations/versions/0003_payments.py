"""payments: methods per jail, one row per payment attempt, what the expiry job needs on orders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:00:00

Jails say which payment methods they accept (and their UPI ID and transfer details); orders
get a shipping amount, a payment deadline, a reminder time and the time they were paid;
``payments`` records each link, QR, invoice or transfer and what came of it. A provider's id
of an attempt and of a charge are each unique, so the same payment never counts twice.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_methods", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("upi_vpa", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("upi_payee", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("manual_details", sa.Text(), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shipping_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("payment_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_payment_due_at"), ["payment_due_at"])

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("charge_id", sa.String(length=128), nullable=True),
        sa.Column("provider_charge_id", sa.String(length=128), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("refund_due", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "external_id"),
        sa.UniqueConstraint("provider", "charge_id"),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_refund_due"), ["refund_due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_refund_due"))
        batch_op.drop_index(batch_op.f("ix_payments_status"))
        batch_op.drop_index(batch_op.f("ix_payments_order_id"))
    op.drop_table("payments")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_payment_due_at"))
        batch_op.drop_column("paid_at")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("payment_due_at")
        batch_op.drop_column("shipping_minor")
    with op.batch_alter_table("jails", schema=None) as batch_op:
        batch_op.drop_column("manual_details")
        batch_op.drop_column("upi_payee")
        batch_op.drop_column("upi_vpa")
        batch_op.drop_column("payment_methods")
