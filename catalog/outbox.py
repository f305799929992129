"""Notifications written in the same transaction as the change they report (an outbox), so a
rolled-back order never notifies anyone and a committed one always does."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import String, Table, Update, bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from catalog import notices, refs, shipping
from catalog.db import READ_ONLY
from catalog.models import (
    Customer,
    Notification,
    Order,
    Payment,
    Product,
    Role,
    Staff,
    utcnow,
)
from catalog.money import fmt, with_shipping

MAX_ATTEMPTS = 5

# How long staff may /undo a change (catalog.undo). A buyer's "shipped" notice is held a little
# longer (``send_after``), so an undone /ship is never told to the buyer; the margin covers the
# clocks of several machines (the web app that writes it, the one that sends it).
UNDO_WINDOW = timedelta(minutes=10)
SHIPPED_HOLD = UNDO_WINDOW + timedelta(seconds=30)


def to_customer(
    session: Session,
    customer: Customer,
    kind: str,
    text: str,
    send_after: datetime | None = None,
) -> None:
    session.add(Notification(kind=kind, customer_id=customer.id, text=text, send_after=send_after))


def to_jail_staff(session: Session, jail_id: int, kind: str, text: str) -> None:
    """To the jail's staff; a jail with no staff registered yet: to the admins, so an order
    never notifies nobody."""
    members = list(session.scalars(select(Staff).where(Staff.jail_id == jail_id)))
    if not members:
        members = list(session.scalars(select(Staff).where(Staff.role == Role.ADMIN)))
    for member in members:
        session.add(Notification(kind=kind, staff_id=member.id, text=text))


REVIVE_WITHIN = timedelta(days=7)


def revive(session: Session, channel: str, channel_user_id: str) -> int:
    """Give the recipient's undelivered notifications of the last week their attempts back: a
    WhatsApp notice outside the 24-hour window with no template fails until its recipient
    writes again, which opens the window (called when they do). Returns how many."""
    session.flush()
    result = session.connection().execute(
        _REVIVE,
        {"channel": channel, "user_id": channel_user_id, "since": utcnow() - REVIVE_WITHIN},
    )
    return int(result.rowcount or 0)


def _revive_statement() -> Update:
    """``revive``'s statement, built once (it runs each time a buyer writes after a pause)."""
    outbox, staff, customers = (t.__table__ for t in (Notification, Staff, Customer))
    channel, user_id = bindparam("channel", type_=String), bindparam("user_id", type_=String)
    staff_ids = select(staff.c.id).where(
        staff.c.channel == channel, staff.c.channel_user_id == user_id
    )
    customer_ids = select(customers.c.id).where(
        customers.c.channel == channel, customers.c.channel_user_id == user_id
    )
    return (
        update(cast(Table, outbox))
        .where(
            outbox.c.sent_at.is_(None),
            outbox.c.attempts >= MAX_ATTEMPTS,
            outbox.c.created_at > bindparam("since"),
            outbox.c.staff_id.in_(staff_ids) | outbox.c.customer_id.in_(customer_ids),
        )
        .values(attempts=0)
    )


_REVIVE = _revive_statement()


def new_order(session: Session, order: Order) -> None:
    items = ", ".join(f"{line.quantity} x {line.product.sku}" for line in order.lines)
    shipping_fee = order.shipping_minor or shipping.order_fee(order)  # as the summary said
    to_jail_staff(
        session,
        order.jail_id,
        "new_order",
        f"New order {refs.ref(order.id)}: {items}, "
        f"{with_shipping(order.total_minor, shipping_fee, order.currency)}. "
        f"Ship with /ship {refs.ref(order.id)} (a pay-first order once paid: /order shows it)",
    )


def low_stock(session: Session, product: Product, stock_after: int) -> None:
    to_jail_staff(
        session,
        product.jail_id,
        "low_stock",
        f"Low stock: {product.sku} {product.name} has {stock_after} left "
        f"(alert at {product.low_stock_threshold}). Update with /stock {product.sku} N",
    )


def order_shipped(session: Session, order: Order) -> None:
    tracking = notices.text("tracking", order, tracking=order.tracking) if order.tracking else ""
    text = notices.text("shipped", order, id=refs.ref(order.id), tracking=tracking)
    # held for the staff's /undo: an undone /ship deletes it unsent (catalog.undo)
    to_customer(session, order.customer, "shipped", text, send_after=utcnow() + SHIPPED_HOLD)


def shipment_withdrawn(session: Session, order: Order) -> None:
    """A /ship undone after the buyer was told: the buyer is told it has not shipped yet."""
    text = notices.text("shipment_withdrawn", order, id=refs.ref(order.id))
    to_customer(session, order.customer, "shipment_withdrawn", text)


def order_cancelled(session: Session, order: Order) -> None:
    reason = f" ({order.cancel_reason})" if order.cancel_reason else ""
    text = notices.text("cancelled", order, id=refs.ref(order.id), reason=reason)
    to_customer(session, order.customer, "cancelled", text)


def pending(session: Session, limit: int = 50, after_id: int = 0) -> list[Notification]:
    """Unsent notifications after ``after_id``, oldest first, locked on PostgreSQL
    (``FOR UPDATE ... SKIP LOCKED``) until the caller's transaction ends, so two senders split
    the work: rows another transaction holds are skipped, not waited for. A notification held
    (``send_after`` still ahead: a "shipped" within the /undo window) is not pending yet.

    Recipients load in separate queries: PostgreSQL refuses ``FOR UPDATE`` on the nullable side
    of the outer joins that the relationships' joined loading would add.
    """
    stmt = (
        select(Notification)
        .options(selectinload(Notification.customer), selectinload(Notification.staff))
        .where(
            Notification.sent_at.is_(None),
            Notification.attempts < MAX_ATTEMPTS,
            Notification.id > after_id,
            Notification.send_after.is_(None) | (Notification.send_after <= utcnow()),
        )
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(of=Notification, skip_locked=True)
    )
    return list(session.scalars(stmt))


def locks_rows(session: Session) -> bool:
    """Whether a claim locks its row (PostgreSQL); SQLite has no row locks."""
    return session.get_bind().dialect.name == "postgresql"


def claim_next(session: Session, after_id: int = 0) -> Notification | None:
    """The oldest pending notification after ``after_id``; call it first in a fresh session.

    On PostgreSQL the row stays locked until the caller ends the transaction: the sender keeps
    it open while it sends and marks the row in it, so another process's ``pending`` skips the
    row even without a shared store. On SQLite the claim is a plain read that does not take the
    database's single write lock (holding that during a send would stall every writer); the
    caller ends it with ``release_read`` before marking the row.
    """
    if not locks_rows(session):
        session.connection(execution_options={READ_ONLY: True})
    found = pending(session, limit=1, after_id=after_id)
    return found[0] if found else None


def release_read(session: Session) -> None:
    """End a SQLite claim's read so the mark that follows begins a short write transaction; on
    PostgreSQL nothing: the row lock must outlive the send."""
    if not locks_rows(session):
        session.rollback()


def mark_sent(session: Session, note_id: int, at: datetime | None = None) -> None:
    session.execute(
        update(Notification).where(Notification.id == note_id).values(sent_at=at or utcnow())
    )


def mark_failed(session: Session, note_id: int) -> None:
    """One more failed attempt; after ``MAX_ATTEMPTS`` the notification is no longer pending."""
    session.execute(
        update(Notification)
        .where(Notification.id == note_id)
        .values(attempts=Notification.attempts + 1)
    )


def handoff_prefix(customer_id: int) -> str:
    return f"Buyer #{customer_id} asks for a person: "


def _handoff_staff(session: Session) -> list[Staff]:
    """Who hears from a buyer who asked for a person: the admins, or with none all staff."""
    # Staff are read here, not through catalog.staff, which sits above the outbox.
    members = list(session.scalars(select(Staff).order_by(Staff.jail_id, Staff.channel, Staff.id)))
    admins = [m for m in members if m.role == Role.ADMIN]
    return admins or members


def _latest_order(session: Session, customer: Customer) -> str:
    """ "latest order KG-0002 shipped", or "" for a buyer with no order."""
    order = session.scalar(
        select(Order).where(Order.customer_id == customer.id).order_by(Order.id.desc()).limit(1)
    )
    return f"latest order {refs.ref(order.id)} {order.status}" if order is not None else ""


def handoff(session: Session, customer: Customer, text: str, before: str | None = None) -> int:
    """Forward a buyer's message to the admins (or, with none, to all staff); returns how many.
    The notice says how to answer (``/reply``); whoever it went to may answer (``was_told``).
    ``before``: the buyer's message before this one (what the trouble is, when the words
    asking for a person do not say), shown with their latest order's ref and status."""
    context = [f'before that: "{before[:300]}"'] if before else []
    context += [c for c in (_latest_order(session, customer),) if c]
    told = f" ({'; '.join(context)})" if context else ""
    note = (
        f"{handoff_prefix(customer.id)}{text[:500]}{told} "
        f"Answer with /reply #{customer.id} your message"
    )
    members = _handoff_staff(session)
    for member in members:
        session.add(Notification(kind="handoff", staff_id=member.id, text=note))
    return len(members)


def relay(session: Session, customer: Customer, text: str) -> int:
    """A buyer's message while a person is talking to them (``bot/core/relay.py``), to those
    a handoff goes to; returns how many."""
    note = f"Buyer #{customer.id}: {text[:1000]} Answer with /reply #{customer.id} your message"
    members = _handoff_staff(session)
    for member in members:
        session.add(Notification(kind="relay", staff_id=member.id, text=note))
    return len(members)


def was_told(session: Session, member: Staff, customer_id: int) -> bool:
    """Whether a handoff from this buyer went to this staff member."""
    found = session.scalar(
        select(Notification.id)
        .where(
            Notification.kind == "handoff",
            Notification.staff_id == member.id,
            Notification.text.startswith(handoff_prefix(customer_id), autoescape=True),
        )
        .limit(1)
    )
    return found is not None


def staff_reply(session: Session, customer: Customer, text: str) -> None:
    """A staff member's answer to a buyer, sent like any other buyer notice."""
    to_customer(
        session, customer, "staff_reply", notices.to_buyer("staff_reply", customer, text=text)
    )


def buyer_cancelled(session: Session, order: Order) -> None:
    """Tell the jail's staff a buyer cancelled an order (as they are told of a new one); one
    paid says so and how to refund it: "Buyer cancelled order KG-0012, paid ₹1,030: refund
    with /refund KG-0012."."""
    reason = order.cancel_reason or ""
    why = f" ({reason})" if reason and reason != BUYER_CANCEL_REASON else ""
    due = list(
        session.scalars(
            select(Payment).where(Payment.order_id == order.id, Payment.refund_due.is_(True))
        )
    )
    text = f"Buyer cancelled order {refs.ref(order.id)}{why}"
    if due:
        paid = fmt(sum(p.amount_minor for p in due), due[0].currency)
        text += f", paid {paid}: refund with /refund {refs.ref(order.id)}"
    to_jail_staff(session, order.jail_id, "buyer_cancelled", text + ".")


BUYER_CANCEL_REASON = "cancelled by the buyer"


# Payments (catalog/payments.py): receipts, "order X paid", alerts, reminders, refunds.

METHOD_NAMES = {
    "payment_link": "payment link",
    "upi_qr": "UPI",
    "telegram_invoice": "card on Telegram",
    "manual": "transfer",
    "cod": "cash on delivery",
}


def payment_receipt(
    session: Session, order: Order, amount_minor: int, method: str, reference: str | None
) -> None:
    """The buyer's receipt: order, amount, method and the payment's reference."""
    ref = notices.text("ref", order, ref=reference) if reference else ""
    how, amount = notices.method(method, order), notices.amount(order, amount_minor)
    text = notices.text("receipt", order, id=refs.ref(order.id), amount=amount, how=how, ref=ref)
    to_customer(session, order.customer, "payment_receipt", text)


def payment_withdrawn(session: Session, order: Order) -> None:
    """A staff /paid undone after its receipt went out: the buyer is told it no longer holds."""
    text = notices.text("payment_withdrawn", order, id=refs.ref(order.id))
    to_customer(session, order.customer, "payment_withdrawn", text)


def order_paid(
    session: Session, order: Order, amount_minor: int, method: str, reference: str | None
) -> None:
    """Tell the jail's staff an order is paid and can be packed."""
    ref = f", ref {reference}" if reference else ""
    how = METHOD_NAMES.get(method, method)
    to_jail_staff(
        session,
        order.jail_id,
        "order_paid",
        f"Order {refs.ref(order.id)} paid: {fmt(amount_minor, order.currency)} by {how}{ref}. "
        f"Ship with /ship {refs.ref(order.id)}",
    )


def payment_alert(session: Session, order: Order, text: str) -> None:
    """Something about a payment a person must look at (mismatch, late payment, a UTR)."""
    to_jail_staff(session, order.jail_id, "payment_alert", f"Order {refs.ref(order.id)}: {text}")


def payment_reminder(session: Session, order: Order, amount_minor: int, url: str | None) -> None:
    """The one reminder before an unpaid online order is cancelled."""
    link = f" {url}" if url else ""
    amount = notices.amount(order, amount_minor)
    text = notices.text("reminder", order, id=refs.ref(order.id), amount=amount, link=link)
    to_customer(session, order.customer, "payment_reminder", text)


def payment_refund_due(session: Session, order: Order, amount_minor: int) -> None:
    """The buyer paid for an order that was already cancelled: the money goes back."""
    amount = notices.amount(order, amount_minor)
    text = notices.text("refund_due", order, id=refs.ref(order.id), amount=amount)
    to_customer(session, order.customer, "refund_due", text)


def payment_refunded(session: Session, order: Order, amount_minor: int) -> None:
    amount = notices.amount(order, amount_minor)
    text = notices.text("refunded", order, id=refs.ref(order.id), amount=amount)
    to_customer(session, order.customer, "refunded", text)


def payment_link(session: Session, order: Order, amount_minor: int, url: str) -> None:
    """The buyer's payment link, written in the transaction that attaches it to the payment."""
    amount = notices.amount(order, amount_minor)
    text = notices.text("payment_link", order, id=refs.ref(order.id), amount=amount, url=url)
    to_customer(session, order.customer, "payment_link", text)
