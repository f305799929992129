"""Paying for an order: the jail's methods offered, the chosen one started, a UPI UTR recorded.

Button payloads are untrusted (a buyer can type any ``/choose_payment{...}``): the order must be
the sender's own and unpaid, and the method one the jail offers on this channel right now.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import db
from actions.common import amount, channel_of, display_name, entity, lang, status_name
from actions.texts import t
from bot.ops.settings import Settings, load
from bot.payments import upi
from catalog import customers, jail_names, orders, payment_methods, payments, photos, shipping
from catalog.db import transaction
from catalog.digits import ascii_digits
from catalog.errors import CatalogError, NotFound
from catalog.models import Jail, Order, OrderStatus, Payment, PaymentStatus
from catalog.money import current_reader
from catalog.payment_methods import COD, LINK, MANUAL, TELEGRAM, UPI_QR
from catalog.refs import parse_ref, ref

_settings: Settings | None = None


def settings() -> Settings:
    """The action server's settings, read once from the environment."""
    global _settings
    if _settings is None:
        _settings = load()
    return _settings


def use_settings(value: Settings | None) -> None:
    """Run the actions with other settings (tests), or back to the environment with None."""
    global _settings
    _settings = value


def methods_for(jail: Jail, channel: str, country: str | None) -> list[str]:
    """The jail's methods a buyer on ``channel`` can use for a parcel to ``country`` (a name or
    ISO code) with what is configured now: cash on delivery only inside the jail's own country.
    Both the checkout summary and the offer after placing use this, so they always agree."""
    s = settings()
    usable = payment_methods.offered(
        jail, channel=channel, gateway=s.gateway,
        telegram_invoices=bool(s.telegram_payment_provider_token),
    )  # fmt: skip
    code = shipping.country_code(country) if country else jail.country
    domestic = code == jail.country
    return [m for m in usable if domestic or m != COD]


def offered(order: Order, channel: str) -> list[str]:
    """The methods this order's buyer can use: its jail's, for its delivery country."""
    return methods_for(order.jail, channel, order.ship_country)


def payment_line(jails: list[Jail], channel: str, country: str | None, language: str) -> str:
    """The checkout summary's "Payment:" line: the methods ``offer`` will give for this
    delivery (``methods_for``), per jail when the cart's jails differ."""
    per_jail = [
        (jail_names.display_name(jail, language), methods_for(jail, channel, country)) for jail in jails
    ]

    def said(methods: list[str]) -> str:
        return " / ".join(t(f"method_{m}", language) for m in methods) or t("pay_team", language)

    if len({tuple(methods) for _, methods in per_jail}) <= 1:
        return said(per_jail[0][1] if per_jail else [])
    return "; ".join(f"{name}: {said(methods)}" for name, methods in per_jail)


def choose_payload(method: str, order_id: int) -> str:
    """``/choose_payment{...}`` in full: never cut (Telegram's adapter tokenizes long payloads)."""
    body = json.dumps({"method": method, "order_id": str(order_id)}, separators=(",", ":"))
    return "/choose_payment" + body


def offer(dispatcher: CollectingDispatcher, order: Order, channel: str, language: str) -> None:
    """Ask how the buyer wants to pay this order, one button per usable method."""
    buttons = [
        {"title": t(f"method_{m}", language), "payload": choose_payload(m, order.id)}
        for m in offered(order, channel)
    ]
    due = amount(payments.amount_due(order) + shipping_for(order), order.currency)
    key = "pay_how" if buttons else "pay_arranged"  # nothing usable from here: staff arrange it
    dispatcher.utter_message(text=t(key, language, id=ref(order.id), amount=due), buttons=buttons)


def shipping_for(order: Order) -> int:
    """The shipping still to charge on top of ``payments.amount_due``: none once the order
    records it, else the jail's fee to the delivery country from its shipping zones."""
    return 0 if order.shipping_minor else shipping.order_fee(order)


def own_order(session: Session, tracker: Tracker, number: int | None) -> Order | None:
    """The sender's order ``number``, or None (someone else's orders do not exist for them)."""
    customer = customers.find(session, tracker.sender_id)
    if customer is None or number is None:
        return None
    try:
        return orders.get_order(session, number, customer=customer)
    except NotFound:
        return None


def order_number(tracker: Tracker) -> int | None:
    """The order the buyer named: KG-1042, #1042 or 1042 (catalog.refs.parse_ref)."""
    found = parse_ref(entity(tracker, "order_id") or "")
    return found if found is not None and found <= orders.MAX_ORDER_ID else None


SAME_CHECKOUT = timedelta(minutes=2)  # orders placed together (one per jail) in one checkout


def next_to_choose(session: Session, order: Order) -> Order | None:
    """Another order of the same checkout (one per jail, placed together) still waiting for
    its payment choice: asked again, with fresh buttons, once this one's is made. A channel
    that numbers its choices keeps only the latest reply's numbers, so the first offer's "3"
    for the second order no longer works after "2" was chosen for the first."""
    placed = payments.aware(order.created_at)
    for other in sorted(orders.for_customer(session, order.customer, limit=20), key=lambda o: o.id):
        if (
            other.id != order.id
            and other.status == OrderStatus.PLACED
            and other.paid_at is None
            and abs(payments.aware(other.created_at) - placed) <= SAME_CHECKOUT
            and not payments.payments_of(session, other)
        ):
            return other
    return None


# "KG-0002 ka payment karna hai", "pay for KG-0002", "KG-0002 کی ادائیگی", "KG-0002 का भुगतान"
PAY_WORDS = re.compile(
    r"(?i)\b(pay|paying|payment|paise|paisa|bhugtan|bhugtaan|adaigi|adayegi)\b"
    r"|भुगतान|पेमेंट|पैसे|ادائیگی|پیمنٹ|پیسے"
)
NAMED_REF = re.compile(r"(?i)(?<![a-z])kg\s*[-#‐‑–—]?\s*\d+|#\s*\d+")


def pay_named_order(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """ "KG-0002 ka payment karna hai" (read as checkout, or not understood): the payment
    choice of that order of the buyer's, or why there is none. False when the message names
    no order with a payment word (the caller goes on as before)."""
    text = tracker.latest_message.get("text") or ""
    named = NAMED_REF.search(text)
    if text.startswith("/") or named is None or not PAY_WORDS.search(text):
        return False
    language, number = lang(tracker), parse_ref(named.group())
    with db.factory()() as session:
        order = own_order(session, tracker, number)
        if order is None:
            dispatcher.utter_message(text=t("no_such_order", language, id=named.group().upper()))
        elif order.status != OrderStatus.PLACED or order.paid_at is not None:
            status = status_name("paid" if order.paid_at is not None else order.status, language)
            dispatcher.utter_message(
                text=t("pay_not_open", language, id=ref(order.id), status=status)
            )
        else:
            offer(dispatcher, order, channel_of(tracker), language)
    return True


def pending(session: Session, order: Order, method: str) -> Payment | None:
    """An open attempt by the same method, reused when the buyer presses the button again."""
    for payment in payments.payments_of(session, order):
        if payment.method == method and payment.status == PaymentStatus.PENDING:
            return payment
    return None


def invoice_json(order: Order, payment: Payment, language: str) -> dict[str, Any]:
    """The neutral invoice (``bot.core.messages.Invoice``) as Rasa custom JSON."""
    names = ", ".join(f"{ln.quantity} x {display_name(ln.product, language)}" for ln in order.lines)
    reader = current_reader()
    return {
        "title": t("invoice_title", language, id=ref(order.id))[:32],
        "description": f"{names} ({order.jail.name})"[:255],
        "payload": payment.external_id,
        "currency": order.currency,
        "prices": [[label, minor] for label, minor in payments.invoice_prices(order)],
        # who reads it (set by lang()): a channel showing it as text writes the amount for them
        "language": language,
        "country": reader.country if reader is not None else None,
    }


class ActionChoosePayment(Action):
    """Start paying one of the buyer's orders by the method they chose."""

    def name(self) -> str:
        return "action_choose_payment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language, method = lang(tracker), entity(tracker, "method") or ""
        number = order_number(tracker)
        with transaction(db.factory()) as session:
            order = own_order(session, tracker, number)
            if order is None:
                dispatcher.utter_message(
                    text=t("no_such_order", language, id=ref(number) if number else "?")
                )
                return []
            if order.status != OrderStatus.PLACED or order.paid_at is not None:
                status = "paid" if order.paid_at is not None else order.status
                status = status_name(status, language)
                dispatcher.utter_message(
                    text=t("pay_not_open", language, id=ref(order.id), status=status)
                )
                return []
            if method not in offered(order, channel_of(tracker)):
                dispatcher.utter_message(text=t("pay_not_offered", language, id=ref(order.id)))
                offer(dispatcher, order, channel_of(tracker), language)
                return []
            payment = pending(session, order, method) or payments.start(
                session, order, method, shipping_minor=order.shipping_minor or shipping_for(order)
            )
            self.reply(dispatcher, session, order, payment, language)
            after = next_to_choose(session, order)
            if after is not None:  # one checkout, two jails: the other order's choice, again
                offer(dispatcher, after, channel_of(tracker), language)
        return []

    @staticmethod
    def reply(
        dispatcher: CollectingDispatcher,
        session: Session,
        order: Order,
        payment: Payment,
        language: str,
    ) -> None:
        """What to pay with: the link to come, a QR, transfer details, an invoice, or COD."""
        due, oid = amount(payments.amount_due(order), order.currency), ref(order.id)
        if payment.method == LINK:
            dispatcher.utter_message(text=t("pay_link_follows", language, id=oid, amount=due))
        elif payment.method == UPI_QR:
            jail = order.jail
            link = upi.upi_link(
                jail.upi_vpa or "", jail.upi_payee or jail.name, payments.amount_due(order),
                payments.reference(order), f"Kaarigar order {oid}",
            )  # fmt: skip
            name = photos.store(upi.qr_png(link), Path(settings().media_dir))
            text = t("pay_upi", language, id=oid, amount=due, link=link)
            dispatcher.utter_message(text=text, image=name)
        elif payment.method == MANUAL:
            details = order.jail.manual_details or ""
            key = "pay_manual" if order.jail.country == "IN" else "pay_manual_tid"  # UTR or TID
            dispatcher.utter_message(text=t(key, language, id=oid, amount=due, details=details))
        elif payment.method == TELEGRAM:
            text = t("pay_invoice", language, id=oid, amount=due)
            dispatcher.utter_message(
                json_message={"text": text, "invoice": invoice_json(order, payment, language)}
            )
        else:
            assert payment.method == COD
            dispatcher.utter_message(text=t("pay_cod", language, id=oid, amount=due))


UTR_TEXT = re.compile(r"(?<!\d)\d(?:[\s-]?\d){11}(?!\d)")  # a UPI UTR: 12 digits
NUMBER_TEXT = re.compile(r"(?<!\d)\d(?:[\s-]?\d){7,23}(?!\d)")  # a wallet's TID: 8-24 digits
TOKEN_TEXT = re.compile(r"[A-Za-z0-9]{8,24}")  # a TID with letters in it


def reference_of(tracker: Tracker, method: str = UPI_QR) -> str | None:
    """The payment reference in the entity or anywhere in the message, with Urdu, Arabic-Indic
    and Devanagari digits read as digits: for a UPI QR the 12-digit UTR; for a transfer also a
    JazzCash or Easypaisa transaction ID (11 digits, sometimes letters among them)."""
    for text in (entity(tracker, "utr"), tracker.latest_message.get("text")):
        text = ascii_digits(text or "")
        found = UTR_TEXT.search(text)
        if found is None and method == MANUAL:
            found = NUMBER_TEXT.search(text) or next(
                (m for m in TOKEN_TEXT.finditer(text) if sum(c.isdigit() for c in m.group()) >= 6),
                None,
            )
        if found:
            return re.sub(r"[\s-]", "", found.group()).upper()
    return None


def utr_of(tracker: Tracker) -> str | None:
    """The 12-digit UTR in the entity or anywhere in the message (spaces and dashes allowed)."""
    return reference_of(tracker, UPI_QR)


def waiting_for_transfer(session: Session, tracker: Tracker) -> Order | None:
    """The buyer's latest placed, unpaid order waiting for a UPI QR or manual payment."""
    customer = customers.find(session, tracker.sender_id)
    if customer is None:
        return None
    for order in orders.for_customer(session, customer, limit=20):
        if (
            order.status == OrderStatus.PLACED
            and order.paid_at is None
            and order.payment_method in (UPI_QR, MANUAL)
        ):
            return order
    return None


class ActionRecordUtr(Action):
    """The buyer sent the UTR of their UPI payment: record it for staff to check."""

    def name(self) -> str:
        return "action_record_utr"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        with transaction(db.factory()) as session:
            order = waiting_for_transfer(session, tracker)
            method = order.payment_method if order is not None else UPI_QR
            utr = reference_of(tracker, method)
            if order is None or utr is None:
                dispatcher.utter_message(text=t("utr_no_order", language))
                return []
            try:
                payments.record_utr(session, order, utr, method)
            except CatalogError as exc:
                dispatcher.utter_message(text=t("utr_bad", language, reason=str(exc)))
                return []
            said = "utr_recorded" if method == UPI_QR else "tid_recorded"
            dispatcher.utter_message(text=t(said, language, utr=utr, id=ref(order.id)))
        return []
