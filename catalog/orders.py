"""Carts and orders: pricing, atomic placement, the status lifecycle, cancellation.

An order is placed in one transaction: every line takes its units with a conditional
decrement, and any line that cannot is the end of the whole order. A checkout with goods
from several jails becomes one order per jail, since each jail packs and ships its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit, customers, outbox, shipping, stock, variants
from catalog.db import transaction
from catalog.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from catalog.models import (
    Customer,
    IdempotencyKey,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    Product,
)
from catalog.refs import ref
from catalog.skus import get, normalize_sku

MAX_LINE_QUANTITY = 100
MAX_ORDER_ID = 2**31 - 1  # order ids are PostgreSQL int4: a larger one cannot exist

TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PLACED: {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: set(),
    OrderStatus.CANCELLED: set(),
}


@dataclass(frozen=True)
class CartLine:
    sku: str
    quantity: int
    variant: str | None = None


@dataclass(frozen=True)
class QuoteLine:
    product: Product
    quantity: int
    variant: str | None
    subtotal_minor: int


@dataclass
class Quote:
    lines: list[QuoteLine] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # currency -> minor units
    problems: list[str] = field(default_factory=list)  # what stops a checkout, for the buyer


@dataclass(frozen=True)
class Delivery:
    name: str
    phone: str
    address: str
    postal_code: str
    country: str = "India"


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidInput(f"a quantity must be between 1 and {MAX_LINE_QUANTITY}")


def check_delivery(delivery: Delivery) -> None:
    """Delivery details to store: plain text only."""
    for what, value in vars(delivery).items():
        stock.check_text(value, f"the {what.replace('_', ' ')}")


def quote(session: Session, lines: list[CartLine]) -> Quote:
    """Price a cart with today's prices and say what would stop it being ordered."""
    result = Quote()
    for line in merge(lines):
        try:
            product = get(session, line.sku)
        except NotFound:
            result.problems.append(f"{normalize_sku(line.sku)} is no longer in the catalog")
            continue
        children = variants.of(session, product)
        if children:
            result.problems.append(
                f"{product.name}: which one? it comes in {variants.summary(product, children)}"
            )
        elif not product.active or (product.parent is not None and not product.parent.active):
            result.problems.append(f"{product.name} is not on sale at the moment")
        elif product.stock < line.quantity and product.lead_time_days == 0:
            result.problems.append(f"only {product.stock} of {product.name} left")
        subtotal = product.price_minor * line.quantity
        result.lines.append(QuoteLine(product, line.quantity, line.variant, subtotal))
        result.totals[product.currency] = result.totals.get(product.currency, 0) + subtotal
    return result


def merge(lines: list[CartLine]) -> list[CartLine]:
    """One line per (SKU, variant), quantities added."""
    merged: dict[tuple[str, str | None], int] = defaultdict(int)
    for line in lines:
        merged[(normalize_sku(line.sku), line.variant)] += line.quantity
    return [CartLine(sku, q, v) for (sku, v), q in merged.items()]


def place(
    session: Session,
    customer: Customer,
    lines: list[CartLine],
    delivery: Delivery,
    *,
    idempotency_key: str,
    payment_method: str = "cod",
) -> list[Order]:
    """Place a checkout atomically; the same key again returns the same orders and takes nothing.

    Run it in a transaction of its own, which the caller owns: on OutOfStock, on any refusal
    and on DuplicateRequest the caller rolls everything back (``catalog.db.transaction`` does).
    """
    done = session.get(IdempotencyKey, idempotency_key)
    if done is not None:
        return [_get(session, oid) for oid in done.result["orders"]]
    check_delivery(delivery)
    destination = shipping.country_code(delivery.country)
    if destination is None:
        raise InvalidInput(f"we do not know the country {delivery.country!r}")
    by_jail = _by_jail(session, merge(lines), destination)
    actor = f"customer:{customer.id}"
    orders = [
        _order_of_jail(session, customer, jail_id, items, delivery, payment_method, actor)
        for jail_id, items in sorted(by_jail.items())
    ]
    session.flush()
    for order in orders:
        outbox.new_order(session, order)
    _remember(session, idempotency_key, orders)
    return orders


def _by_jail(
    session: Session, merged: list[CartLine], destination: str
) -> dict[int, list[tuple[Product, CartLine]]]:
    """The cart's products by jail, each checked: on sale, a sane quantity, can reach the buyer."""
    if not merged:
        raise InvalidInput("the cart is empty")
    by_jail: dict[int, list[tuple[Product, CartLine]]] = defaultdict(list)
    for line in merged:
        _check_quantity(line.quantity)
        product = get(session, line.sku)
        variants.refuse_parent(session, product)  # only one size or colour can be ordered
        if not product.active or (product.parent is not None and not product.parent.active):
            raise InvalidInput(f"{product.name} is not on sale at the moment")
        reach = shipping.can_reach(product, destination)
        if not reach.ok:  # the chat refuses earlier, with the buyer's words; this is the rule
            raise InvalidInput(reach.explain())
        by_jail[product.jail_id].append((product, line))
    return by_jail


def _order_of_jail(
    session: Session,
    customer: Customer,
    jail_id: int,
    items: list[tuple[Product, CartLine]],
    delivery: Delivery,
    payment_method: str,
    actor: str,
) -> Order:
    """One jail's order: its lines, its total, and the units taken from stock (made-to-order
    goods, with a lead time, take none)."""
    order = Order(
        customer_id=customer.id,
        jail_id=jail_id,
        currency=items[0][0].currency,
        total_minor=0,
        payment_method=payment_method,
        ship_name=delivery.name,
        ship_phone=delivery.phone,
        ship_address=delivery.address,
        ship_postal_code=delivery.postal_code,
        ship_country=delivery.country,
    )
    session.add(order)
    session.flush()
    # Lock rows in one global order so two checkouts never wait on each other in a circle: by
    # product group (a size's parent is locked first, by ``stock.adjust``), then by SKU.
    for product, line in sorted(items, key=lambda item: lock_order(item[0])):
        if product.lead_time_days == 0:
            stock.adjust(
                session, product.id, -line.quantity, reason="order", actor=actor,
                order_id=order.id,
            )  # fmt: skip
        order.lines.append(
            OrderLine(
                product_id=product.id,
                quantity=line.quantity,
                unit_price_minor=product.price_minor,
                variant=line.variant or product.variant,
            )
        )
        order.total_minor += product.price_minor * line.quantity
    return order


def lock_order(product: Product) -> tuple[str, str]:
    """Where a product's row comes in the one order rows are locked in: its group (the
    parent's SKU for a size or colour, else its own), then its SKU."""
    group = variants.split_sku(product.sku)[0] if product.parent_id is not None else product.sku
    return group, product.sku


def _remember(session: Session, idempotency_key: str, orders: list[Order]) -> None:
    """Record the key with the orders it placed; DuplicateRequest when a twin request
    committed the same key first (the caller rolls back and reads theirs)."""
    try:
        with session.begin_nested():
            session.add(
                IdempotencyKey(
                    key=idempotency_key, kind="order", result={"orders": [o.id for o in orders]}
                )
            )
    except IntegrityError:
        raise DuplicateRequest(idempotency_key) from None


class DuplicateRequest(Exception):
    """The same idempotency key committed meanwhile; retry to read the first result."""


def place_once(
    factory: sessionmaker[Session],
    customer_sid: str,
    lines: list[CartLine],
    delivery: Delivery,
    *,
    idempotency_key: str,
    payment_method: str = "cod",
) -> list[int]:
    """Place in a transaction of its own, retrying once if a twin request won the race (the
    retry needs a fresh transaction, so this one entry point owns its units of work).

    Returns the order ids.
    """
    for _ in range(2):
        try:
            with transaction(factory) as session:
                customer = customers.by_sender(session, customer_sid)
                orders = place(
                    session,
                    customer,
                    lines,
                    delivery,
                    idempotency_key=idempotency_key,
                    payment_method=payment_method,
                )
                return [o.id for o in orders]
        except DuplicateRequest:
            continue
    raise DuplicateRequest(idempotency_key)


def _get(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id) if 1 <= order_id <= MAX_ORDER_ID else None
    if order is None:
        raise NotFound(f"no order {order_id}")
    return order


def get_order(
    session: Session, order_id: int, *, customer: Customer | None = None, jail_id: int | None = None
) -> Order:
    """An order, refusing anyone but its buyer or its jail's staff when they are given."""
    order = _get(session, order_id)
    if customer is not None and order.customer_id != customer.id:
        raise NotFound(f"no order {order_id}")  # don't confirm other people's orders exist
    if jail_id is not None and order.jail_id != jail_id:
        raise Forbidden(f"order {order_id} belongs to another jail")
    return order


def for_customer(session: Session, customer: Customer, limit: int = 5) -> list[Order]:
    stmt = (
        select(Order).where(Order.customer_id == customer.id).order_by(Order.id.desc()).limit(limit)
    )
    return list(session.scalars(stmt))


def for_jail(
    session: Session,
    jail_id: int | None,
    status: str | None = None,
    limit: int = 20,
    placed: tuple[datetime, datetime] | None = None,
) -> list[Order]:
    """The newest orders of a jail (every jail for None), of one status, placed in
    ``placed`` (start, exclusive end) when given."""
    stmt = select(Order).order_by(Order.id.desc()).limit(limit)
    if jail_id is not None:
        stmt = stmt.where(Order.jail_id == jail_id)
    if placed is not None:
        stmt = stmt.where(Order.created_at >= placed[0], Order.created_at < placed[1])
    if status:
        if status not in TRANSITIONS:
            raise InvalidInput(f"unknown status {status!r}; one of: {', '.join(TRANSITIONS)}")
        stmt = stmt.where(Order.status == status)
    return list(session.scalars(stmt))


def _move(
    session: Session,
    order: Order,
    status: str,
    *,
    actor: str,
    channel: str | None,
    reason: str | None = None,
    extra: dict | None = None,
) -> Order:
    if status not in TRANSITIONS[order.status]:
        raise InvalidTransition(
            f"order {ref(order.id)} is {order.status}; it cannot become {status}"
        )
    before = {"status": order.status, "tracking": order.tracking}
    order.status = status
    for key, value in (extra or {}).items():
        setattr(order, key, value)
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action=status,
        entity="order",
        entity_id=order.id,
        before=before,
        after={"status": status, "tracking": order.tracking},
        reason=reason,
    )
    session.flush()
    return order


def mark_paid(session: Session, order: Order, *, actor: str, channel: str | None = None) -> Order:
    return _move(session, order, OrderStatus.PAID, actor=actor, channel=channel)


def mark_shipped(
    session: Session,
    order: Order,
    *,
    actor: str,
    tracking: str | None = None,
    channel: str | None = None,
) -> Order:
    stock.check_text(tracking, "the tracking number")
    _move(
        session,
        order,
        OrderStatus.SHIPPED,
        actor=actor,
        channel=channel,
        extra={"tracking": tracking},
    )
    outbox.order_shipped(session, order)
    return order


def mark_delivered(
    session: Session, order: Order, *, actor: str, channel: str | None = None
) -> Order:
    return _move(session, order, OrderStatus.DELIVERED, actor=actor, channel=channel)


BUYER_CANCEL_REASON = outbox.BUYER_CANCEL_REASON  # a buyer's own cancel in the chat


def cancel(
    session: Session, order: Order, *, reason: str, actor: str, channel: str | None = None
) -> Order:
    """Cancel before shipping and return every unit taken to stock.

    An order already paid has its payment flagged ``refund_due`` (see ``refund_due``).
    """
    stock.check_text(reason)
    _move(
        session,
        order,
        OrderStatus.CANCELLED,
        actor=actor,
        channel=channel,
        reason=reason,
        extra={"cancel_reason": reason},
    )
    for line in order.lines:
        if line.product.lead_time_days == 0:
            stock.adjust(
                session,
                line.product_id,
                line.quantity,
                reason="order cancelled",
                actor=actor,
                order_id=order.id,
            )
    for payment in session.scalars(
        select(Payment).where(Payment.order_id == order.id, Payment.status == PaymentStatus.PAID)
    ):
        payment.refund_due = True
    session.flush()
    if actor.startswith("customer:"):  # the buyer sees it in the chat; the jail is told
        outbox.buyer_cancelled(session, order)
    else:
        outbox.order_cancelled(session, order)
    return order


def refund_due(session: Session, order: Order) -> bool:
    """Whether money paid for the order waits to go back (``/refund``)."""
    return (
        session.scalar(
            select(Payment.id)
            .where(Payment.order_id == order.id, Payment.refund_due.is_(True))
            .limit(1)
        )
        is not None
    )


def record_offline_sale(
    session: Session, sku: str, quantity: int, *, actor: str, channel: str | None = None
) -> Order:
    """A sale at a store or a fair: an order delivered on the spot, so reports count it."""
    from catalog import customers

    _check_quantity(quantity)
    product = get(session, sku)
    variants.refuse_parent(session, product)
    walk_in = customers.by_sender(session, "offline-sales", channel="offline")
    order = Order(
        customer_id=walk_in.id,
        jail_id=product.jail_id,
        currency=product.currency,
        total_minor=product.price_minor * quantity,
        payment_method="offline",
        status=OrderStatus.DELIVERED,
    )
    session.add(order)
    session.flush()
    stock.adjust(
        session, product.id, -quantity, reason="sold offline", actor=actor, order_id=order.id
    )
    order.lines.append(
        OrderLine(
            product_id=product.id,
            quantity=quantity,
            unit_price_minor=product.price_minor,
            variant=product.variant,
        )
    )
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="sold",
        entity="order",
        entity_id=order.id,
        before=None,
        after={"sku": product.sku, "quantity": quantity},
        reason="sold offline",
    )
    session.flush()
    return order
