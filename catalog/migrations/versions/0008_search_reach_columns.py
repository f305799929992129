"""search reach columns: product_terms carry the product's jail and food flag

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 20:00:00

A search with the buyer's country (``SearchFilters(ship_to=...)``) keeps only products from a
jail that ships there, and food only from the buyer's own country's jails. Until now each
index row of the query's words was joined to its product to check that: "aam ka achaar" to
Britain read every pickle's product to find that none may go. Each index row now carries its
product's ``jail_id`` and ``food`` (category pickles or bakery, or perishable:
``catalog.shipping.is_food``), appended to ``ix_product_terms_rank`` so the check is made on
the index entries themselves.

The code that writes index rows fills both (``catalog.search.sort_keys``); a trigger on
``products`` keeps them when a product's jail, category or perishable flag changes, whoever
changes it. The trigger's food categories are ``catalog.shipping.FOOD_CATEGORIES`` of today
(a test checks that they agree).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_FOOD = "('bakery', 'pickles')"  # catalog.shipping.FOOD_CATEGORIES


def _is_food(row: str) -> str:
    return f"({row}.category IN {_FOOD} OR coalesce({row}.perishable, false))"


_CHANGED = (
    "OLD.jail_id IS DISTINCT FROM NEW.jail_id"
    " OR OLD.category IS DISTINCT FROM NEW.category"
    " OR OLD.perishable IS DISTINCT FROM NEW.perishable"
)
_SYNC = (
    f"UPDATE product_terms SET jail_id = NEW.jail_id, food = {_is_food('NEW')}"
    " WHERE product_id = NEW.id"
)
_RANK: list[str | sa.TextClause] = ["term", "active", sa.text("weight DESC"), sa.text("in_stock DESC"), "price_minor",
         "product_id"]  # fmt: skip


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    # The rank index is rebuilt with the new columns: dropped first, so that filling them
    # does not update it row by row.
    op.drop_index("ix_product_terms_rank", table_name="product_terms")
    # Plain ALTER TABLE ADD COLUMN on both (constant defaults): on SQLite a batch rebuild of
    # product_terms would trip over 0002's trigger on products, which names the table.
    op.add_column("product_terms", sa.Column("jail_id", sa.Integer(), nullable=False,
                                             server_default="0"))  # fmt: skip
    op.add_column("product_terms", sa.Column("food", sa.Boolean(), nullable=False,
                                             server_default="0"))  # fmt: skip
    if postgres:
        op.execute(
            f"UPDATE product_terms SET jail_id = p.jail_id, food = {_is_food('p')}"
            " FROM products p WHERE p.id = product_terms.product_id"
        )
    else:
        op.execute(
            "UPDATE product_terms SET"
            " jail_id = (SELECT p.jail_id FROM products p WHERE p.id = product_terms.product_id),"
            f" food = (SELECT {_is_food('p')} FROM products p"
            " WHERE p.id = product_terms.product_id)"
        )
    op.create_index("ix_product_terms_rank", "product_terms", [*_RANK, "jail_id", "food"])

    if postgres:
        op.execute(
            "CREATE FUNCTION product_terms_reach() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_SYNC}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER products_reach_terms AFTER UPDATE OF jail_id, category, perishable"
            f" ON products FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION product_terms_reach()"
        )
    else:
        op.execute(
            "CREATE TRIGGER products_reach_terms AFTER UPDATE OF jail_id, category, perishable"
            f" ON products FOR EACH ROW WHEN {_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')}"
            f" BEGIN {_SYNC}; END"
        )


def downgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    op.execute("DROP TRIGGER IF EXISTS products_reach_terms" + (" ON products" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS product_terms_reach()")
    op.drop_index("ix_product_terms_rank", table_name="product_terms")
    # ALTER TABLE DROP COLUMN: PostgreSQL, and SQLite since 3.35 (no rebuild, as above)
    op.execute("ALTER TABLE product_terms DROP COLUMN food")
    op.execute("ALTER TABLE product_terms DROP COLUMN jail_id")
    op.create_index("ix_product_terms_rank", "product_terms", _RANK)
