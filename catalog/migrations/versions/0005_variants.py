"""variants: sizes and colours as child products of the product buyers see

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 04:00:00

A variant (a size, a colour) is a product row of its own whose ``parent_id`` names the product
buyers see and whose ``variant`` is its value ("9", "Red"); its SKU is ``PARENT/VALUE``. The
parent's ``variant_kind`` says what its children differ in ("size" or "colour"), NULL for a
plain product. Existing products stay plain.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


FK = "fk_products_parent_id_products"


def upgrade() -> None:
    # On SQLite a new foreign key constraint means rebuilding the table, which would drop the
    # search trigger of 0002; there the column is a plain indexed integer (the code keeps it).
    postgres = op.get_context().dialect.name == "postgresql"
    op.add_column("products", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.add_column("products", sa.Column("variant", sa.String(length=50), nullable=True))
    op.add_column("products", sa.Column("variant_kind", sa.String(length=16), nullable=True))
    op.create_index("ix_products_parent_id", "products", ["parent_id"], unique=False)
    if postgres:
        op.create_foreign_key(FK, "products", "products", ["parent_id"], ["id"])


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint(FK, "products", type_="foreignkey")
    op.drop_index("ix_products_parent_id", table_name="products")
    op.drop_column("products", "variant_kind")
    op.drop_column("products", "variant")
    op.drop_column("products", "parent_id")
