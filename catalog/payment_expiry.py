"""Unpaid online orders: one reminder, then cancellation with the stock back through the ledger.

The buyer is reminded halfway through the payment window and always keeps at least half the
window after a reminder, so a job that was down never cancels right after reminding. Each
order is handled under its row lock (``SKIP LOCKED`` on PostgreSQL: another process, or a
payment being confirmed right now, has it), and its state is checked again under the lock, so
a late payment and the expiry never both take effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import orders, outbox
from catalog.models import Order, OrderStatus, Payment, PaymentStatus
from catalog.payment_methods import ONLINE
from catalog.payments import DEFAULT_TIMEOUT, PROVIDER_OF, amount_due, aware

ACTOR = "system:payments"
REASON = "not paid in time"


@dataclass(frozen=True)
class GatewayCancel:
    """An open link to cancel at the gateway, after the caller commits."""

    provider: str
    external_id: str
    order_id: int


@dataclass
class ExpiryResult:
    reminded: list[int] = field(default_factory=list)  # order ids
    cancelled: list[int] = field(default_factory=list)
    gateway_cancels: list[GatewayCancel] = field(default_factory=list)


def expire_due(
    session: Session, now: datetime, timeout: timedelta = DEFAULT_TIMEOUT, *, limit: int = 100
) -> ExpiryResult:
    """Remind or cancel the unpaid online orders whose time has come; the caller commits."""
    half = timeout / 2
    result = ExpiryResult()
    candidates = session.scalars(
        select(Order.id)
        .where(
            Order.status == OrderStatus.PLACED,
            Order.paid_at.is_(None),
            Order.payment_method.in_(ONLINE),
            Order.payment_due_at <= now + half,
        )
        .order_by(Order.payment_due_at)
        .limit(limit)
    ).all()
    for order_id in candidates:
        order = session.scalar(
            select(Order)
            .where(Order.id == order_id)
            .with_for_update(of=Order, skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if order is None or order.status != OrderStatus.PLACED or order.paid_at is not None:
            continue  # locked by a payment or another process, or settled meanwhile
        attempts = list(session.scalars(select(Payment).where(Payment.order_id == order.id)))
        if any(p.status == PaymentStatus.CLAIMED for p in attempts):
            continue  # the buyer sent a UTR: staff decide, not the clock
        assert order.payment_due_at is not None
        due = aware(order.payment_due_at)
        if order.reminded_at is None:
            order.reminded_at = now
            url = next((p.url for p in reversed(attempts) if p.url), None)
            outbox.payment_reminder(session, order, amount_due(order), url)
            result.reminded.append(order.id)
        elif now >= max(due, aware(order.reminded_at) + half):
            _cancel(session, order, attempts, result)
    session.flush()
    return result


def _cancel(session: Session, order: Order, attempts: list[Payment], result: ExpiryResult) -> None:
    orders.cancel(session, order, reason=REASON, actor=ACTOR)
    for payment in attempts:
        if payment.status != PaymentStatus.PENDING:
            continue
        payment.status = PaymentStatus.CANCELLED
        if payment.provider == PROVIDER_OF["payment_link"] and payment.external_id:
            result.gateway_cancels.append(
                GatewayCancel(payment.provider, payment.external_id, order.id)
            )
    result.cancelled.append(order.id)
