"""Sizes and colours for staff and spreadsheets (issue 12): /stock, /restock, /sold, /price,
/hide on one size; refusals naming the sizes; the seed's sizes; CSV import and export."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from catalog import csvio, orders, products, stock, variants
from catalog.db import transaction
from catalog.models import Order, Product
from tests.staff_support import ADMIN_TG, KND_TG, StaffEnv, buyer_order

HEADER = "sku,name,category,jail,price,currency,stock,variant_kind\n"


def _stock(sessions, sku: str) -> int:
    with sessions() as s:
        return products.get(s, sku).stock


def _agrees(sessions, sku: str) -> bool:
    with sessions() as s:
        p = products.get(s, sku)
        children = variants.of(s, p)
        summed = not children or p.stock == sum(c.stock for c in children)
        return summed and stock.ledger_sum(s, p.id) == p.stock


def test_the_seed_gives_footwear_caps_kurtas_sizes_and_a_shawl_colours(seeded):
    with seeded() as s:
        def values(sku: str) -> list[str]:
            return [c.variant or "" for c in variants.of(s, products.get(s, sku))]

        assert values("PC-101") == ["7", "8", "9", "10", "11"]
        assert values("PC-102") == ["7", "8", "9", "10", "11"]
        assert values("AL-101") == ["6", "7", "8", "9", "10", "11"]
        assert values("AL-103") == ["6", "7", "8", "9", "10", "11"]
        assert values("KC-101") == ["S", "M", "L"]
        assert values("PK-101") == ["38", "40", "42", "44"]
        assert values("PE-101") == ["Red", "Maroon", "Grey"]
        assert products.get(s, "PE-101").variant_kind == "colour"
        assert values("KS-101") == []  # other products stay plain
        assert products.get(s, "PC-101").stock == 14  # the old count, spread over its sizes
    for sku in ("PC-101", "PC-101/9", "KC-101", "PE-101", "PE-101/RED"):
        assert _agrees(seeded, sku), sku


async def test_staff_count_restock_sell_one_size(staff_env: StaffEnv):
    say = staff_env.say
    assert await say("/stock KC-101/M 20") == "KC-101/M stock 12 → 20."
    assert await say("/restock kc-101/s +2 found") == "KC-101/S stock +2 → 10 (found)."
    reply = await say("/sold KC-101/L 3")
    assert reply is not None and reply.startswith("Sold 3 x KC-101/L") and "stock now 7" in reply
    assert _stock(staff_env.sessions, "KC-101") == 20 + 10 + 7
    assert _agrees(staff_env.sessions, "KC-101")
    assert await say("/undo") is not None
    assert _stock(staff_env.sessions, "KC-101/L") == 10
    assert _agrees(staff_env.sessions, "KC-101")


async def test_staff_changes_of_the_product_with_sizes_are_refused_naming_them(staff_env: StaffEnv):
    before = staff_env.snapshot()
    assert await staff_env.say("/stock PC-101 5", ADMIN_TG) == (
        "PC-101 comes in sizes 7, 8, 9, 10, 11: use /stock PC-101/9 5"
    )
    assert await staff_env.say("/restock KC-101 +2") == (
        "KC-101 comes in sizes S, M, L: use /restock KC-101/M +2"
    )
    assert await staff_env.say("/sold PE-101 1", ADMIN_TG) == (
        "PE-101 comes in colours Red, Maroon, Grey: use /sold PE-101/MAROON 1"
    )
    assert staff_env.snapshot() == before


async def test_price_of_one_size_and_of_all_and_hiding_one(staff_env: StaffEnv):
    say = staff_env.say
    assert await say("/price KC-101/L 380") == "KC-101/L price ₹350 → ₹380."
    assert await say("/price KC-101 400") == "KC-101 price ₹350 → ₹400."
    with staff_env.sessions() as s:
        prices = {c.sku: c.price_minor for c in variants.of(s, products.get(s, "KC-101"))}
    assert prices == {"KC-101/S": 40000, "KC-101/M": 40000, "KC-101/L": 40000}
    await say("/undo")
    with staff_env.sessions() as s:
        prices = {c.sku: c.price_minor for c in variants.of(s, products.get(s, "KC-101"))}
    assert prices == {"KC-101/S": 35000, "KC-101/M": 35000, "KC-101/L": 38000}
    assert await say("/hide KC-101/S") == "KC-101/S is hidden from buyers."
    with staff_env.sessions() as s:
        assert any("not on sale" in p for p in orders.quote(s, [orders.CartLine("KC-101/S", 1)]).problems)


async def test_staff_order_view_names_the_size(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KC-101/M", 2)
    reply = await staff_env.say(f"/order {oid}", KND_TG)
    assert reply is not None and "2 x KC-101/M Himachali Cap (size M) @ ₹350" in reply
    with staff_env.sessions() as s:
        assert s.get(Order, oid).lines[0].variant == "M"


def _import(sessions, text: str, **kw):
    with transaction(sessions) as s:
        return csvio.import_csv(s, text.encode(), actor="test", **kw)


def test_import_a_product_with_sizes_and_export_round_trip(seeded):
    result = _import(
        seeded,
        HEADER + "NK-1,Nahan Kurta,clothing,NHN,900,INR,5,size\n"
        "NK-1/40,Nahan Kurta,clothing,NHN,900,INR,2,\n"
        "NK-1/42,Nahan Kurta,clothing,NHN,950,INR,1,\n"
        "NK-1/RED,Nahan Kurta,clothing,NHN,950,INR,0,\n",
    )
    assert (result.created, result.updated) == (4, 0)
    with seeded() as s:
        parent = products.get(s, "NK-1")
        kids = variants.of(s, parent)
        assert [(c.sku, c.variant, c.price_minor) for c in kids] == [
            ("NK-1/40", "40", 90000), ("NK-1/42", "42", 95000), ("NK-1/RED", "Red", 95000),
        ]  # fmt: skip
        assert parent.variant_kind == "size" and parent.stock == 3  # the sum, not its own 5
        assert stock.ledger_sum(s, parent.id) == 3
        assert not [p for p in products.on_sale(s) if p.sku.startswith("NK-1/")]
        out = io.StringIO()
        csvio.export_csv(s, out)
    exported = out.getvalue()
    lines = [line for line in exported.splitlines() if line.startswith(("NK-1", "PC-101"))]
    assert [line.split(",")[0] for line in lines][:4] == ["NK-1", "NK-1/40", "NK-1/42", "NK-1/RED"]
    assert lines[0].endswith(",size,") and lines[3].endswith(",,Red")
    assert [line.split(",")[0] for line in lines][4] == "PC-101"  # children follow their parent
    again = _import(seeded, exported)
    assert again.skipped == []
    with seeded() as s:
        assert products.get(s, "NK-1").stock == 3
        assert products.get(s, "PC-101").stock == 14
        assert [c.variant for c in variants.of(s, products.get(s, "NK-1"))] == ["40", "42", "Red"]
    for sku in ("NK-1", "PC-101", "PE-101"):
        assert _agrees(seeded, sku), sku


def test_a_size_whose_parent_is_missing_is_a_named_row_error(seeded):
    with pytest.raises(csvio.CsvRejected) as err:
        _import(seeded, HEADER + "NK-9/40,Nahan Kurta,clothing,NHN,900,INR,2,\n")
    [row] = err.value.errors
    assert row.line == 2 and "NK-9/40 is a size or colour of NK-9" in row.reason
    assert "add a row for NK-9 above it" in row.reason
    with seeded() as s:
        assert s.scalar(select(Product).where(Product.sku == "NK-9/40")) is None


def test_a_size_of_a_product_already_in_the_catalog_imports_alone(seeded):
    _import(seeded, HEADER + "KS-102/XL,Kullu Shawl (Pashmina blend),handloom,KND,4500,INR,2,\n")
    with seeded() as s:
        assert [c.sku for c in variants.of(s, products.get(s, "KS-102"))] == ["KS-102/XL"]
        assert products.get(s, "KS-102").stock == 2  # its 5 are now counted by size
    assert _agrees(seeded, "KS-102")


def test_old_files_without_the_new_columns_still_import(seeded):
    result = _import(seeded, "sku,name,category,jail,price,currency,stock\n"
                     "ZX-1,Plain Mat,handloom,KND,300,INR,4\n")  # fmt: skip
    assert result.created == 1


def test_file_import_in_batches_keeps_children_with_their_parent(seeded, tmp_path):
    path = tmp_path / "k.csv"
    rows = [f"NB-{i},Boot {i},leather,AGR,1000,INR,0,size\n"
            + "".join(f"NB-{i}/{n},Boot {i},leather,AGR,1000,INR,1,\n" for n in (7, 8))
            for i in range(5)]  # fmt: skip
    path.write_text(HEADER + "".join(rows))
    csvio.import_file(seeded, path, actor="cli", batch_size=4)
    with seeded() as s:
        for i in range(5):
            parent = products.get(s, f"NB-{i}")
            assert parent.stock == 2 and len(variants.of(s, parent)) == 2
