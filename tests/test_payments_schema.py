"""The payments migration matches the models, on SQLite and PostgreSQL, and upgrades old rows."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from catalog import migrate
from catalog.models import Base


def _diff(engine: Engine) -> list:  # type: ignore[type-arg]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_payment_models_match_the_migrations(engine: Engine) -> None:
    # Autogenerate cannot compare 0002's expression index on SQLite; everything else must agree.
    diff = [d for d in _diff(engine) if "ix_product_terms_rank" not in repr(d)]
    assert diff == []
    assert {"payments"} <= set(inspect(engine).get_table_names())


def test_orders_placed_before_payments_get_zero_shipping(engine: Engine) -> None:
    migrate.downgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (sender_id, channel, language)"
                " VALUES ('s1', 'telegram', 'en')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO jails (code, name, town, region, country, programme)"
                " VALUES ('J1', 'Jail', 'Town', 'Region', 'IN', 'Prog')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO orders (customer_id, jail_id, status, currency, total_minor,"
                " payment_method, created_at, updated_at) SELECT c.id, j.id, 'placed', 'INR', 100,"
                " 'cod', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM customers c, jails j"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT shipping_minor, payment_due_at FROM orders")).one()
    assert tuple(row) == (0, None)
