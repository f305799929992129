"""Migrations run from empty to head and back on both databases."""

from __future__ import annotations

from sqlalchemy import inspect

from catalog import migrate


def test_upgrade_downgrade_upgrade(engine):
    assert "products" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "base")
    assert "products" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert {"products", "stock_ledger", "idempotency_keys", "outbox"} <= set(
        inspect(engine).get_table_names()
    )
