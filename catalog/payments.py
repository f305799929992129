"""Payments of orders: start one, confirm it exactly once, record a buyer's UPI reference, refund.

The caller owns the session and commits. Confirmation is idempotent twice over: per gateway
event (an ``IdempotencyKey``) and per charge (unique provider ids on ``payments``). It locks
the order row (PostgreSQL ``FOR UPDATE``; SQLite writers are serialized at ``BEGIN IMMEDIATE``),
so a payment and the expiry job (``catalog.payment_expiry``) never both win: the order ends
either paid, or cancelled with the late payment flagged for refund.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit, orders, outbox
from catalog.digits import ascii_digits
from catalog.errors import InvalidInput, InvalidTransition, NotFound
from catalog.models import IdempotencyKey, Order, OrderStatus, Payment, PaymentStatus, utcnow
from catalog.money import fmt
from catalog.payment_methods import COD, LINK, MANUAL, METHODS, ONLINE, TELEGRAM, UPI_QR
from catalog.refs import ref

DEFAULT_TIMEOUT = timedelta(hours=24)  # KAARIGAR_PAYMENT_TIMEOUT
PROVIDER_OF = {LINK: "razorpay", UPI_QR: "upi", TELEGRAM: "telegram", MANUAL: "manual", COD: "cod"}
UTR = re.compile(r"\d{12}")
TID = re.compile(r"[A-Z0-9]{8,24}")
SETTLED = (PaymentStatus.PAID, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class Outcome:
    """What a confirmation did: ``paid``, ``mismatch``, ``refund_due``, ``unknown`` (no such
    payment) or ``duplicate`` (this event or charge took effect before)."""

    result: str
    order_id: int | None = None
    payment_id: int | None = None


def amount_due(order: Order) -> int:
    """What the buyer pays, in minor units: the goods and the shipping."""
    return order.total_minor + order.shipping_minor


def reference(order: Order) -> str:
    """The order reference the buyer sees, used as the gateway's ``reference_id`` and UPI ``tr``."""
    return str(order.id)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start(
    session: Session,
    order: Order,
    method: str,
    *,
    external_id: str | None = None,
    url: str | None = None,
    shipping_minor: int | None = None,
    now: datetime | None = None,
    timeout: timedelta = DEFAULT_TIMEOUT,
) -> Payment:
    """Record a pending payment of an unpaid placed order by ``method``.

    An online method starts the payment clock (the first deadline stands). A Telegram invoice
    gets an unguessable payload as its ``external_id``; a gateway link may be attached later
    with ``attach_link`` when the gateway was down at first.
    """
    if method not in METHODS:
        raise InvalidInput(f"unknown payment method {method!r}")
    if order.status != OrderStatus.PLACED or order.paid_at is not None:
        raise InvalidTransition(f"order {ref(order.id)} is {order.status}; it cannot be paid now")
    if shipping_minor is not None:
        if shipping_minor < 0:
            raise InvalidInput("shipping cannot be negative")
        order.shipping_minor = shipping_minor
    now = now or utcnow()
    order.payment_method = method
    if method in ONLINE and order.payment_due_at is None:
        order.payment_due_at = now + timeout
    if method == TELEGRAM and external_id is None:
        external_id = secrets.token_urlsafe(32)  # 43 characters, within Telegram's 128 bytes
    payment = Payment(
        order_id=order.id,
        method=method,
        provider=PROVIDER_OF[method],
        external_id=external_id,
        amount_minor=amount_due(order),
        currency=order.currency,
        status=PaymentStatus.PENDING,
        url=url,
        refund_due=False,
        created_at=now,
    )
    session.add(payment)
    session.flush()
    return payment


def attach_link(session: Session, payment: Payment, external_id: str, url: str) -> Payment:
    """The gateway answered: remember its link id and the URL the buyer is sent."""
    payment.external_id, payment.url = external_id, url
    session.flush()
    return payment


def links_to_create(session: Session, limit: int = 50) -> list[Payment]:
    """Gateway payments still without a link (the gateway was down): retry these."""
    stmt = (
        select(Payment)
        .join(Order, Order.id == Payment.order_id)
        .where(
            Payment.provider == PROVIDER_OF[LINK],
            Payment.status == PaymentStatus.PENDING,
            Payment.external_id.is_(None),
            Order.status == OrderStatus.PLACED,
        )
        .order_by(Payment.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def open_links(session: Session, limit: int = 200) -> list[Payment]:
    """Pending gateway links, whose status the reconcile backstop fetches."""
    stmt = (
        select(Payment)
        .where(
            Payment.provider == PROVIDER_OF[LINK],
            Payment.status == PaymentStatus.PENDING,
            Payment.external_id.is_not(None),
        )
        .order_by(Payment.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def by_external_id(session: Session, provider: str, external_id: str) -> Payment | None:
    return session.scalar(
        select(Payment).where(Payment.provider == provider, Payment.external_id == external_id)
    )


def invoice_prices(order: Order) -> list[tuple[str, int]]:
    """Telegram ``prices``: the goods and, as its own line, the shipping (minor units)."""
    prices = [(f"Order {ref(order.id)}", order.total_minor)]
    if order.shipping_minor:
        prices.append(("Shipping", order.shipping_minor))
    return prices


def check_invoice(
    session: Session, payload: str, currency: str, total_minor: int, language: str | None = None
) -> str | None:
    """A Telegram pre-checkout: None when the order may be paid now, else the reason to show,
    in the order's buyer's language (``language``, the app's, when no order is found)."""
    from catalog import notices  # the buyer's words (notices reads orders' customers)

    payment = by_external_id(session, PROVIDER_OF[TELEGRAM], payload)
    if payment is None:
        return notices.in_language("invoice_invalid", language)
    order = session.get(Order, payment.order_id)
    assert order is not None
    if order.status != OrderStatus.PLACED or order.paid_at is not None:
        return notices.text("invoice_closed", order, id=ref(order.id))
    if payment.status != PaymentStatus.PENDING:
        return notices.text("invoice_invalid", order)
    if currency != order.currency or total_minor != amount_due(order):
        due = notices.amount(order, amount_due(order))  # as its buyer reads it
        return notices.text("invoice_amount_changed", order, id=ref(order.id), amount=due)
    for line in order.lines:
        if not line.product.active:
            return notices.text("invoice_off_sale", order, name=line.product.name)
    return None


def lock_order(session: Session, order_id: int) -> Order:
    """The order, re-read and locked until the transaction ends (PostgreSQL row lock)."""
    order = session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update(of=Order)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound(f"no order {order_id}")
    return order


def _event_key(provider: str, event_id: str) -> str:
    key = f"payment:{provider}:{event_id}"
    return key if len(key) <= 128 else "payment:" + hashlib.sha256(key.encode()).hexdigest()


def event_seen(session: Session, provider: str, event_id: str) -> bool:
    """Whether this event already took effect (a read; ``confirm_paid`` still decides)."""
    return session.get(IdempotencyKey, _event_key(provider, event_id)) is not None


def _claim(session: Session, key: str) -> IdempotencyKey | Outcome:
    """Take the event's key, or return what it did when another transaction took it first."""
    done = session.get(IdempotencyKey, key)
    if done is None:
        row = IdempotencyKey(key=key, kind="payment_event", result={})
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:  # a twin committed while we waited on its key
            done = session.get(IdempotencyKey, key, populate_existing=True)
            assert done is not None
    return Outcome("duplicate", done.result.get("order_id"), done.result.get("payment_id"))


def confirm_paid(
    session: Session,
    provider: str,
    external_id: str,
    amount_minor: int,
    currency: str,
    *,
    event_id: str,
    charge_id: str | None = None,
    provider_charge_id: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Money arrived for the payment ``(provider, external_id)``: mark its order paid once.

    A wrong amount or currency leaves the order unpaid and alerts staff; money for an order
    already cancelled (or paid another way) is recorded, flagged for refund, and staff alerted.
    """
    claimed = _claim(session, _event_key(provider, event_id))
    if isinstance(claimed, Outcome):
        return claimed
    outcome = _confirm(
        session, provider, external_id, amount_minor, currency.upper(), charge_id,
        provider_charge_id, now or utcnow(),
    )  # fmt: skip
    if outcome.result == "unknown":
        # Not remembered: the link may be attached a moment later, and the gateway's retry
        # (or the reconcile backstop) must then still take effect.
        session.delete(claimed)
    else:
        claimed.result = asdict(outcome)
    session.flush()
    return outcome


def _confirm(
    session: Session,
    provider: str,
    external_id: str,
    amount_minor: int,
    currency: str,
    charge_id: str | None,
    provider_charge_id: str | None,
    now: datetime,
) -> Outcome:
    found = by_external_id(session, provider, external_id)
    if found is None:
        return Outcome("unknown")
    order = lock_order(session, found.order_id)
    session.refresh(found)  # its state as of the lock, not as first read
    if found.status in SETTLED or (charge_id and found.charge_id == charge_id):
        return Outcome("duplicate", order.id, found.id)
    if charge_id and session.scalar(
        select(Payment.id).where(Payment.provider == provider, Payment.charge_id == charge_id)
    ):
        return Outcome("duplicate", order.id, found.id)
    found.charge_id, found.provider_charge_id = charge_id, provider_charge_id
    paid = fmt(amount_minor, currency)
    if currency != order.currency or amount_minor != amount_due(order):
        found.status, found.amount_minor, found.currency = (
            PaymentStatus.MISMATCH,
            amount_minor,
            currency,
        )
        outbox.payment_alert(
            session, order,
            f"{paid} arrived by {outbox.METHOD_NAMES.get(found.method, found.method)} but the "
            f"order is {fmt(amount_due(order), order.currency)}. It stays unpaid: check with the buyer.",
        )  # fmt: skip
        session.flush()
        return Outcome("mismatch", order.id, found.id)
    found.status, found.paid_at = PaymentStatus.PAID, now
    if order.status == OrderStatus.CANCELLED or order.paid_at is not None:
        found.refund_due = True
        why = "was cancelled" if order.status == OrderStatus.CANCELLED else "was already paid"
        outbox.payment_alert(
            session,
            order,
            f"{paid} arrived after the order {why}. Refund it: /refund {ref(order.id)}",
        )
        outbox.payment_refund_due(session, order, amount_minor)
        session.flush()
        return Outcome("refund_due", order.id, found.id)
    if order.status == OrderStatus.PLACED:
        orders.mark_paid(session, order, actor=f"payment:{provider}")
    order.paid_at, order.payment_method = now, found.method
    _withdraw_others(session, order, found)
    paid_ref = charge_id or external_id
    outbox.payment_receipt(session, order, amount_minor, found.method, paid_ref)
    outbox.order_paid(session, order, amount_minor, found.method, paid_ref)
    session.flush()
    return Outcome("paid", order.id, found.id)


def _withdraw_others(session: Session, order: Order, kept: Payment) -> None:
    """Other open attempts at the same order are void once one of them paid."""
    for other in session.scalars(
        select(Payment).where(Payment.order_id == order.id, Payment.id != kept.id)
    ):
        if other.status in (PaymentStatus.PENDING, PaymentStatus.CLAIMED):
            other.status = PaymentStatus.CANCELLED


def link_closed(session: Session, provider: str, external_id: str, status: str) -> Payment | None:
    """The gateway says a link expired or was cancelled: an open attempt is closed, nothing else.

    The order itself is left to the expiry job, which reminds and cancels on our own clock.
    """
    if status not in (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED):
        raise InvalidInput(f"not a closing status: {status!r}")
    payment = by_external_id(session, provider, external_id)
    if payment is not None and payment.status == PaymentStatus.PENDING:
        payment.status = status
        session.flush()
    return payment


def normalize_utr(utr: str) -> str:
    value = re.sub(r"[\s-]", "", utr)
    if not UTR.fullmatch(value):
        raise InvalidInput("a UPI reference (UTR) is 12 digits")
    return value


def normalize_tid(tid: str) -> str:
    """A transfer's transaction ID (JazzCash, Easypaisa, a bank): 8-24 letters and digits."""
    value = re.sub(r"[\s-]", "", tid).upper()
    if not TID.fullmatch(value):
        raise InvalidInput("a transaction ID is 8 to 24 letters and digits")
    return value


REFERENCE_LABEL = re.compile(
    r"(?i)^\s*(?:utr|tid|trx\s*id|txn\s*id|ref(?:erence)?|transaction\s*id)(?![a-z])\s*[:#.]?\s*"
)


def staff_reference(text: str, method: str | None) -> tuple[str, str]:
    """What staff typed after ``/paid ORDER``: ("UTR", "412345678901") or ("TID",
    "31245678901"). Any digits (Urdu, Devanagari) read as digits; spaces, dashes and a label
    ("TID", "UTR:", "ref") are dropped. A UPI QR order takes only a 12-digit UTR; other
    orders a UTR or a transfer's transaction ID (JazzCash, Easypaisa, a bank: 8-24 letters
    and digits). Raises InvalidInput saying what was expected."""
    said = ascii_digits(text).strip()
    labelled = REFERENCE_LABEL.match(said)
    label = labelled.group().strip(" :#.").upper() if labelled else ""
    value = re.sub(r"[\s-]", "", said[labelled.end() :] if labelled else said).upper()
    if method == UPI_QR:
        if not UTR.fullmatch(value):
            raise InvalidInput("the order was paid by UPI QR: give its 12-digit UTR")
        return "UTR", value
    if UTR.fullmatch(value) and not label.startswith("T"):
        return "UTR", value
    if not TID.fullmatch(value):
        raise InvalidInput(
            "a reference is a UPI UTR (12 digits) or a JazzCash/Easypaisa transaction ID "
            "(TID: 8 to 24 letters and digits)"
        )
    return "TID", value


def record_utr(session: Session, order: Order, utr: str, method: str = UPI_QR) -> Payment:
    """The buyer says they paid by UPI with this UTR (or, ``method`` MANUAL, by a transfer
    with this transaction ID): record it and ask staff to check it."""
    value = normalize_utr(utr) if method == UPI_QR else normalize_tid(utr)
    provider = PROVIDER_OF[method]
    existing = by_external_id(session, provider, value)
    if existing is not None:
        if existing.order_id != order.id:
            raise InvalidInput("that reference is already recorded on another order")
        return existing
    payment = session.scalar(
        select(Payment)
        .where(
            Payment.order_id == order.id,
            Payment.provider == provider,
            Payment.status == PaymentStatus.PENDING,
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if payment is None:
        payment = Payment(
            order_id=order.id, method=method, provider=provider, amount_minor=amount_due(order),
            currency=order.currency, refund_due=False,
        )  # fmt: skip
        session.add(payment)
    payment.external_id, payment.status = value, PaymentStatus.CLAIMED
    state = "" if order.status == OrderStatus.PLACED else f" (the order is {order.status})"
    outbox.payment_alert(
        session, order,
        f"the buyer says they paid {fmt(payment.amount_minor, order.currency)} by "
        + (f"UPI, UTR {value}{state}. Check the bank statement, then /paid {ref(order.id)} {value}"
           if method == UPI_QR else
           f"transfer, transaction ID {value}{state}. Check the account, then /paid {ref(order.id)} {value}"),
    )  # fmt: skip
    session.flush()
    return payment


def confirm_manual(
    session: Session,
    order: Order,
    *,
    actor: str,
    reference: str | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> Payment:
    """Staff saw the money (COD, a transfer, a UPI UTR): the order is paid, the buyer gets a receipt."""
    order = lock_order(session, order.id)
    if order.paid_at is not None:
        raise InvalidTransition(f"order {ref(order.id)} is already paid")
    now = now or utcnow()
    method = order.payment_method if order.payment_method in METHODS else COD
    provider = PROVIDER_OF[UPI_QR] if method == UPI_QR else PROVIDER_OF.get(method, "manual")
    if method in (LINK, TELEGRAM):
        method, provider = MANUAL, "manual"  # staff confirm outside the gateway
    if reference:
        upi = UPI_QR if provider == PROVIDER_OF[UPI_QR] else None
        reference = staff_reference(reference, upi)[1]
    payment = by_external_id(session, provider, reference) if reference else None
    if reference and payment is None:  # the buyer sent it (a transfer's TID, a UTR): that claim
        payment = session.scalar(
            select(Payment)
            .where(Payment.external_id == reference, Payment.status.not_in(SETTLED))
            .where(Payment.provider.in_([PROVIDER_OF[MANUAL], PROVIDER_OF[UPI_QR]]))
            .order_by(Payment.id.desc())
            .limit(1)
        )
    if payment is not None and payment.order_id != order.id:
        raise InvalidInput(f"reference {reference} is recorded on order {ref(payment.order_id)}")
    if order.status == OrderStatus.PLACED:
        orders.mark_paid(session, order, actor=actor, channel=channel)
    elif order.status == OrderStatus.CANCELLED:
        raise InvalidTransition(f"order {ref(order.id)} is cancelled")
    if payment is None:
        payment = Payment(
            order_id=order.id, method=method, provider=provider, external_id=reference,
            amount_minor=amount_due(order), currency=order.currency, refund_due=False,
        )  # fmt: skip
        session.add(payment)
    payment.status, payment.paid_at = PaymentStatus.PAID, now
    order.paid_at = now
    _withdraw_others(session, order, payment)
    session.flush()
    outbox.payment_receipt(session, order, payment.amount_minor, payment.method, reference)
    return payment


def mark_refunded(
    session: Session,
    order: Order,
    *,
    actor: str,
    channel: str | None = None,
    now: datetime | None = None,
) -> Payment:
    """Record that a payment of a cancelled order (or one flagged for refund) went back.

    Returns the payment, whose ``provider`` and ``charge_id`` say where to refund it.
    """
    order = lock_order(session, order.id)
    paid = list(
        session.scalars(
            select(Payment)
            .where(Payment.order_id == order.id, Payment.status == PaymentStatus.PAID)
            .order_by(Payment.refund_due.desc(), Payment.id)
        )
    )
    if not paid:
        raise InvalidTransition(f"order {ref(order.id)} has no payment to refund")
    payment = paid[0]
    if order.status != OrderStatus.CANCELLED and not payment.refund_due:
        raise InvalidTransition(
            f"order {ref(order.id)} is {order.status}: cancel it before a refund"
        )
    payment.status, payment.refund_due = PaymentStatus.REFUNDED, False
    payment.refunded_at = now or utcnow()
    audit.record(
        session, actor=actor, channel=channel, action="refunded", entity="order",
        entity_id=order.id, before={"payment": PaymentStatus.PAID},
        after={"payment": PaymentStatus.REFUNDED, "amount_minor": payment.amount_minor},
    )  # fmt: skip
    outbox.payment_refunded(session, order, payment.amount_minor)
    return payment


def payment_state(session: Session, order: Order) -> str:
    """``unpaid``, ``paid`` or ``refunded``, as staff and the export show it."""
    statuses = set(session.scalars(select(Payment.status).where(Payment.order_id == order.id)))
    if PaymentStatus.REFUNDED in statuses and PaymentStatus.PAID not in statuses:
        return "refunded"
    if order.paid_at is not None or PaymentStatus.PAID in statuses:
        return "paid"
    if order.status == OrderStatus.PAID or (
        order.status == OrderStatus.DELIVERED and order.payment_method in (COD, "offline")
    ):
        return "paid"  # marked by hand before payments were recorded, or cash collected
    return "unpaid"


def payments_of(session: Session, order: Order) -> list[Payment]:
    """Every attempt at paying the order, oldest first (for ``/order X``)."""
    return list(
        session.scalars(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))
    )


def refunds_due(session: Session, jail_id: int | None = None) -> list[Payment]:
    stmt = select(Payment).where(Payment.refund_due.is_(True)).order_by(Payment.id)
    if jail_id is not None:
        stmt = stmt.join(Order, Order.id == Payment.order_id).where(Order.jail_id == jail_id)
    return list(session.scalars(stmt))


def unpaid_orders(session: Session, jail_id: int | None, limit: int = 20) -> list[Order]:
    """Placed orders nobody has paid yet (``/orders unpaid``), newest first."""
    stmt = (
        select(Order)
        .where(Order.status == OrderStatus.PLACED, Order.paid_at.is_(None))
        .order_by(Order.id.desc())
        .limit(limit)
    )
    if jail_id is not None:
        stmt = stmt.where(Order.jail_id == jail_id)
    return list(session.scalars(stmt))
