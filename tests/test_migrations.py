"""Migrations run from empty to head and back on both databases."""

from __future__ import annotations

from sqlalchemy import inspect, text

from catalog import migrate


def test_upgrade_downgrade_upgrade(engine):
    assert "products" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "base")
    assert "products" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert {"products", "stock_ledger", "idempotency_keys", "outbox"} <= set(
        inspect(engine).get_table_names()
    )


def _index_sql(engine, name: str) -> str:  # type: ignore[no-untyped-def]
    if engine.dialect.name == "postgresql":
        query = (
            "SELECT indexdef FROM pg_indexes WHERE indexname = :n"
            " AND schemaname = current_schema()"
        )
    else:
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"
    with engine.connect() as conn:
        return str(conn.execute(text(query), {"n": name}).scalar())


def test_parent_index_holds_only_variants(engine):
    # 0006: search's "parent_id IS NULL" cannot use it; a parent's variants are found with it.
    assert "parent_id IS NOT NULL" in _index_sql(engine, "ix_products_parent_id")
    migrate.downgrade(engine, "0005")
    assert "IS NOT NULL" not in _index_sql(engine, "ix_products_parent_id")
    migrate.upgrade(engine)
    assert "parent_id IS NOT NULL" in _index_sql(engine, "ix_products_parent_id")


def _plan(conn, sql: str, params: dict | None = None) -> str:  # type: ignore[no-untyped-def, type-arg]
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params or ()).fetchall()
    return " | ".join(str(r[-1]) for r in rows)


def test_sqlite_searches_by_jail_do_not_read_every_product(sqlite_engine):
    # Before 0006, SQLite (with or without ANALYZE) answered a jail-filtered search by reading
    # every product through ix_products_parent_id ("parent_id IS NULL") and sorting them.
    from sqlalchemy import event

    from catalog.db import make_sessionmaker, transaction
    from catalog.search import SearchFilters, search
    from catalog.seed import seed

    sessions = make_sessionmaker(sqlite_engine)
    with transaction(sessions) as s:
        seed(s)
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM products" in statement:
            statements.append((statement, parameters))

    event.listen(sqlite_engine, "before_cursor_execute", keep)
    try:
        with sessions() as s:
            search(s, "carpet", SearchFilters(jail="Bhadohi"))
            search(s, "", SearchFilters(jail="UP", in_stock=True))
            search(s, "kurta", SearchFilters(jail="Peshawar", max_price_minor=500_000))
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", keep)
    assert statements
    with sqlite_engine.connect() as conn:
        for statement, params in statements:
            assert "ix_products_parent_id" not in _plan(conn, statement, params), statement
        variant_lookup = _plan(conn, "SELECT id FROM products WHERE parent_id = 1")
        assert "ix_products_parent_id" in variant_lookup
        assert "ix_products_parent_id" in _plan(
            conn, "SELECT id FROM products WHERE parent_id IN (1, 2)"
        )
