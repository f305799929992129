"""Stock: never negative, the ledger always agrees, even with many concurrent buyers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from catalog import orders, products, stock
from catalog.db import make_engine, make_sessionmaker, transaction
from catalog.errors import InvalidInput, OutOfStock
from catalog.models import Order
from catalog.orders import CartLine, Delivery

HOME = Delivery("B", "+919800000000", "1 Road", "110001")


def test_set_stock_writes_delta_to_ledger(seeded):
    with transaction(seeded) as s:
        assert stock.set_stock(s, "ks-101", 25, reason="count", actor="staff:1") == (12, 25)
    with seeded() as s:
        p = products.get(s, "KS-101")
        assert p.stock == 25 == stock.ledger_sum(s, p.id)


def test_stock_cannot_go_negative(seeded):
    with pytest.raises(InvalidInput), transaction(seeded) as s:
        stock.set_stock(s, "KS-101", -1, reason="count", actor="x")
    with pytest.raises(OutOfStock), transaction(seeded) as s:
        stock.adjust_sku(s, "KS-101", -13, reason="damaged", actor="x")


def test_low_stock_alert_when_a_sale_crosses_the_threshold(seeded):
    from catalog import staff
    from catalog.models import Notification

    with transaction(seeded) as s:
        staff.add(s, "whatsapp", "+919811111111", role="staff", jail_code="KND")
    orders.place_once(seeded, "b", [CartLine("KS-101", 9)], HOME, idempotency_key="a")  # 12 -> 3
    orders.place_once(seeded, "b", [CartLine("KS-101", 1)], HOME, idempotency_key="b")  # 3 -> 2
    with seeded() as s:
        alerts = s.scalars(select(Notification).where(Notification.kind == "low_stock")).all()
    assert len(alerts) == 1 and "KS-101" in alerts[0].text


def _race(url: str, buyers: int, **engine_kwargs) -> tuple[int, list[str]]:
    """``buyers`` threads, each with its own engine and connection, buy 1 of KS-102 at once."""
    barrier = threading.Barrier(buyers)
    sold, errors = [], []

    def buy(i: int) -> None:
        engine = make_engine(url, **engine_kwargs)
        factory = make_sessionmaker(engine)
        barrier.wait()
        try:
            orders.place_once(factory, f"b{i}", [CartLine("KS-102", 1)], HOME,
                              idempotency_key=f"race-{i}")
            sold.append(i)
        except OutOfStock:
            pass
        except Exception as exc:  # noqa: BLE001 - any other failure is a test failure
            errors.append(repr(exc))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(sold), errors


@pytest.mark.parametrize("buyers", [60])
def test_sixty_concurrent_buyers_of_five_units(seeded, engine, buyers):
    """KS-102 has 5 units: exactly 5 sell, and stock, ledger and orders agree."""
    url = engine.url.render_as_string(hide_password=False)
    kwargs = {}
    if engine.dialect.name == "postgresql":
        kwargs["connect_args"] = {"options": _search_path(engine)}
    sold, errors = _race(url, buyers, **kwargs)
    assert errors == []
    assert sold == 5
    with seeded() as s:
        p = products.get(s, "KS-102")
        assert p.stock == 0 == stock.ledger_sum(s, p.id)
        assert s.scalar(select(func.count()).select_from(Order)) == 5


def _search_path(engine) -> str:
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("SHOW search_path").scalar()
    return f"-csearch_path={schema}"
