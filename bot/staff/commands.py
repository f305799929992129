"""Staff commands that need only the database: each runs in one transaction and answers in
one short line (lists a few lines). Domain rules live in ``catalog``; here we parse,
authorize and format."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session, sessionmaker

from bot.staff.parse import (
    ADMIN_ONLY,
    ALIASES,
    USAGE,
    Command,
    UsageError,
    amount,
    confirmed,
    count,
    is_order,
    need,
    order_id,
    quantity,
    signed,
)
from catalog import (
    admin,
    audit,
    orders,
    outbox,
    payment_report,
    payments,
    phones,
    products,
    reports,
    stock,
    undo,
    variants,
)
from catalog import staff as staffing
from catalog.db import transaction
from catalog.errors import (
    CatalogError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
)
from catalog.models import (
    Customer,
    Notification,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Product,
    Role,
    Staff,
)
from catalog.money import fmt, with_shipping
from catalog.refs import parse_ref, ref

MAX_LIST = 10
NO_JAIL = "You have no jail on record; ask an admin to register you again."
GATEWAY = payments.PROVIDER_OF["payment_link"]  # payments refunded through the gateway's API
T = TypeVar("T")


class Reject(Exception):
    """A refusal whose text is the whole reply; the transaction rolls back."""


@dataclass
class Ctx:
    session: Session
    member: Staff
    channel: str
    private: bool = True  # a one-to-one chat: only there may a reply show a buyer's details

    @property
    def actor(self) -> str:
        return staffing.actor(self.member)

    @property
    def scope(self) -> int | None:
        return staffing.scope(self.member)


def product_for(ctx: Ctx, sku: str) -> Product:
    """The product if it is this member's to touch; otherwise a refusal with close SKUs."""
    sku = products.normalize_sku(sku)
    try:
        product = products.get(ctx.session, sku)
    except NotFound:
        product = None
    if product is not None and ctx.scope in (None, product.jail_id):
        return product
    close = products.closest_skus(ctx.session, sku, jail_id=ctx.scope)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    if product is not None:  # another jail's: say so, rather than "no product"
        raise Reject(f"{product.sku} belongs to another jail; nothing changed.{hint}")
    where = "" if ctx.scope is None else " in your jail"
    raise Reject(f"No product {sku}{where}.{hint}")


def order_for(ctx: Ctx, text: str) -> Order:
    """The order if it is this member's jail's; otherwise a refusal."""
    oid = order_id(text)
    try:
        return orders.get_order(ctx.session, oid, jail_id=ctx.scope)
    except NotFound:
        raise Reject(f"No order {text.lstrip('#')[:24]}.") from None
    except Forbidden:
        raise Reject(f"Order {ref(oid)} belongs to another jail; nothing changed.") from None


def one_size(ctx: Ctx, product: Product, cmd: Command) -> None:
    """Refuse a change that applies to one size or colour when asked of the product that has
    them, naming them: "PC-101 comes in sizes 7, 8, 9, 10, 11: use /stock PC-101/9 5"."""
    children = variants.of(ctx.session, product)
    if children:
        example = children[len(children) // 2].sku
        rest = " ".join(cmd.args[1:])
        raise Reject(
            f"{product.sku} comes in {variants.summary(product, children)}: "
            f"use /{cmd.name} {example} {rest}".rstrip()
        )


# A change this far from the value now is more often a typo (a dropped or extra digit) than
# meant: it is not applied until the command is sent again ending in "yes".
PRICE_FACTOR = 3  # a price below a third, or above three times, the price now
STOCK_FACTOR, STOCK_FLOOR = 10, 100  # a count above ten times the count now, and above 100


def confirm_hint(cmd: Command, what: str) -> Reject:
    args = " ".join(cmd.args)
    return Reject(f"{what}; nothing changed. If that is right, send /{cmd.name} {args} yes")


def times(big: int, small: int) -> str:
    """How many times ``small`` ``big`` is: "10", "3.5"."""
    return f"{big / small:.1f}".removesuffix(".0")


def cmd_stock(ctx: Ctx, cmd: Command) -> str:
    cmd, sure = confirmed(cmd)
    need(cmd, 2, "a SKU and the count")
    if re.fullmatch(r"\+\d+", cmd.args[1]):  # "+5": more of it, not a count of 5
        raise UsageError(
            f"/stock sets the count; to add {cmd.args[1][1:]}, send "
            f"/restock {cmd.args[0].upper()} {cmd.args[1]}. Nothing changed"
        )
    n = count(cmd.args[1])
    admin.check_stock(n)
    product = product_for(ctx, cmd.args[0])
    one_size(ctx, product, cmd)
    now = product.stock
    if not sure and n > STOCK_FLOOR and n > STOCK_FACTOR * now:
        raise confirm_hint(
            cmd, f"{product.sku} stock {now} → {n} is more than {STOCK_FACTOR} times the count now"
        )
    before, after = stock.set_stock(
        ctx.session, product.sku, n, reason="count", actor=ctx.actor, channel=ctx.channel
    )
    return f"{product.sku} stock {before} → {after}."


def cmd_restock(ctx: Ctx, cmd: Command) -> str:
    """A change of the stock; one that would leave more than ten times the count now (and
    over 100) asks first, as /stock does: "+500" for "+5" is the same slip of a finger."""
    cmd, sure = confirmed(cmd)
    need(cmd, 2, "a SKU and a change like +5 or -2")
    delta = signed(cmd.args[1])
    reason = " ".join(cmd.args[2:])[:200] or ("restock" if delta > 0 else "removed")
    product = product_for(ctx, cmd.args[0])
    one_size(ctx, product, cmd)
    now, after = product.stock, product.stock + delta
    if not sure and STOCK_FLOOR < after <= stock.MAX_STOCK and after > STOCK_FACTOR * now:
        raise confirm_hint(
            cmd,
            f"{product.sku} stock {now} {delta:+d} → {after} is more than {STOCK_FACTOR} times "
            "the count now",
        )
    try:
        after = stock.adjust_sku(
            ctx.session, product.sku, delta, reason=reason, actor=ctx.actor, channel=ctx.channel
        )
    except OutOfStock as exc:
        raise Reject(
            f"{product.sku} has only {exc.available}; stock cannot go below zero."
        ) from None
    except InvalidInput as exc:  # past MAX_STOCK: the reply names the allowed range
        raise Reject(f"{sentence(exc)}; nothing changed.") from None
    return f"{product.sku} stock {delta:+d} → {after} ({reason})."


def cmd_price(ctx: Ctx, cmd: Command) -> str:
    cmd, sure = confirmed(cmd)
    need(cmd, 2, "a SKU and the price")
    price = amount(" ".join(cmd.args[1:]))
    products.check_price(price)
    product = product_for(ctx, cmd.args[0])
    before = product.price_minor
    cur = product.currency
    change = f"{product.sku} price {fmt(before, cur)} → {fmt(price, cur)}"
    if not sure and before > 0 and price * PRICE_FACTOR < before:
        cut = (before - price) * 100 // before  # rounded down: never "a 100% cut"
        raise confirm_hint(cmd, f"{change} is a {cut}% cut")
    if not sure and before > 0 and price > PRICE_FACTOR * before:
        raise confirm_hint(cmd, f"{change} is {times(price, before)} times the current price")
    products.set_price(ctx.session, product.sku, price, actor=ctx.actor, channel=ctx.channel)
    return f"{change}."


def cmd_sold(ctx: Ctx, cmd: Command) -> str:
    need(cmd, 2, "a SKU and how many were sold")
    n = quantity(cmd.args[1])
    product = product_for(ctx, cmd.args[0])
    one_size(ctx, product, cmd)
    try:
        order = orders.record_offline_sale(
            ctx.session, product.sku, n, actor=ctx.actor, channel=ctx.channel
        )
    except OutOfStock as exc:
        raise Reject(f"Only {exc.available} of {product.sku} in stock; nothing recorded.") from None
    ctx.session.refresh(product, ["stock"])
    total = fmt(order.total_minor, order.currency)
    return f"Sold {n} x {product.sku} ({total}); stock now {product.stock}."


def _visibility(ctx: Ctx, cmd: Command, active: bool) -> str:
    need(cmd, 1, "a SKU")
    product = product_for(ctx, cmd.args[0])
    products.set_active(ctx.session, product.sku, active, actor=ctx.actor, channel=ctx.channel)
    return f"{product.sku} is {'on sale again' if active else 'hidden from buyers'}."


def cmd_hide(ctx: Ctx, cmd: Command) -> str:
    return _visibility(ctx, cmd, False)


def cmd_show(ctx: Ctx, cmd: Command) -> str:
    return _visibility(ctx, cmd, True)


# "/orders today" (as /report today): orders placed since midnight UTC; week: the last 7 days
ORDERS_WHEN = {"today": "today", "aaj": "today", "आज": "today", "week": "week", "hafta": "week"}


def cmd_orders(ctx: Ctx, cmd: Command) -> str:
    status = cmd.args[0].lower() if cmd.args else None
    known = [*orders.TRANSITIONS, "unpaid", *ORDERS_WHEN]
    if status is not None and status not in known:
        close = difflib.get_close_matches(status, known, n=1)  # "/orders shiped"
        hint = f" (did you mean /orders {close[0]}?)" if close else ""
        raise UsageError(f"unknown status {status!r}{hint}")
    when = ORDERS_WHEN.get(status or "")
    if when is not None:  # "/orders today": what came in today (or in the last 7 days)
        span = reports.period(when)
        found = orders.for_jail(ctx.session, ctx.scope, None, MAX_LIST, (span.start, span.end))
        if not found:
            return f"No orders placed {span.label}."
    elif status == "unpaid":
        found = payments.unpaid_orders(ctx.session, ctx.scope, limit=MAX_LIST)
    else:
        found = orders.for_jail(ctx.session, ctx.scope, status, limit=MAX_LIST)
    if not found:
        return f"No {status or ''} orders.".replace("  ", " ")
    lines = []
    for o in found:
        items = ", ".join(f"{line.quantity}x{line.product.sku}" for line in o.lines)
        jail = f"{o.jail.code} " if ctx.scope is None else ""
        due = "; refund due" if orders.refund_due(ctx.session, o) else ""
        lines.append(f"{ref(o.id)} {jail}{o.status} {_total(o)} {items}{due}")
    return "\n".join(lines)


def _total(o: Order) -> str:
    """What the buyer pays, as they were told (``money.with_shipping``)."""
    return with_shipping(o.total_minor, o.shipping_minor, o.currency)


def cmd_order(ctx: Ctx, cmd: Command) -> str:
    """One order of the member's jail with what to pack and where to send it.

    The reply carries the buyer's address; it goes to the staff member only, never to a log.
    Without an order number (``/order``, ``/order shipped``) it lists orders like /orders.
    """
    if not cmd.args or not is_order(cmd.args[0]):
        return cmd_orders(ctx, cmd)
    o = order_for(ctx, cmd.args[0])
    head = f"Order {ref(o.id)} {o.jail.code}, {o.status}, {_total(o)}"
    pay = _payment_text(ctx.session, o)
    lines = [f"{head} ({o.payment_method}), {o.created_at:%Y-%m-%d}, {pay}"]
    for line in o.lines:
        shown = variants.describe(line.product) if line.product.parent_id else line.variant
        variant = f" ({shown})" if shown else ""
        each = fmt(line.unit_price_minor, o.currency)
        lines.append(f"{line.quantity} x {line.product.sku} {line.product.name}{variant} @ {each}")
    lines += _delivery(o, ctx.private)
    if o.tracking:
        lines.append(f"Tracking {o.tracking}")
    if o.cancel_reason:
        lines.append(f"Cancelled: {o.cancel_reason}")
    return "\n".join(lines)


def _refs(p: Payment) -> str:
    """A payment's references staff can look up: link id, UTR, charge ids (never an invoice payload)."""
    refs = []
    if p.provider == GATEWAY and p.external_id:
        refs.append(f"link {p.external_id}")
    elif p.provider == payments.PROVIDER_OF["upi_qr"] and p.external_id:
        refs.append(f"UTR {p.external_id}")
    elif p.provider in ("manual", "cod") and p.external_id:
        refs.append(
            f"UTR {p.external_id}"
            if payments.UTR.fullmatch(p.external_id)
            else f"TID {p.external_id}"
        )
    if p.charge_id:
        refs.append(f"charge {p.charge_id}")
    return ", ".join(refs)


def _payment_text(session: Session, o: Order) -> str:
    """``payment <state>: <references> (<status>); ...`` and any refund due, for /order's head."""
    state = payments.payment_state(session, o)
    refs = [f"{r} ({p.status})" for p in payments.payments_of(session, o) if (r := _refs(p))]
    text = f"payment {state}" + (f": {'; '.join(refs)}" if refs else "")
    if orders.refund_due(session, o):
        text += f"; refund due: /refund {ref(o.id)}"
    return text


def _delivery(o: Order, private: bool) -> list[str]:
    """Where to send an order: the buyer's name, phone and address, in a private chat only."""
    if not o.ship_address:
        return ["No delivery address (sold in person)."]
    if not private:
        return ["The buyer's name and address are not shown in a group: ask me in a private chat."]
    place = ", ".join(p for p in (o.ship_address, o.ship_postal_code, o.ship_country) if p)
    return [f"Deliver to: {o.ship_name or '?'}, {phones.shown(o.ship_phone) or '?'}", place]


PAID_LATER = frozenset({"cod", "offline"})  # paid on delivery (or at the counter): ship unpaid
UNPAID_FLAG = re.compile(r"(?i)^(--|[-‐‑–—])unpaid$")  # phones turn "--" into a dash
# the buyer's "shipped" waits out the undo window (catalog.outbox.SHIPPED_HOLD)
SHIP_TOLD = "the buyer will be told in about 10 minutes (until then, /undo takes it back)."


def cmd_ship(ctx: Ctx, cmd: Command) -> str:
    """Ship an order; one to be paid before shipping (a transfer, UPI, a link) that is not
    paid yet only with ``--unpaid`` after the order number."""
    need(cmd, 1, "the order number")
    order = order_for(ctx, cmd.args[0])
    rest = [a for a in cmd.args[1:] if not UNPAID_FLAG.match(a)]
    other = next((a for a in rest if parse_ref(a) is not None and a[:1] in "kK#"), None)
    if other is not None:  # "/ship KG-0001 KG-0002": two orders, not a tracking number
        raise UsageError(
            f"{other} is an order number, not a tracking number; ship one order at a time: "
            f"/ship {ref(order.id)}, then /ship {ref(parse_ref(other) or 0)}. Nothing changed"
        )
    unpaid_ok = len(rest) < len(cmd.args) - 1
    if (
        order.payment_method not in PAID_LATER
        and payments.payment_state(ctx.session, order) != "paid"
        and not unpaid_ok
    ):
        raise Reject(
            f"Order {ref(order.id)} is not paid yet ({order.payment_method}); to ship it anyway: "
            f"/ship {ref(order.id)} --unpaid{' ' + ' '.join(rest) if rest else ''}"
        )
    tracking = " ".join(rest)[:100] or None
    orders.mark_shipped(ctx.session, order, actor=ctx.actor, tracking=tracking, channel=ctx.channel)
    track = f" (tracking {tracking})" if tracking else ""
    return f"Order {ref(order.id)} shipped{track}; {SHIP_TOLD}"


def cmd_paid(ctx: Ctx, cmd: Command) -> str:
    """Staff saw the money of a cash, transfer or UPI order; an optional reference (a UPI UTR,
    a JazzCash/Easypaisa transaction ID) is recorded on the payment, as a buyer's would be."""
    need(cmd, 1, "the order number")
    order = order_for(ctx, cmd.args[0])
    kind = reference = None
    if len(cmd.args) > 1:
        try:
            kind, reference = payments.staff_reference(" ".join(cmd.args[1:]), order.payment_method)
        except InvalidInput as exc:
            example = "412345678901" if order.payment_method == "upi_qr" else "TID 31245678901"
            raise Reject(
                f"{str(exc)[:1].upper()}{str(exc)[1:]}, e.g. /paid {ref(order.id)} {example}; "
                "nothing recorded."
            ) from None
    if payments.payment_state(ctx.session, order) == "paid":
        paid = [p for p in payments.payments_of(ctx.session, order) if p.status == "paid"]
        refs = _refs(paid[-1]) if paid else ""
        how = f" by {paid[-1].method}" if paid else ""
        raise Reject(
            f"Order {ref(order.id)} is already paid{how}"
            + (f" ({refs})" if refs else "")
            + "; nothing changed."
        )
    before = order.status
    payments.confirm_manual(
        ctx.session, order, actor=ctx.actor, reference=reference, channel=ctx.channel
    )
    if before != OrderStatus.PLACED:  # confirm_manual audits only the move from placed to paid
        audit.record(
            ctx.session, actor=ctx.actor, channel=ctx.channel, action="payment", entity="order",
            entity_id=order.id, before={"payment": "unpaid", "status": before},
            after={"payment": "paid", "reference": reference},
        )  # fmt: skip
    return f"Order {ref(order.id)} marked paid" + (f" ({kind} {reference})." if kind else ".")


def cmd_cancel(ctx: Ctx, cmd: Command) -> str:
    need(cmd, 2, "the order number and a reason")
    order = order_for(ctx, cmd.args[0])
    reason = " ".join(cmd.args[1:])[:200]
    orders.cancel(ctx.session, order, reason=reason, actor=ctx.actor, channel=ctx.channel)
    units = sum(line.quantity for line in order.lines if line.product.lead_time_days == 0)
    reply = f"Order {ref(order.id)} cancelled; {units} back in stock; the buyer will be told"
    if orders.refund_due(ctx.session, order):
        return f"{reply}; refund due: /refund {ref(order.id)}"
    return reply + "."


@dataclass(frozen=True)
class GatewayRefund:
    """A refund that must go through the gateway before it is recorded."""

    order_id: int
    charge_id: str | None
    amount_minor: int
    currency: str


def check_refund(ctx: Ctx, cmd: Command) -> str | GatewayRefund:
    """Record a refund paid back by hand; a gateway payment is only checked, for the gateway first."""
    need(cmd, 1, "the order number")
    order = order_for(ctx, cmd.args[0])
    with ctx.session.begin_nested() as trial:  # the domain's checks, undone below
        payment = payments.mark_refunded(ctx.session, order, actor=ctx.actor, channel=ctx.channel)
        if payment.provider != GATEWAY:
            amount = fmt(payment.amount_minor, payment.currency)
            return f"Order {ref(order.id)}: refund of {amount} recorded; the buyer will be told."
        plan = GatewayRefund(order.id, payment.charge_id, payment.amount_minor, payment.currency)
        trial.rollback()
    return plan


def record_gateway_refund(ctx: Ctx, plan: GatewayRefund, refund_id: str) -> str:
    """The gateway refunded: record it (and its refund id in the audit log)."""
    order = order_for(ctx, str(plan.order_id))
    audit.record(
        ctx.session, actor=ctx.actor, channel=ctx.channel, action="gateway_refund",
        entity="order", entity_id=order.id, before=None,
        after={"refund_id": refund_id, "charge_id": plan.charge_id},
    )  # fmt: skip
    payments.mark_refunded(ctx.session, order, actor=ctx.actor, channel=ctx.channel)
    amount = fmt(plan.amount_minor, plan.currency)
    return f"Order {ref(order.id)}: {amount} refunded through the gateway ({refund_id}); the buyer will be told."


MAX_REPLY = 1000  # characters of a staff answer to a buyer
CHAT_CHANNELS = frozenset({"telegram", "whatsapp"})  # where a buyer can be written to
BUYER_NO = re.compile(r"^#?(\d{1,9})$")


def cmd_reply(ctx: Ctx, cmd: Command) -> str:
    """Answer a buyer who asked for a person (the handoff notice names them "Buyer #8"): the
    text goes out through the outbox, like the buyer's other notices, on the buyer's channel.
    Admins may answer anyone; staff, a buyer whose handoff was sent to them."""
    found = BUYER_NO.match(cmd.args[0]) if cmd.args else None
    if found is None:
        raise Reject("Usage: /reply #8 your message (the buyer's number from their message)")
    if len(cmd.args) < 2:
        raise Reject(f"Usage: /reply #{found.group(1)} your message")
    buyer_id = int(found.group(1))
    customer = ctx.session.get(Customer, buyer_id)
    if customer is None:
        raise Reject(f"No buyer #{buyer_id}.")
    if customer.channel not in CHAT_CHANNELS or not customer.channel_user_id:
        raise Reject(f"Buyer #{buyer_id} has no Telegram or WhatsApp chat; nothing sent.")
    if ctx.member.role != Role.ADMIN and not outbox.was_told(ctx.session, ctx.member, buyer_id):
        raise Reject(f"Buyer #{buyer_id} did not ask your team; nothing sent.")
    text = cmd.rest.split(maxsplit=1)[1].strip()
    if len(text) > MAX_REPLY:
        raise Reject(f"Too long ({len(text)} characters, at most {MAX_REPLY}); nothing sent.")
    outbox.staff_reply(ctx.session, customer, text)
    audit.record(
        ctx.session, actor=ctx.actor, channel=ctx.channel, action="staff_reply",
        entity="customer", entity_id=buyer_id, before=None, after={"text": text},
    )  # fmt: skip
    return f"Sent to buyer #{buyer_id}."


ALL_WORDS = frozenset({"all", "sab", "सब"})


def cmd_lowstock(ctx: Ctx, cmd: Command) -> str:
    """Ten at a time, the lowest first; the last line says how to see the rest:
    "+4 more: /lowstock 2 (or /lowstock all)"."""
    word = cmd.args[0].lower() if cmd.args else "1"
    page = 1 if word in ALL_WORDS else quantity(word) if word.isdigit() else 0
    if page < 1:
        raise UsageError(f"give a page number or all, not {word[:20]!r}")
    low = stock.low_stock(ctx.session, ctx.scope)
    if not low:
        return "Nothing is at or below its low-stock alert."
    lines = [f"{p.sku} {p.stock} left (alert {p.low_stock_threshold}) {p.name}" for p in low]
    if word in ALL_WORDS:
        return "\n".join(lines)
    pages = -(-len(lines) // MAX_LIST)
    if page > pages:
        return (
            f"{len(lines)} at or below their alert: only {pages} page(s); /lowstock all lists them."
        )
    shown = lines[(page - 1) * MAX_LIST : page * MAX_LIST]
    more = len(lines) - page * MAX_LIST
    tail = [f"+{more} more: /lowstock {page + 1} (or /lowstock all)"] if more > 0 else []
    return "\n".join(shown + tail)


def cmd_report(ctx: Ctx, cmd: Command) -> str:
    p = reports.period(cmd.args[0].lower() if cmd.args else "month")
    jails = reports.by_jail(ctx.session, p, ctx.scope)
    if ctx.scope is None:
        head = f"Report, all jails, {p.label}:"
        rows = [
            f"{r.key} {r.units} units {fmt(r.turnover_minor, r.currency)}"
            + (f", wages {fmt(r.wage_minor, r.currency)}" if r.wage_minor is not None else "")
            for r in jails
        ]
    else:
        code = ctx.member.jail.code if ctx.member.jail else "?"
        totals = "; ".join(
            f"{r.units} units {fmt(r.turnover_minor, r.currency)}"
            + (f", wages {fmt(r.wage_minor, r.currency)}" if r.wage_minor is not None else "")
            for r in jails
        )
        head = f"Report {code}, {p.label}: {totals or 'no sales'}"
        rows = [
            f"{r.key} {r.units} x {fmt(r.turnover_minor, r.currency)}"
            for r in reports.by_product(ctx.session, p, ctx.scope)
        ]
    money = [_by_payment(t) for t in payment_report.by_payment(ctx.session, p, ctx.scope)]
    money = [m for m in money if m]
    if not rows and not ctx.scope:
        return "\n".join([f"{head} no sales", *money])
    return "\n".join([head, *rows[:MAX_LIST], *money])


def _by_payment(t: payment_report.PaymentTurnover) -> str:
    """One currency's paid and unpaid turnover (shipping included) and any refunds due."""
    if not (t.paid_minor or t.unpaid_minor or t.refund_due_minor):
        return ""
    line = f"{t.currency} paid {fmt(t.paid_minor, t.currency)}, unpaid {fmt(t.unpaid_minor, t.currency)}"
    if t.refund_due_minor:
        line += f", refund due {fmt(t.refund_due_minor, t.currency)}"
    return line


def cmd_undo(ctx: Ctx, cmd: Command) -> str:
    last = undo.last_change(ctx.session, ctx.actor)
    try:
        done = undo.undo_last(ctx.session, ctx.member, channel=ctx.channel)
    except undo.CannotUndo as exc:
        raise Reject(f"Can't undo: {exc}.") from None
    paid = last is not None and (last.action, last.entity) == ("paid", "order")
    if paid and last is not None and _unpay(ctx.session, int(last.entity_id)):
        return f"Undone: {done}; the buyer was told."
    return f"Undone: {done}."


def _unpay(session: Session, order_id: int) -> bool:
    """A /paid undone: the payment it recorded is withdrawn and an unsent receipt held back;
    a receipt already sent gets a correction in the buyer's language (True then)."""
    order = payments.lock_order(session, order_id)
    order.paid_at = None
    for p in payments.payments_of(session, order):
        if p.status == PaymentStatus.PAID:
            p.status, p.paid_at, p.refund_due = PaymentStatus.CANCELLED, None, False
    held = session.execute(
        delete(Notification).where(
            Notification.kind == "payment_receipt",
            Notification.customer_id == order.customer_id,
            Notification.sent_at.is_(None),
            or_(  # outbox.payment_receipt in any language: the reference, then ":" or a space
                Notification.text.contains(f"{ref(order.id)}:"),
                Notification.text.contains(f"{ref(order.id)} "),
            ),
        )
    )
    told = not held.rowcount  # type: ignore[attr-defined]
    if told:  # the receipt reached the buyer: tell them it no longer holds
        outbox.payment_withdrawn(session, order)
    session.flush()
    return told


def cmd_help(ctx: Ctx, cmd: Command) -> str:
    names = [n for n in USAGE if n not in ADMIN_ONLY or ctx.member.role == Role.ADMIN]
    asked = ALIASES.get(cmd.args[0].lower().lstrip("/")) if cmd.args else None
    if asked in names:  # "/help ship": that command's usage
        return f"Usage: {USAGE[asked]}"
    where = "all jails" if ctx.scope is None else (ctx.member.jail.code if ctx.member.jail else "")
    return f"Staff commands ({where}): " + " ".join(f"/{n}" for n in names) + "\n" + CONFIRM_HELP


# what /help says of the changes that ask first (cmd_price, cmd_stock, cmd_restock)
CONFIRM_HELP = (
    f"A change that looks like a typo (a price below a third or over {PRICE_FACTOR} times the "
    f"price now, stock over {STOCK_FACTOR} times the count now and over {STOCK_FLOOR}) is not "
    "made: send the same command again ending in yes (or haan)."
)


def cmd_staff(ctx: Ctx, cmd: Command) -> str:
    if len(cmd.args) != 4 or cmd.args[0].lower() != "add":
        raise UsageError("give add, the channel, the id and a jail code or admin")
    _, channel, uid, where = cmd.args
    role = Role.ADMIN if where.lower() == "admin" else Role.STAFF
    member = admin.register_staff(
        ctx.session,
        channel.lower(),
        uid,
        role=role,
        jail_code=None if role == Role.ADMIN else where,
        actor=ctx.actor,
        chat_channel=ctx.channel,
    )
    scope = member.jail.code if member.jail else "all jails"
    return f"Registered {member.role} {member.channel} id ending {member.channel_user_id[-4:]} ({scope})."


def cmd_rate(ctx: Ctx, cmd: Command) -> str:
    need(cmd, 2, "a currency and a rate")
    rate = admin.parse_rate(cmd.args[1])
    before = admin.set_rate(ctx.session, cmd.args[0], rate, actor=ctx.actor, channel=ctx.channel)
    was = f" (was {before.normalize()})" if before is not None else ""
    return f"1 INR = {rate} {cmd.args[0].upper()}{was}."


COMMANDS: dict[str, Callable[[Ctx, Command], str | GatewayRefund]] = {
    "stock": cmd_stock,
    "restock": cmd_restock,
    "price": cmd_price,
    "sold": cmd_sold,
    "hide": cmd_hide,
    "show": cmd_show,
    "orders": cmd_orders,
    "order": cmd_order,
    "ship": cmd_ship,
    "paid": cmd_paid,
    "cancel": cmd_cancel,
    "refund": check_refund,
    "lowstock": cmd_lowstock,
    "reply": cmd_reply,
    "report": cmd_report,
    "undo": cmd_undo,
    "help": cmd_help,
    "staff": cmd_staff,
    "rate": cmd_rate,
}


def sentence(exc: Exception) -> str:
    """An error's text as the start of a reply: capitalized, no full stop."""
    text = str(exc).rstrip(".")
    return text[:1].upper() + text[1:]


def explain(exc: CatalogError, name: str) -> str:
    """One line for a catalog refusal: what went wrong and, for bad input, the usage."""
    text = sentence(exc)
    if isinstance(exc, InvalidTransition | Forbidden | OutOfStock):
        return f"{text}; nothing changed."
    return f"{text}. Usage: {USAGE[name]}"


def as_member(
    sessions: sessionmaker[Session],
    channel: str,
    user_id: str,
    work: Callable[[Ctx], T],
    name: str = "help",
    *,
    private: bool = True,
) -> T | str | None:
    """Run ``work`` for the registered staff member behind a user in one transaction.

    None if the user is not staff. Any refusal rolls the transaction back and becomes the reply.
    """
    try:
        with transaction(sessions) as session:
            member = staffing.find(session, channel, user_id)
            if member is None:
                return None
            if member.role != Role.ADMIN and member.jail_id is None:
                return NO_JAIL
            if name in ADMIN_ONLY and member.role != Role.ADMIN:
                return f"Only an admin may use /{name}."
            return work(Ctx(session, member, channel, private))
    except Reject as exc:
        return str(exc)
    except UsageError as exc:
        return f"{str(exc)[:1].upper()}{str(exc)[1:]}. Usage: {USAGE[name]}"
    except CatalogError as exc:
        return explain(exc, name)


def run(
    sessions: sessionmaker[Session],
    channel: str,
    user_id: str,
    cmd: Command,
    *,
    private: bool = True,
) -> str | GatewayRefund | None:
    """One database-only command for a staff member; None if the sender isn't staff.

    ``private`` is whether the chat is one-to-one; replies to a group show no buyer's details.
    A ``GatewayRefund`` is a /refund the caller must first make through the gateway.
    """

    def work(ctx: Ctx) -> str | GatewayRefund:
        return COMMANDS[cmd.name](ctx, cmd)

    return as_member(sessions, channel, user_id, work, cmd.name, private=private)


def find_member(sessions: sessionmaker[Session], channel: str, user_id: str) -> Staff | None:
    """The registered staff member behind a channel user, if any."""
    with sessions() as session:
        return staffing.find(session, channel, user_id)
