"""Unpaid online orders are reminded once, then cancelled with their stock back through the
ledger; a late payment racing the expiry ends in exactly one outcome."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select

from catalog import payment_expiry, payments
from catalog.db import transaction
from catalog.models import Order, Payment, StockMove, utcnow
from tests.payments_support import LAHORE, SHIPPING, add_staff, notes, place, start, stock_of

PRICE = 240_000
HOUR = timedelta(hours=1)


def _expire(sessions, now) -> payment_expiry.ExpiryResult:  # type: ignore[no-untyped-def]
    with transaction(sessions) as s:
        return payment_expiry.expire_due(s, now, timedelta(hours=24))


def test_expiry_reminds_once_then_cancels_and_returns_stock_through_the_ledger(seeded):
    order_id = place(seeded, "KS-101", 2)
    start(seeded, order_id, external_id="plink_X", started_ago=13 * HOUR)
    assert stock_of(seeded, "KS-101") == (10, 10)
    now = utcnow()
    first = _expire(seeded, now)
    assert (first.reminded, first.cancelled) == ([order_id], [])
    assert _expire(seeded, now).reminded == []  # once
    assert _expire(seeded, now + 11 * HOUR).cancelled == []  # the deadline has not come
    late = _expire(seeded, now + 12 * HOUR)
    assert late.cancelled == [order_id]
    assert late.gateway_cancels == [payment_expiry.GatewayCancel("razorpay", "plink_X", order_id)]
    assert stock_of(seeded, "KS-101") == (12, 12)
    with seeded() as s:
        order = s.get(Order, order_id)
        assert (order.status, order.cancel_reason) == ("cancelled", "not paid in time")
        returned = s.scalars(
            select(StockMove.delta).where(
                StockMove.order_id == order_id, StockMove.reason == "order cancelled"
            )
        ).all()
        assert returned == [2]
        assert s.scalar(select(Payment.status).where(Payment.order_id == order_id)) == "cancelled"
    reminders = notes(seeded, "payment_reminder")
    assert len(reminders) == 1 and "https://rzp.example/x" in reminders[0].text
    assert len(notes(seeded, "cancelled")) == 1
    assert _expire(seeded, now + 48 * HOUR).cancelled == []


def test_a_reminder_sent_late_still_leaves_the_buyer_half_the_window(seeded):
    order_id = place(seeded)
    start(seeded, order_id, external_id="plink_L", started_ago=30 * HOUR)  # job was down
    now = utcnow()
    assert _expire(seeded, now).reminded == [order_id]
    assert _expire(seeded, now + 11 * HOUR).cancelled == []
    assert _expire(seeded, now + 12 * HOUR).cancelled == [order_id]


def test_expiry_leaves_cash_transfers_and_orders_with_a_utr_to_staff(seeded):
    cod = place(seeded)
    start(seeded, cod, method="cod", started_ago=48 * HOUR)
    manual = place(seeded, "PC-101/9", to=LAHORE)
    claimed = place(seeded)
    start(seeded, claimed, method="upi_qr", started_ago=48 * HOUR)
    with transaction(seeded) as s:
        payments.record_utr(s, s.get(Order, claimed), "123456789012")
    now = utcnow()
    assert _expire(seeded, now) == payment_expiry.ExpiryResult()
    assert _expire(seeded, now + 48 * HOUR) == payment_expiry.ExpiryResult()
    with seeded() as s:
        assert {s.get(Order, i).status for i in (cod, manual, claimed)} == {"placed"}


def test_expiry_and_late_payments_at_the_same_moment_end_in_exactly_one_outcome(seeded):
    add_staff(seeded)
    ids = [place(seeded) for _ in range(8)]
    for n, order_id in enumerate(ids):
        start(seeded, order_id, external_id=f"plink_race{n}", started_ago=25 * HOUR)
    now = utcnow()
    assert len(_expire(seeded, now).reminded) == 8
    barrier = threading.Barrier(len(ids) + 1)

    def pay(n: int) -> str:
        barrier.wait()
        with transaction(seeded) as s:
            return payments.confirm_paid(
                s, "razorpay", f"plink_race{n}", PRICE + SHIPPING, "INR",
                event_id=f"evt_race{n}", charge_id=f"pay_race{n}",
            ).result  # fmt: skip

    def expire() -> list[int]:
        barrier.wait()
        return _expire(seeded, now + 13 * HOUR).cancelled

    with ThreadPoolExecutor(len(ids) + 1) as pool:
        expiring = pool.submit(expire)
        outcomes = list(pool.map(pay, range(len(ids))))
        cancelled = expiring.result()
    assert set(outcomes) <= {"paid", "refund_due"}
    with seeded() as s:
        for n, order_id in enumerate(ids):
            order = s.get(Order, order_id)
            payment = s.scalar(select(Payment).where(Payment.order_id == order_id))
            assert payment.status == "paid"  # the money is never lost
            if outcomes[n] == "paid":
                assert order.status == "paid" and not payment.refund_due
                assert order_id not in cancelled
            else:
                assert order.status == "cancelled" and order.paid_at is None
                assert payment.refund_due and order_id in cancelled
    paid = outcomes.count("paid")
    assert stock_of(seeded, "KS-101") == (12 - paid, 12 - paid)
    assert len(notes(seeded, "payment_receipt")) == paid
    assert len(notes(seeded, "refund_due")) == len(ids) - paid
