"""Turnover split by payment: what was paid, what is still owed, and what must go back.

Paid means money recorded (``paid_at``), an order marked paid by hand, or a delivered cash
order; goods and shipping both count, in the order's currency.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from catalog.models import Order, OrderStatus, Payment
from catalog.reports import Period


@dataclass(frozen=True)
class PaymentTurnover:
    currency: str
    paid_minor: int
    unpaid_minor: int
    refund_due_minor: int


def by_payment(session: Session, p: Period, jail_id: int | None = None) -> list[PaymentTurnover]:
    """One row per currency for orders placed in the period (cancelled ones only as refunds due)."""
    amount = Order.total_minor + Order.shipping_minor
    is_paid = or_(
        Order.paid_at.is_not(None),
        Order.status == OrderStatus.PAID,
        and_(Order.status == OrderStatus.DELIVERED, Order.payment_method.in_(("cod", "offline"))),
    )
    live = Order.status != OrderStatus.CANCELLED
    conditions = [Order.created_at >= p.start, Order.created_at < p.end]
    if jail_id is not None:
        conditions.append(Order.jail_id == jail_id)
    stmt = (
        select(
            Order.currency,
            func.coalesce(func.sum(case((and_(live, is_paid), amount), else_=0)), 0),
            func.coalesce(func.sum(case((and_(live, ~is_paid), amount), else_=0)), 0),
        )
        .where(*conditions)
        .group_by(Order.currency)
        .order_by(Order.currency)
    )
    refund_stmt = (
        select(Payment.currency, func.sum(Payment.amount_minor))
        .join(Order, Order.id == Payment.order_id)
        .where(Payment.refund_due.is_(True), *conditions)
        .group_by(Payment.currency)
    )
    refunds = {cur: total for cur, total in session.execute(refund_stmt).tuples()}
    rows = [
        PaymentTurnover(cur, int(paid), int(unpaid), int(refunds.pop(cur, 0) or 0))
        for cur, paid, unpaid in session.execute(stmt).tuples()
    ]
    rows += [PaymentTurnover(cur, 0, 0, int(v or 0)) for cur, v in refunds.items()]
    return rows
