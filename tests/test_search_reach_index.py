"""The search index rows carry their product's jail and food flag (migration 0008), so a search
with the buyer's country is checked on the index: the copies must follow every change."""

from __future__ import annotations

from sqlalchemy import inspect, select, text, update

from catalog import csvio, migrate, products, shipping
from catalog.db import transaction
from catalog.models import Product, ProductTerm
from catalog.products import ProductData
from catalog.search import SearchFilters, search, sort_keys


def _out_of_step(s) -> list[tuple[str, object, object]]:  # type: ignore[no-untyped-def]
    """Every product whose index rows' (jail_id, food) differ from the product's own."""
    wrong = []
    rows = s.execute(select(ProductTerm.product_id, ProductTerm.jail_id, ProductTerm.food))
    copies: dict[int, set[tuple[int, bool]]] = {}
    for pid, jail_id, food in rows:
        copies.setdefault(pid, set()).add((jail_id, bool(food)))
    for p in s.scalars(select(Product)):
        want = {(p.jail_id, shipping.is_food(p))}
        got = copies.get(p.id)
        if p.parent_id is None and got != want:
            wrong.append((p.sku, got, want))
        if p.parent_id is not None and got:
            wrong.append((p.sku, got, None))  # sizes and colours have no index rows
    return wrong


def test_seeded_index_rows_carry_jail_and_food(seeded):
    with seeded() as s:
        assert _out_of_step(s) == []
        foods = s.scalar(select(ProductTerm.product_id).where(ProductTerm.food.is_(True)))
        assert foods is not None  # the demo catalog has pickles and bakery


def test_copies_follow_edits_whoever_makes_them(seeded):
    """Staff edits go through ``products.upsert`` (which rewrites the rows); a plain UPDATE
    of the products table (a script, a future code path) is kept by the trigger."""
    with transaction(seeded) as s:
        ks = products.get(s, "KS-101")
        data = ProductData("KS-101", ks.name, "pickles", "PSW", ks.price_minor, "INR", 3,
                           keywords=ks.keywords)  # fmt: skip
        products.upsert(s, data, products.jail_by_code(s, "PSW"), actor="test")
    with seeded() as s:
        assert _out_of_step(s) == []
        ks = products.get(s, "KS-101")
        assert shipping.is_food(ks) and ks.jail.code == "PSW"
    with transaction(seeded) as s:
        agr = products.jail_by_code(s, "AGR").id
        s.execute(update(Product).where(Product.sku == "KS-102").values(jail_id=agr))
        s.execute(update(Product).where(Product.sku == "KS-201").values(perishable=True))
        hb = update(Product).where(Product.sku == "HB-101")  # bakery, perishable
        s.execute(hb.values(category="gifts", perishable=False))
    with seeded() as s:
        assert _out_of_step(s) == []
        rows = s.execute(
            select(ProductTerm.jail_id, ProductTerm.food)
            .join(Product, Product.id == ProductTerm.product_id)
            .where(Product.sku.in_(["KS-102", "KS-201", "HB-101"]))
            .order_by(Product.sku)
        ).all()
        agr = products.jail_by_code(s, "AGR").id
        # HB-101 is no longer food; KS-102 moved to Agra; KS-201 is perishable now
        assert {(j, bool(f)) for j, f in rows} == {
            (products.jail_by_code(s, "KND").id, False),
            (agr, False),
            (products.jail_by_code(s, "KND").id, True),
        }


def test_trigger_knows_every_food_category(seeded):
    """The trigger of migration 0008 spells out the food categories in SQL: it must agree
    with ``shipping.FOOD_CATEGORIES`` (add a category there, add it to a new trigger too)."""
    for category in [*sorted(shipping.FOOD_CATEGORIES), "handloom", "pottery"]:
        with transaction(seeded) as s:
            s.execute(update(Product).where(Product.sku == "KS-101").values(category=category))
        with seeded() as s:
            ks = products.get(s, "KS-101")
            foods = set(s.scalars(select(ProductTerm.food).where(ProductTerm.product_id == ks.id)))
            assert foods == {category in shipping.FOOD_CATEGORIES}, category


def _import(seeded, rows: str) -> None:  # type: ignore[no-untyped-def]
    header = "sku,name,category,jail,price,currency,stock,perishable\n"
    with transaction(seeded) as s:
        csvio.import_csv(s, (header + rows).encode(), actor="test")


def test_csv_import_writes_and_rewrites_the_copies(seeded):
    _import(seeded, "CSV-1,Mango Pickle Jar,pickles,PSW,300,PKR,4,no\n"
                    "CSV-2,Fresh Flowers,handloom,KND,200,INR,2,yes\n"
                    "CSV-3,Clay Lamp,pottery,GKP,90,INR,9,no\n")  # fmt: skip
    with seeded() as s:
        assert _out_of_step(s) == []
        found = {p.sku for p in search(s, "pickle", SearchFilters(ship_to="GB"), limit=50).products}
        assert "CSV-1" not in found
        found = {p.sku for p in search(s, "pickle", SearchFilters(ship_to="PK"), limit=50).products}
        assert "CSV-1" in found
    # updates: other jail, other category, perishable flipped
    _import(seeded, "CSV-1,Mango Pickle Jar,handloom,KND,300,INR,4,no\n"
                    "CSV-2,Fresh Flowers,handloom,KND,200,INR,2,no\n"
                    "CSV-3,Clay Lamp,pottery,PSW,90,PKR,9,yes\n")  # fmt: skip
    with seeded() as s:
        assert _out_of_step(s) == []
        found = {p.sku for p in search(s, "pickle", SearchFilters(ship_to="GB"), limit=50).products}
        assert "CSV-1" in found


def test_sort_keys_name_every_copied_column():
    p = Product(stock=2, price_minor=500, active=True, jail_id=7, category="bakery",
                perishable=False)  # fmt: skip
    assert sort_keys(p) == {"in_stock": True, "price_minor": 500, "active": True,
                            "jail_id": 7, "food": True}  # fmt: skip


def _columns(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns("product_terms")}


def _triggers(engine) -> set[str]:  # type: ignore[no-untyped-def]
    if engine.dialect.name == "postgresql":
        sql = ("SELECT DISTINCT trigger_name FROM information_schema.triggers"
               " WHERE event_object_table = 'products' AND trigger_schema = current_schema()")  # fmt: skip
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'products'"
    with engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def test_migration_fills_the_copies_and_goes_back(seeded, engine):
    """0008 on a catalog indexed before it: the columns are filled from the products, the
    trigger is there; downgrading removes both and leaves 0002's trigger; up again."""
    assert {"jail_id", "food"} <= _columns(engine)
    assert {"products_sync_terms", "products_reach_terms"} <= _triggers(engine)
    migrate.downgrade(engine, "0007")
    assert not {"jail_id", "food"} & _columns(engine)
    assert "products_reach_terms" not in _triggers(engine)
    assert "products_sync_terms" in _triggers(engine)
    with transaction(seeded) as s:  # an edit while at 0007: the old trigger still works
        s.execute(update(Product).where(Product.sku == "KS-101").values(price_minor=99_00))
    migrate.upgrade(engine)
    assert {"products_sync_terms", "products_reach_terms"} <= _triggers(engine)
    with seeded() as s:
        assert _out_of_step(s) == []
        n = s.scalar(select(ProductTerm.product_id).where(ProductTerm.price_minor == 99_00))
        assert n is not None
    with transaction(seeded) as s:  # and the new trigger works after the upgrade
        s.execute(update(Product).where(Product.sku == "KS-101").values(category="pickles"))
    with seeded() as s:
        assert _out_of_step(s) == []
        # the rank index carries the new columns
        if engine.dialect.name == "postgresql":
            sql = ("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_product_terms_rank'"
                   " AND schemaname = current_schema()")  # fmt: skip
        else:
            sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_product_terms_rank'"
        index = str(s.execute(text(sql)).scalar())
        assert "jail_id" in index and "food" in index
