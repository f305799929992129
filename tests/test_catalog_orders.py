"""Orders: atomic placement, idempotency, cancellation, the status lifecycle."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog import customers, orders, products, stock
from catalog.db import transaction
from catalog.errors import InvalidInput, InvalidTransition, NotFound, OutOfStock
from catalog.models import Notification, Order, StockMove
from catalog.orders import CartLine, Delivery

HOME = Delivery("Asha", "+919812345678", "12 Mall Road, Shimla", "171001")


def _stock(sessions, sku: str) -> int:
    with sessions() as s:
        return products.get(s, sku).stock


def test_order_takes_stock_and_writes_ledger(seeded):
    ids = orders.place_once(seeded, "tg-buyer", [CartLine("KS-101", 2)], HOME, idempotency_key="k1")
    assert _stock(seeded, "KS-101") == 10
    with seeded() as s:
        order = s.get(Order, ids[0])
        assert order.total_minor == 2 * 240000
        assert order.status == "placed"
        product = products.get(s, "KS-101")
        assert stock.ledger_sum(s, product.id) == product.stock == 10


def test_same_idempotency_key_gives_same_order(seeded):
    first = orders.place_once(seeded, "tg-b", [CartLine("KS-101", 1)], HOME, idempotency_key="dup")
    second = orders.place_once(seeded, "tg-b", [CartLine("KS-101", 1)], HOME, idempotency_key="dup")
    assert first == second
    assert _stock(seeded, "KS-101") == 11


def test_order_is_all_or_nothing(seeded):
    lines = [CartLine("KS-101", 1), CartLine("BC-101", 6)]  # BC-101 has 5 in stock
    with pytest.raises(OutOfStock) as err:
        orders.place_once(seeded, "tg-b", lines, HOME, idempotency_key="x")
    assert err.value.available == 5
    assert _stock(seeded, "KS-101") == 12
    with seeded() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0
        assert s.scalar(select(func.count()).select_from(Notification)) == 0


def test_checkout_across_jails_makes_one_order_per_jail(seeded):
    abroad = Delivery("Imran", "+447700900123", "14 Green Lane, Leicester", "LE21AB", "United Kingdom")
    ids = orders.place_once(seeded, "tg-b", [CartLine("KS-101", 1), CartLine("PC-101/9", 1)],
                            abroad, idempotency_key="two")
    with seeded() as s:
        placed = [s.get(Order, i) for i in ids]
        assert sorted(o.jail.code for o in placed) == ["KND", "PSW"]
        assert {o.currency for o in placed} == {"INR", "PKR"}


def test_goods_that_cannot_reach_the_address_are_refused_and_nothing_is_taken(seeded):
    before = _stock(seeded, "PC-101/9")
    with pytest.raises(InvalidInput, match="India"):  # Peshawar to Shimla: never
        orders.place_once(seeded, "tg-b", [CartLine("KS-101", 1), CartLine("PC-101/9", 1)],
                          HOME, idempotency_key="blocked")
    with pytest.raises(InvalidInput, match="country"):
        orders.place_once(seeded, "tg-b", [CartLine("KS-101", 1)],
                          Delivery("A", "+919812345678", "x", "171001", "Narnia"), idempotency_key="n")
    assert _stock(seeded, "PC-101/9") == before


def test_cancel_returns_stock_and_refuses_after_shipping(seeded):
    ids = orders.place_once(seeded, "tg-b", [CartLine("EP-101", 3)], HOME, idempotency_key="c")
    with transaction(seeded) as s:
        orders.cancel(s, s.get(Order, ids[0]), reason="changed mind", actor="customer:1")
    assert _stock(seeded, "EP-101") == 30
    ids = orders.place_once(seeded, "tg-b", [CartLine("EP-101", 1)], HOME, idempotency_key="d")
    with transaction(seeded) as s:
        order = s.get(Order, ids[0])
        orders.mark_shipped(s, order, actor="staff:1", tracking="EM123")
    with pytest.raises(InvalidTransition), transaction(seeded) as s:
        orders.cancel(s, s.get(Order, ids[0]), reason="late", actor="staff:1")


def test_shipping_notifies_buyer_and_new_order_notifies_jail_staff(seeded):
    from catalog import staff

    with transaction(seeded) as s:
        staff.add(s, "telegram", "555", role="staff", jail_code="KND")
    ids = orders.place_once(seeded, "tg-b", [CartLine("KS-101", 1)], HOME, idempotency_key="n")
    with transaction(seeded) as s:
        orders.mark_shipped(s, s.get(Order, ids[0]), actor="staff:1", tracking="EM9")
        kinds = sorted(n.kind for n in s.scalars(select(Notification)))
    assert kinds == ["new_order", "shipped"]


def test_buyer_cannot_read_another_buyers_order(seeded):
    ids = orders.place_once(seeded, "tg-a", [CartLine("KS-101", 1)], HOME, idempotency_key="o")
    with seeded() as s:
        other = customers.by_sender(s, "tg-other")
        with pytest.raises(NotFound):
            orders.get_order(s, ids[0], customer=other)


def test_quantity_must_be_sensible(seeded):
    with pytest.raises(InvalidInput):
        orders.place_once(seeded, "tg-b", [CartLine("KS-101", 0)], HOME, idempotency_key="q")


def test_quote_prices_cart_and_names_problems(seeded):
    with seeded() as s:
        q = orders.quote(s, [CartLine("KS-101", 1), CartLine("ks-101", 1), CartLine("BC-101", 9)])
    assert q.totals == {"INR": 2 * 240000 + 9 * 650000}
    assert q.problems == ["only 5 of Bhadohi Hand-knotted Carpet (4x6 ft) left"]


def test_offline_sale_counts_in_reports_and_ledger(seeded):
    from catalog import reports

    with transaction(seeded) as s:
        orders.record_offline_sale(s, "KC-101/M", 4, actor="staff:1")
    with seeded() as s:
        rows = reports.by_product(s, reports.period("month"))
        assert [(r.key, r.units, r.turnover_minor) for r in rows] == [("KC-101/M", 4, 4 * 35000)]
        jail = reports.by_jail(s, reports.period("today"))
        assert jail[0].wage_minor == 4 * 35000 * 33 // 100
        moves = s.scalars(select(StockMove).where(StockMove.reason == "sold offline")).all()
        assert [m.delta for m in moves] == [-4, -4]  # the size and its parent (their sum)


def test_the_new_order_notice_says_what_the_buyer_pays(seeded):
    """Staff see the amount the buyer was told, shipping included, as /orders shows it."""
    from catalog import shipping, staff

    with transaction(seeded) as s:
        staff.add(s, "telegram", "556", role="staff", jail_code="KND")
    ids = orders.place_once(seeded, "tg-c", [CartLine("KS-101", 1)], HOME, idempotency_key="p")
    with seeded() as s:
        order = s.get(Order, ids[0])
        notice = s.scalars(select(Notification).where(Notification.kind == "new_order")).one()
        fee = shipping.order_fee(order)  # charged when the buyer picks how to pay
        assert fee > 0
        goods, ship = order.total_minor // 100, fee // 100
        assert f"(₹{goods:,} + ₹{ship:,} shipping)" in notice.text, notice.text
        assert "a pay-first order once paid" in notice.text
