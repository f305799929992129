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


def _triggers() -> list[str]:
    """SQLite: the CREATE statements of the triggers on products (0002's search sync), which a
    batch rebuild of the table would drop."""
    rows = op.get_bind().execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'products'")
    )
    return [row[0] for row in rows if row[0]]


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    # On SQLite the column comes with its REFERENCES clause (ADD COLUMN allows one when the
    # default is NULL), so the table is not rebuilt and keeps 0002's trigger.
    if postgres:
        op.add_column("products", sa.Column("parent_id", sa.Integer(), nullable=True))
    else:
        op.execute("ALTER TABLE products ADD COLUMN parent_id INTEGER REFERENCES products (id)")
    op.add_column("products", sa.Column("variant", sa.String(length=50), nullable=True))
    op.add_column("products", sa.Column("variant_kind", sa.String(length=16), nullable=True))
    op.create_index("ix_products_parent_id", "products", ["parent_id"], unique=False)
    if postgres:
        op.create_foreign_key(FK, "products", "products", ["parent_id"], ["id"])


def downgrade() -> None:
    op.drop_index("ix_products_parent_id", table_name="products")
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint(FK, "products", type_="foreignkey")
        for column in ("variant_kind", "variant", "parent_id"):
            op.drop_column("products", column)
        return
    # SQLite cannot drop a column with a foreign key: rebuild the table, then its triggers.
    triggers = _triggers()
    with op.batch_alter_table("products", recreate="always") as batch_op:
        for column in ("variant_kind", "variant", "parent_id"):
            batch_op.drop_column(column)
    for sql in triggers:
        op.execute(sql)
