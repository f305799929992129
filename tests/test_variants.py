"""Sizes and colours (issue 12): children of a product with their own stock; the parent's stock
is their sum; orders take a child, never the parent; buyers' words pick one. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog import orders, products, search, stock, variants
from catalog.db import transaction
from catalog.errors import InvalidInput, OutOfStock
from catalog.models import Order, Product
from catalog.orders import CartLine, Delivery

LAHORE = Delivery("Bilal", "+923001234567", "House 12, Gulberg III, Lahore", "54660", "Pakistan")


def _make_sizes(sessions: sessionmaker[Session], sku: str = "PK-102",
                sizes: dict[str, int] | None = None, kind: str = "size") -> None:  # fmt: skip
    with transaction(sessions) as s:
        if variants.of(s, products.get(s, sku)):
            return  # the seed gave it sizes already
        for value, count in (sizes or {"40": 3, "38": 2, "42": 1}).items():  # fmt: skip
            products.add_variant(s, sku, value, actor="test", stock_count=count, kind=kind)


def _state(sessions: sessionmaker[Session], sku: str) -> tuple[int, int, int]:
    """(stock, ledger sum, children's sum) of a product."""
    with sessions() as s:
        p = products.get(s, sku)
        return p.stock, stock.ledger_sum(s, p.id), sum(c.stock for c in variants.of(s, p))


def test_children_carry_the_stock_and_the_parent_is_their_sum(seeded):
    _make_sizes(seeded, "PK-102", {"40": 3, "38": 2, "42": 1})
    with seeded() as s:
        parent = products.get(s, "PK-102")
        children = variants.of(s, parent)
        assert [c.sku for c in children] == ["PK-102/38", "PK-102/40", "PK-102/42"]  # by size
        assert [c.name for c in children] == [parent.name] * 3
        assert {c.currency for c in children} == {"PKR"}
        assert children[0].price_minor == parent.price_minor
        assert parent.variant_kind == "size"
    assert _state(seeded, "PK-102") == (6, 6, 6)  # what it had counted went to its sizes
    for sku in ("PK-102/38", "PK-102/40", "PK-102/42"):
        st, ledger, _ = _state(seeded, sku)
        assert st == ledger


def test_an_order_takes_a_child_and_its_parent_follows(seeded):
    _make_sizes(seeded)
    [oid] = orders.place_once(seeded, "wa-b", [CartLine("PK-102/40", 2)], LAHORE,
                              idempotency_key="v1")  # fmt: skip
    assert _state(seeded, "PK-102/40")[:2] == (1, 1)
    assert _state(seeded, "PK-102") == (4, 4, 4)
    with seeded() as s:
        order = s.get(Order, oid)
        [line] = order.lines
        assert (line.product.sku, line.quantity, line.variant) == ("PK-102/40", 2, "40")
        orders.cancel(s, order, reason="changed mind", actor="staff:1")
        s.commit()
    assert _state(seeded, "PK-102") == (6, 6, 6)


def test_the_parent_itself_cannot_be_ordered_counted_or_sold(seeded):
    _make_sizes(seeded)
    with pytest.raises(variants.HasVariants, match=r"PK-102 comes in sizes 38, 40, 42"):
        orders.place_once(seeded, "wa-b", [CartLine("PK-102", 1)], LAHORE, idempotency_key="p")
    with seeded() as s:
        quote = orders.quote(s, [CartLine("PK-102", 1)])
        assert any("sizes 38, 40, 42" in p for p in quote.problems)
    for change in (
        lambda s: stock.set_stock(s, "PK-102", 5, reason="count", actor="t"),
        lambda s: stock.adjust_sku(s, "PK-102", 2, reason="found", actor="t"),
        lambda s: orders.record_offline_sale(s, "PK-102", 1, actor="t"),
    ):
        with pytest.raises(variants.HasVariants), transaction(seeded) as s:
            change(s)
    assert _state(seeded, "PK-102") == (6, 6, 6)


def test_staff_counts_of_a_child_move_the_parent(seeded):
    _make_sizes(seeded)
    with transaction(seeded) as s:
        assert stock.set_stock(s, "PK-102/38", 7, reason="count", actor="t") == (2, 7)
        assert stock.adjust_sku(s, "PK-102/42", -1, reason="damaged", actor="t") == 0
    assert _state(seeded, "PK-102") == (10, 10, 10)
    with pytest.raises(OutOfStock), transaction(seeded) as s:
        stock.adjust_sku(s, "PK-102/42", -1, reason="damaged", actor="t")
    assert _state(seeded, "PK-102") == (10, 10, 10)


def test_an_order_of_two_sizes_and_a_plain_product_is_all_or_nothing(seeded):
    _make_sizes(seeded)
    lines = [CartLine("PK-102/42", 1), CartLine("PK-102/38", 3), CartLine("PL-101", 1)]
    with pytest.raises(OutOfStock):
        orders.place_once(seeded, "wa-b", lines, LAHORE, idempotency_key="x")
    assert _state(seeded, "PK-102") == (6, 6, 6)
    lines[1] = CartLine("PK-102/38", 2)
    orders.place_once(seeded, "wa-b", lines, LAHORE, idempotency_key="y")
    assert _state(seeded, "PK-102") == (3, 3, 3)


def test_search_and_browse_show_the_parent_only(seeded):
    _make_sizes(seeded)
    with seeded() as s:
        found = search.search(s, "shalwar kameez", limit=10).products
        assert "PK-102" in [p.sku for p in found]
        assert not [p for p in found if p.parent_id is not None]
        browsed = search.search(s, "", search.SearchFilters(category="clothing"), limit=50)
        assert not [p for p in browsed.products if "/" in p.sku]
        assert all(p.parent_id is None for p in products.on_sale(s))


def test_a_sold_out_parent_is_in_stock_again_when_one_size_is(seeded):
    _make_sizes(seeded, sizes={"40": 1})
    orders.place_once(seeded, "wa-b", [CartLine("PK-102/40", 1)], LAHORE, idempotency_key="a")
    with seeded() as s:
        found = search.search(s, "shalwar", search.SearchFilters(in_stock=True), limit=10)
        assert "PK-102" not in [p.sku for p in found.products]
    with transaction(seeded) as s:
        stock.adjust_sku(s, "PK-102/40", 2, reason="made", actor="t")
    with seeded() as s:
        found = search.search(s, "shalwar", search.SearchFilters(in_stock=True), limit=10)
        assert "PK-102" in [p.sku for p in found.products]


def test_skus_with_a_variant_are_accepted_and_bad_ones_named(seeded):
    assert products.check_sku("pc-101/9") == "PC-101/9"
    assert products.check_sku("KS-101/red") == "KS-101/RED"
    for bad in ("PC-101/", "PC-101//9", "/9", "PC-101/9/1", "A" * 30 + "/XL"):
        with pytest.raises(InvalidInput):
            products.check_sku(bad)
    with pytest.raises(InvalidInput, match="not in the catalog"), transaction(seeded) as s:
        products.add_variant(s, "PK-102", "40", actor="t")
        products.upsert(s, products.ProductData("ZZ-1/9", "x", "clothing", "PSW", 100, "PKR"),
                        products.jail_by_code(s, "PSW"), actor="t")  # fmt: skip


def _children(values: dict[str, str | None]) -> list[Product]:
    return [Product(id=i, sku=f"P/{v}", variant=v) for i, v in enumerate(values)]


SIZES = _children({"7": None, "8": None, "9": None, "10": None, "11": None})
COLOURS = _children({"Red": None, "Maroon": None, "Grey": None})


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("9", "9"),
        ("9 number", "9"),
        ("size 10", "10"),
        ("sz 11", "11"),
        ("11 size", "11"),
        ("नंबर 9", "9"),
        ("۹ نمبر", "9"),  # Urdu digits
        ("٨", "8"),  # Arabic-Indic digits
        ("mujhe ek peshawari chappal chahiye 9 number", "9"),
        ("9 wala", "9"),
        ("size 12", None),
        ("hello", None),
    ],
)
def test_a_size_is_read_from_the_buyers_words(text: str, want: str | None):
    found = variants.match(SIZES, text)
    assert (found.variant if found else None) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("red", "Red"),
        ("laal wala", "Red"),
        ("लाल", "Red"),
        ("سرخ", "Red"),
        ("maroon please", "Maroon"),
        ("mehroon", "Maroon"),
        ("grey wala dikhao", "Grey"),
        ("सलेटी", "Grey"),
        ("kala", None),  # no black one
    ],
)
def test_a_colour_is_read_in_four_languages(text: str, want: str | None):
    found = variants.match(COLOURS, text)
    assert (found.variant if found else None) == want


def test_a_bare_number_is_a_size_only_when_asked():
    assert variants.match(SIZES, "9", bare=False) is None
    assert variants.asked("mujhe 2 chappal chahiye") is None
    assert variants.asked("size 12") == "12"


def test_children_of_a_new_product_copy_it_and_price_may_differ(seeded):
    with transaction(seeded) as s:
        big = products.add_variant(s, "AL-102", "44", actor="t", stock_count=2, price_minor=55000)
        assert (big.sku, big.name, big.price_minor, big.jail.code) == (
            "AL-102/44", "Leather Belt", 55000, "AGR",
        )  # fmt: skip
    with seeded() as s:
        assert s.scalar(select(Product.stock).where(Product.sku == "AL-102")) == 2


def test_concurrent_orders_of_sizes_and_restocks_never_deadlock_or_oversell(seeded):
    """Threads order different sizes of one product (and a plain one) while staff restock and
    count sizes: no deadlock error, no negative stock, the ledger sums, parent == sum."""
    import threading

    _make_sizes(seeded, sizes={"38": 6, "40": 6, "42": 6})
    errors: list[BaseException] = []
    placed: list[int] = []
    sizes = ["PK-102/38", "PK-102/40", "PK-102/42"]

    def buyer(n: int) -> None:
        lines = [CartLine(sizes[n % 3], 1), CartLine(sizes[(n + 1) % 3], 1), CartLine("PL-101", 1)]
        if n % 2:
            lines.reverse()
        try:
            placed.extend(orders.place_once(seeded, f"wa-{n}", lines, LAHORE,
                                            idempotency_key=f"c{n}"))  # fmt: skip
        except OutOfStock:
            pass
        except BaseException as exc:  # noqa: BLE001 - a deadlock or anything else fails the test
            errors.append(exc)

    def staff(n: int) -> None:
        try:
            with transaction(seeded) as s:
                if n % 2:
                    stock.adjust_sku(s, sizes[n % 3], 1, reason="made", actor="t")
                else:
                    stock.set_stock(s, sizes[(n + 2) % 3], 3, reason="count", actor="t")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(12)]
    threads += [threading.Thread(target=staff, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert placed
    total, ledger, children = _state(seeded, "PK-102")
    assert total == ledger == children >= 0
    for sku in sizes:
        st, led, _ = _state(seeded, sku)
        assert st == led >= 0
    with seeded() as s:
        assert all(o.lines for o in s.scalars(select(Order)))
