"""Helpers of the payment tests: a placed order with jail staff to alert, and what was sent."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import payments, products, stock
from catalog import staff as staffing
from catalog.db import transaction
from catalog.models import Notification, Order, Payment, utcnow
from catalog.orders import CartLine, Delivery, place_once

HOME = Delivery("A Buyer", "+919811111111", "1 Mall Road, Shimla", "171001")
LAHORE = Delivery("A Buyer", "+923001234567", "12 Mall Road, Lahore", "54000", "Pakistan")
SHIPPING = 8_000  # ₹80, the seeded fee of an Indian jail within India (catalog/shipping.py)
KND_STAFF = "1001"
_keys = itertools.count()


def add_staff(sessions: sessionmaker[Session], jail: str = "KND", uid: str = KND_STAFF) -> None:
    with transaction(sessions) as s:
        staffing.add(s, "telegram", uid, role="staff", jail_code=jail)


def place(
    sessions: sessionmaker[Session], sku: str = "KS-101", quantity: int = 1, to: Delivery = HOME
) -> int:
    """A placed order of one jail, its stock taken; returns its id."""
    key = f"pay-test-{next(_keys)}"
    return place_once(sessions, f"tg-{key}", [CartLine(sku, quantity)], to, idempotency_key=key)[0]


def start(
    sessions: sessionmaker[Session],
    order_id: int,
    method: str = "payment_link",
    external_id: str | None = None,
    started_ago: timedelta = timedelta(0),
) -> Payment:
    with transaction(sessions) as s:
        order = s.get(Order, order_id)
        assert order is not None
        return payments.start(
            s, order, method, external_id=external_id, url="https://rzp.example/x",
            shipping_minor=SHIPPING, now=utcnow() - started_ago,
        )  # fmt: skip


def notes(sessions: sessionmaker[Session], kind: str) -> list[Notification]:
    with sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == kind)))


def stock_of(sessions: sessionmaker[Session], sku: str) -> tuple[int, int]:
    """(stock, sum of its ledger): equal whenever the ledger is honest."""
    with sessions() as s:
        product = products.get(s, sku)
        return product.stock, stock.ledger_sum(s, product.id)


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0
