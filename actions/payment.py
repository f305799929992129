"""Paying for an order: the jail's methods offered, the chosen one started, a UPI UTR recorded.

Button payloads are untrusted (a buyer can type any ``/choose_payment{...}``): the order must be
the sender's own and unpaid, and the method one the jail offers on this channel right now.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import db
from actions.common import (
    amount,
    buyer_currency,
    channel_of,
    display_name,
    entity,
    is_payload,
    lang,
    last_turn,
    status_name,
)
from actions.texts import t
from bot.ops.settings import Settings, load
from bot.payments import upi
from catalog import customers, jail_names, orders, payment_methods, payments, photos, shipping
from catalog.db import transaction
from catalog.digits import ascii_digits
from catalog.errors import CatalogError, NotFound
from catalog.models import Jail, Order, OrderStatus, Payment, PaymentStatus
from catalog.money import current_reader
from catalog.payment_methods import (
    COD,
    LINK,
    MANUAL,
    METHODS,
    TELEGRAM,
    UPI_QR,
    methods_named,
    not_a_choice,
)
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
    choice of that order of the buyer's, or why there is none. "payment karna hai" / "pay now"
    naming no order: the choice still open (just offered, or an order placed and not chosen for,
    when the cart is empty) offered again. False when the message is neither (the caller goes
    on as before)."""
    text = tracker.latest_message.get("text") or ""
    named = NAMED_REF.search(text)
    if text.startswith("/") or not PAY_WORDS.search(text):
        return False
    if named is None:
        return offer_open(dispatcher, tracker)
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


CHOOSE = "/choose_payment"


def last_buttons(tracker: Tracker) -> list[str]:
    """The payloads of the buttons the bot's last turn showed, in the order shown (a channel
    that numbers choices numbers them so across the whole answer)."""
    payloads: list[str] = []
    for event in reversed(last_turn(tracker)):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            payloads.extend(str(b.get("payload") or "") for b in buttons)
    return payloads


def choice_of(payload: str) -> tuple[int, str] | None:
    """(order id, method) of a ``/choose_payment{...}`` payload, else None."""
    if not payload.startswith(CHOOSE):
        return None
    try:
        body = json.loads(payload[len(CHOOSE) :])
        return int(body["order_id"]), str(body["method"])
    except (ValueError, KeyError, TypeError):
        return None


def open_offers(tracker: Tracker) -> dict[int, list[str]]:
    """The "how will you pay for KG-xxxx?" choices the bot's last turn asked: order id ->
    its methods as offered (in order; one checkout of two jails asks two)."""
    found: dict[int, list[str]] = {}
    for payload in last_buttons(tracker):
        choice = choice_of(payload)
        if choice is not None:
            found.setdefault(choice[0], []).append(choice[1])
    return found


def typed_choice(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """While the bot's last turn asks how to pay an order, a typed word naming one offered
    method ("upi", "cash", "कैश", "نقد") or a bare number picks it as the button would;
    a word naming several ("card": the link and Telegram's card) asks the choice again.
    False when no choice is open or the message is something else (a question, say)."""
    text = (tracker.latest_message.get("text") or "").strip()
    offers = open_offers(tracker)
    if not text or is_payload(tracker) or not offers:
        return False
    if ascii_digits(text).isdigit():  # the numbered option, when the web app could not resolve it
        buttons = last_buttons(tracker)
        n = int(ascii_digits(text))
        choice = choice_of(buttons[n - 1]) if 1 <= n <= len(buttons) else None
        if choice is None:
            return False
        choose(dispatcher, tracker, choice[0], choice[1])
        return True
    if not_a_choice(text):
        return False
    for number, methods in offers.items():
        named = methods_named(text, methods)
        if len(named) == 1:
            choose(dispatcher, tracker, number, named[0])
            return True
        if len(named) > 1:  # "card": which one?
            with db.factory()() as session:
                order = own_order(session, tracker, number)
                if order is None or order.status != OrderStatus.PLACED or order.paid_at is not None:
                    return False
                offer(dispatcher, order, channel_of(tracker), lang(tracker))
            return True
    if methods_named(text, list(METHODS)):  # "upi" where only cash on delivery is offered
        with db.factory()() as session:
            order = own_order(session, tracker, next(iter(offers)))
            if order is None or order.status != OrderStatus.PLACED or order.paid_at is not None:
                return False
            language = lang(tracker)
            dispatcher.utter_message(text=t("method_not_offered", language, id=ref(order.id)))
            offer(dispatcher, order, channel_of(tracker), language)
        return True
    return False


OPEN_FOR = timedelta(days=1)  # an order placed without a payment choice: offered again this long


def unchosen(session: Session, tracker: Tracker) -> list[Order]:
    """The orders whose payment choice is open: those the last turn asked about, else (the
    cart empty) the buyer's latest order placed within a day with no payment chosen, with the
    other orders of its checkout. Paid, cancelled or chosen orders are not."""
    asked = [own_order(session, tracker, number) for number in open_offers(tracker)]
    found = [o for o in asked if o is not None and o.status == OrderStatus.PLACED
             and o.paid_at is None]  # fmt: skip
    if found or asked or tracker.get_slot("cart"):  # a cart: a new checkout's question
        return found
    customer = customers.find(session, tracker.sender_id)
    if customer is None:
        return []
    now = datetime.now(UTC)
    for order in orders.for_customer(session, customer, limit=20):  # latest first
        if order.status != OrderStatus.PLACED or order.paid_at is not None:
            continue
        if payments.payments_of(session, order):
            break  # the latest open order has its choice: nothing is waiting
        if now - payments.aware(order.created_at) > OPEN_FOR:
            break
        after = next_to_choose(session, order)
        return sorted([order, *([after] if after is not None else [])], key=lambda o: o.id)
    return []


def offer_open(
    dispatcher: CollectingDispatcher, tracker: Tracker, currency: str | None = None
) -> bool:
    """Offer again the payment choices still open (``unchosen``), with a word on currency when
    the buyer asked about paying in ``currency``: the card is charged in the order's currency,
    the amount in theirs beside it when a rate is set. False when none is open."""
    language, channel = lang(tracker), channel_of(tracker)
    with db.factory()() as session:
        waiting = unchosen(session, tracker)
        for order in waiting:
            if currency and currency.upper() != order.currency:
                due = payments.amount_due(order) + shipping_for(order)
                shown = amount(due, order.currency, session, currency)
                dispatcher.utter_message(
                    text=t("pay_currency", language, id=ref(order.id), amount=shown)
                )
            offer(dispatcher, order, channel, language)
    return bool(waiting)


CURRENCY_WORDS = {
    "GBP": r"pounds?|£|gbp|sterling|पाउंड|پاؤنڈ",
    "USD": r"dollars?|\$|usd|डॉलर|ڈالر",
    "EUR": r"euros?|€|eur|यूरो|یورو",
    "AED": r"dirhams?|aed|दिरहम|درہم",
    "SAR": r"riyals?|sar|रियाल|ریال",
    "CAD": r"canadian dollars?|cad",
    "AUD": r"australian dollars?|aud",
}
_CURRENCY = [
    (code, re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I)) for code, words in CURRENCY_WORDS.items()
]


def asked_currency(tracker: Tracker) -> str | None:
    """The currency a payment question is about: named ("in pounds", the entity), else the
    buyer's own when they speak of a foreign card or their country's currency is not rupees."""
    named = entity(tracker, "currency")
    if named:
        return named.upper()
    text = tracker.latest_message.get("text") or ""
    for code, pattern in _CURRENCY[::-1]:  # "canadian dollars" before "dollars"
        if pattern.search(text):
            return code
    return buyer_currency(tracker)


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


def choose(
    dispatcher: CollectingDispatcher, tracker: Tracker, number: int | None, method: str
) -> None:
    """Start paying the buyer's order ``number`` by ``method`` (a button's, or the word typed
    for it): only the sender's own open order, by a method offered for it on this channel."""
    language = lang(tracker)
    with transaction(db.factory()) as session:
        order = own_order(session, tracker, number)
        if order is None:
            dispatcher.utter_message(
                text=t("no_such_order", language, id=ref(number) if number else "?")
            )
            return
        if order.status != OrderStatus.PLACED or order.paid_at is not None:
            status = "paid" if order.paid_at is not None else order.status
            status = status_name(status, language)
            dispatcher.utter_message(
                text=t("pay_not_open", language, id=ref(order.id), status=status)
            )
            return
        if method not in offered(order, channel_of(tracker)):
            dispatcher.utter_message(text=t("pay_not_offered", language, id=ref(order.id)))
            offer(dispatcher, order, channel_of(tracker), language)
            return
        payment = pending(session, order, method) or payments.start(
            session, order, method, shipping_minor=order.shipping_minor or shipping_for(order)
        )
        ActionChoosePayment.reply(dispatcher, session, order, payment, language)
        after = next_to_choose(session, order)
        if after is not None:  # one checkout, two jails: the other order's choice, again
            offer(dispatcher, after, channel_of(tracker), language)


class ActionChoosePayment(Action):
    """Start paying one of the buyer's orders by the method they chose."""

    def name(self) -> str:
        return "action_choose_payment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        typed = not is_payload(tracker)  # "upi", "cash on delivery" answering the offer
        if typed and (
            typed_choice(dispatcher, tracker)
            or (order_number(tracker) is None and offer_open(dispatcher, tracker))
        ):
            return []
        choose(dispatcher, tracker, order_number(tracker), entity(tracker, "method") or "")
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
        if reference_of(tracker, MANUAL) is None and typed_choice(dispatcher, tracker):
            return []  # "upi" answering the offer, read as a reference
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
