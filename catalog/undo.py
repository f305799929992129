"""/undo: reverse a staff member's last change within ten minutes, using the audit log.

Stock is given back or taken back with the conditional adjust (never below zero), with the
product row locked and never across a later count or change of the same stock; price,
visibility, photo and exchange rates are restored; order status moves are reverted only where
nobody outside has been affected yet, or where the buyer can be told (a /paid whose receipt went
out, a /ship whose notice went out despite its hold: a correction follows). Staff undo only what belongs to the jail they work for
now; admins anything. Whatever can't be undone says so and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from catalog import audit, outbox, products, staff, stock
from catalog.errors import CatalogError, OutOfStock
from catalog.models import (
    AuditEntry,
    ExchangeRate,
    Notification,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Staff,
    utcnow,
)
from catalog.money import fmt
from catalog.refs import ref

WINDOW = outbox.UNDO_WINDOW  # ten minutes; a buyer's "shipped" is held a little longer


class CannotUndo(CatalogError):
    """The last change can't be reversed (too old, changed since, or irreversible)."""


def last_change(session: Session, actor: str) -> AuditEntry | None:
    """The actor's newest change that is not itself an undo and not undone yet (locked)."""
    stmt = (
        select(AuditEntry)
        .where(
            AuditEntry.actor == actor,
            AuditEntry.undone.is_(False),
            AuditEntry.action != "undo",
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
        .with_for_update()
    )
    return session.scalar(stmt)


def undo_last(
    session: Session, member: Staff, *, channel: str | None = None, now: datetime | None = None
) -> str:
    """Reverse ``member``'s last change; returns what was done, raises CannotUndo otherwise.

    The member's row is read again, locked, so the jail checked is the one they work for now.
    """
    session.refresh(member, ["role", "jail_id"], with_for_update=True)
    actor = staff.actor(member)
    entry = last_change(session, actor)
    if entry is None:
        raise CannotUndo("there is nothing of yours to undo")
    age = (now or utcnow()) - _aware(entry.at)
    if age > WINDOW:
        minutes = int(age.total_seconds() // 60)
        raise CannotUndo(
            f"your last change ({entry.action} {entry.entity_id}) was {minutes} minutes ago; "
            "only the last 10 minutes can be undone"
        )
    reverse = _REVERSERS.get(entry.action)
    if reverse is None:
        raise CannotUndo(f"a {entry.action} change can't be undone from chat")
    _check_scope(session, entry, staff.scope(member))
    done = reverse(session, entry, actor)
    entry.undone = True
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="undo",
        entity=entry.entity,
        entity_id=entry.entity_id,
        before=entry.after,
        after=entry.before,
        reason=f"undo of change {entry.id}",
    )
    return done


def _check_scope(session: Session, entry: AuditEntry, jail_id: int | None) -> None:
    """Staff undo only what belongs to their current jail; admins (``None``) anything."""
    if jail_id is None:
        return
    if entry.entity == "product":
        owner = session.scalar(select(Product.jail_id).where(Product.sku == entry.entity_id))
        what = entry.entity_id
    elif entry.entity == "order" and entry.entity_id.isdecimal():
        owner = session.scalar(select(Order.jail_id).where(Order.id == int(entry.entity_id)))
        what = f"order {ref(int(entry.entity_id))}"
    else:  # exchange rates and anything else shared by all jails: admins only
        raise CannotUndo(f"only an admin may undo a {entry.action} change")
    if owner != jail_id:
        raise CannotUndo(f"{what} belongs to another jail than yours now")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _stock(session: Session, entry: AuditEntry, actor: str) -> str:
    """Reverse a count or a change, never across a later count or change of the same stock
    by anyone. A count also stands once anything else (an order) moved the stock; a change
    (+3) still reverses across orders, since it adds the same to whatever they left."""
    before, after = entry.before or {}, entry.after or {}
    delta = before.get("stock", 0) - after.get("stock", 0)
    product = products.get(session, entry.entity_id)
    if delta == 0:
        return f"{product.sku} stock had not changed; nothing to reverse"
    product_id, now = stock.lock(session, product.sku)  # later changes wait for this undo
    counted = "change" not in after
    if _changed_since(session, entry) or (counted and now != after.get("stock")):
        raise CannotUndo(
            f"{product.sku} stock was changed again since your change (now {now}); "
            "count it and set it with /stock"
        )
    try:
        now = stock.adjust(session, product_id, delta, reason="undo", actor=actor)
    except OutOfStock as exc:
        raise CannotUndo(
            f"{product.sku} has only {exc.available} left now; can't take back {-delta}"
        ) from None
    return f"{product.sku} {stock_moved(delta, now, before.get('stock'))}"


def stock_moved(delta: int, now: int, was: int | None = None) -> str:
    """The change in words, never a signed number ("back by -3"): "stock down by 3, back to
    12", or "now 11" when orders moved it meanwhile."""
    where = "back to" if now == was else "now"
    return f"stock {'up' if delta > 0 else 'down'} by {abs(delta)}, {where} {now}"


def _changed_since(session: Session, entry: AuditEntry) -> bool:
    """Whether anyone counted or changed this product's stock (staff, an import) after ``entry``."""
    later = session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.action == "stock",
            AuditEntry.entity == "product",
            AuditEntry.entity_id == entry.entity_id,
            AuditEntry.id > entry.id,
        )
        .limit(1)
    )
    return later is not None


def _price(session: Session, entry: AuditEntry, actor: str) -> str:
    product = products.get(session, entry.entity_id)
    if product.price_minor != (entry.after or {}).get("price_minor"):
        raise CannotUndo(f"the price of {product.sku} was changed again since")
    product.price_minor = (entry.before or {})["price_minor"]
    for sku, price in ((entry.before or {}).get("children") or {}).items():
        products.get(session, sku).price_minor = price  # its sizes or colours, as they were
    return f"{product.sku} price back to {fmt(product.price_minor, product.currency)}"


def _active(session: Session, entry: AuditEntry, actor: str) -> str:
    product = products.get(session, entry.entity_id)
    product.active = bool((entry.before or {}).get("active"))
    return f"{product.sku} is {'on sale' if product.active else 'hidden'} again"


def _photo(session: Session, entry: AuditEntry, actor: str) -> str:
    product = products.get(session, entry.entity_id)
    product.photo = (entry.before or {}).get("photo")
    return f"{product.sku} photo restored" if product.photo else f"{product.sku} photo removed"


def _create(session: Session, entry: AuditEntry, actor: str) -> str:
    product = products.get(session, entry.entity_id)
    if session.scalar(select(OrderLine.id).where(OrderLine.product_id == product.id).limit(1)):
        raise CannotUndo(f"{product.sku} has been ordered already; hide it with /hide")
    session.refresh(product, ["stock"])
    if product.stock:
        stock.adjust(session, product.id, -product.stock, reason="undo new product", actor=actor)
    product.active = False
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.entity == "product", AuditEntry.entity_id == product.sku)
        .where(AuditEntry.actor == actor, AuditEntry.id != entry.id)
        .values(undone=True)
        .execution_options(synchronize_session=False)
    )
    return f"new product {product.sku} taken off sale, stock 0"


def _order(session: Session, entry: AuditEntry, status: str) -> Order:
    order = session.get(Order, int(entry.entity_id), with_for_update={"of": Order})
    if order is None or order.status != status:
        now = "gone" if order is None else order.status
        raise CannotUndo(f"order {ref(int(entry.entity_id))} is {now} now")
    return order


def _sold(session: Session, entry: AuditEntry, actor: str) -> str:
    order = _order(session, entry, OrderStatus.DELIVERED)
    if order.payment_method != "offline":
        raise CannotUndo(f"order {ref(order.id)} is not an offline sale")
    for line in order.lines:
        after = stock.adjust(
            session,
            line.product_id,
            line.quantity,
            reason="undo sold",
            actor=actor,
            order_id=order.id,
        )
    order.status = OrderStatus.CANCELLED
    order.cancel_reason = "undone by staff"
    line = order.lines[0]
    return f"sale of {line.quantity} x {line.product.sku} removed; stock now {after}"


def _paid(session: Session, entry: AuditEntry, actor: str) -> str:
    order = _order(session, entry, OrderStatus.PAID)
    order.status = (entry.before or {}).get("status", OrderStatus.PLACED)
    return f"order {ref(order.id)} back to {order.status}"


def _shipped(session: Session, entry: AuditEntry, actor: str) -> str:
    """Back to where it was. The buyer's "shipped" is held in the outbox for longer than the
    undo window (``outbox.SHIPPED_HOLD``), so it is deleted unsent; should it have gone out
    all the same (a clock far off, a notice sent by an older version), the buyer is sent a
    correction and the reply says so."""
    order = _order(session, entry, OrderStatus.SHIPPED)
    shipped = (
        Notification.kind == "shipped",
        Notification.customer_id == order.customer_id,
        Notification.text.contains(f" {ref(order.id)} "),  # the shipped notice names it
    )
    # Locked, waited for: a sender holding the row is sending it; once it has, it is no
    # longer unsent (PostgreSQL reads the row again), and the buyer gets the correction.
    held = session.scalar(
        select(Notification.id).where(*shipped, Notification.sent_at.is_(None)).with_for_update()
    )
    told = held is None and session.scalar(select(Notification.id).where(*shipped).limit(1))
    if held is not None:
        session.execute(delete(Notification).where(Notification.id == held))
    order.status = (entry.before or {}).get("status", OrderStatus.PLACED)
    order.tracking = (entry.before or {}).get("tracking")
    done = f"order {ref(order.id)} back to {order.status}"
    if held is not None:
        return f"{done}; the buyer's message was held back"
    if told:
        outbox.shipment_withdrawn(session, order)
        return f"{done}; the buyer had already been told it shipped, so they are sent a correction"
    return done


def _cancelled(session: Session, entry: AuditEntry, actor: str) -> str:
    raise CannotUndo(
        f"order {ref(int(entry.entity_id))} stays cancelled: its units are back on sale and the buyer was told"
    )


def _rate(session: Session, entry: AuditEntry, actor: str) -> str:
    base, currency = entry.entity_id.split("-", 1)
    row = session.get(ExchangeRate, (base, currency))
    before = (entry.before or {}).get("rate")
    if row is not None and before is None:
        session.delete(row)
        return f"{base}->{currency} rate removed"
    if before is None:
        return f"{base}->{currency} rate already gone"
    if row is None:
        row = ExchangeRate(base=base, currency=currency, rate=Decimal(before))
        session.add(row)
    row.rate = Decimal(before)
    return f"{base}->{currency} rate back to {before}"


_REVERSERS: dict[str, Callable[[Session, AuditEntry, str], str]] = {
    "stock": _stock,
    "price": _price,
    "hide": _active,
    "show": _active,
    "photo": _photo,
    "create": _create,
    "sold": _sold,
    "paid": _paid,
    "shipped": _shipped,
    "cancelled": _cancelled,
    "rate": _rate,
}
