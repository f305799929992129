"""search rank index: product_terms carry what search orders by

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:50:00

Each index row gets its product's ``in_stock`` (stock > 0), ``price_minor`` and ``active``, so
one word's matches can be read in ranking order from an index without visiting ``products``.
A trigger on ``products`` keeps the copies in step with every change of stock, price or
visibility, whoever makes it (orders, staff, undo, imports).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CHANGED = (
    "(OLD.stock > 0) IS DISTINCT FROM (NEW.stock > 0)"
    " OR OLD.price_minor IS DISTINCT FROM NEW.price_minor"
    " OR OLD.active IS DISTINCT FROM NEW.active"
)
_SYNC = (
    "UPDATE product_terms SET in_stock = NEW.stock > 0, price_minor = NEW.price_minor,"
    " active = NEW.active WHERE product_id = NEW.id"
)


def upgrade() -> None:
    with op.batch_alter_table("product_terms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_stock", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("price_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.execute(
        "UPDATE product_terms SET"
        " in_stock = (SELECT p.stock > 0 FROM products p WHERE p.id = product_terms.product_id),"
        " price_minor = (SELECT p.price_minor FROM products p"
        " WHERE p.id = product_terms.product_id),"
        " active = (SELECT p.active FROM products p WHERE p.id = product_terms.product_id)"
    )
    with op.batch_alter_table("product_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_product_terms_product_id")
        batch_op.create_index(
            "ix_product_terms_rank",
            [
                "term",
                "active",
                sa.text("weight DESC"),
                sa.text("in_stock DESC"),
                "price_minor",
                "product_id",
            ],
        )
        batch_op.create_index("ix_product_terms_product_term", ["product_id", "term", "weight"])
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index("ix_products_browse", ["category", "price_minor", "id"])

    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION product_terms_sync() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_SYNC}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER products_sync_terms AFTER UPDATE OF stock, price_minor, active"
            f" ON products FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION product_terms_sync()"
        )
    else:
        op.execute(
            "CREATE TRIGGER products_sync_terms AFTER UPDATE OF stock, price_minor, active"
            f" ON products FOR EACH ROW WHEN {_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')}"
            f" BEGIN {_SYNC}; END"
        )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS products_sync_terms"
        + (" ON products" if op.get_context().dialect.name == "postgresql" else "")
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS product_terms_sync()")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_browse")
    with op.batch_alter_table("product_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_product_terms_product_term")
        batch_op.drop_index("ix_product_terms_rank")
        batch_op.create_index("ix_product_terms_product_id", ["product_id"])
        batch_op.drop_column("active")
        batch_op.drop_column("price_minor")
        batch_op.drop_column("in_stock")
