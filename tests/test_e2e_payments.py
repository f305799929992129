"""End to end through the real Rasa and action servers, ending in a paid order (marked ``rasa``).

A WhatsApp buyer in India buys two Kullu shawls, picks the payment link among the jail's
methods, receives the link the web app made at the (loopback) gateway, pays, and the signed
webhook marks the order paid and sends a receipt. A Telegram buyer in the United Kingdom buys
the same, picks the card on Telegram, receives an invoice with shipping abroad as its own line,
passes pre-checkout and pays. Both on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog import payment_methods
from catalog.db import transaction
from catalog.models import Jail, Order, OrderStatus
from catalog.refs import ref
from tests.fake_gateway import KEY_ID, KEY_SECRET, WEBHOOK_SECRET, FakeGateway
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio, wait_until
from tests.fixtures_rasa import PAYMENT_PROVIDER_TOKEN
from tests.test_e2e_channels import TelegramBuyer, _buy_two_kullu_shawls, _settle
from tests.test_payments_telegram import BUYER, tg_pre_checkout, tg_successful_payment
from tests.test_payments_web import payments_app
from tests.web_support import (
    post_tg,
    post_wa,
    settings_for,
    wa_form,
)

pytestmark = pytest.mark.rasa

LINK_WORDS = ("link", "लिंक")
CARD_WORDS = ("telegram", "टेलीग्राम")
ABROAD = [
    (("name", "नाम", "naam"), "Imran Shah"),
    (("phone", "फ़ोन"), "+447700900123"),
    (("address", "पता"), "14 Green Lane, Leicester"),
    (("country", "देश", "desh"), "United Kingdom"),
    (("postal", "postcode", "पिन", "pin code"), "LE2 1AB"),
]


def _indian_jails_take(
    sessions: sessionmaker[Session], methods: list[str]
) -> Iterator[sessionmaker[Session]]:
    """The Indian jails take ``methods`` for one test, then go back to the defaults."""

    def set_methods(methods: list[str] | None) -> None:
        with transaction(sessions) as s:
            for jail in s.scalars(select(Jail).where(Jail.country == "IN")):
                if methods is None:
                    jail.payment_methods = None
                else:
                    payment_methods.set_methods(s, jail, methods, actor="test")

    set_methods(methods)
    yield sessions
    set_methods(None)


@pytest.fixture
def indian_jails_take_links(any_rasa_stack: Any) -> Iterator[sessionmaker[Session]]:
    yield from _indian_jails_take(any_rasa_stack.sessions, ["payment_link", "cod"])


@pytest.fixture
def indian_jails_take_cards(any_rasa_stack: Any) -> Iterator[sessionmaker[Session]]:
    yield from _indian_jails_take(any_rasa_stack.sessions, ["telegram_invoice", "payment_link"])


async def test_whatsapp_buyer_in_india_pays_by_link_and_the_order_is_paid(
    any_rasa_stack: Any,
    indian_jails_take_links: sessionmaker[Session],
    fake_twilio: FakeTwilio,
    fake_rasa: FakeRasa,
    fake_gateway: FakeGateway,
) -> None:
    sessions = indian_jails_take_links
    settings = settings_for(
        any_rasa_stack.database_url, fake_rasa, None, fake_twilio,
        RASA_URL=any_rasa_stack.rasa_url, RAZORPAY_KEY_ID=KEY_ID, RAZORPAY_KEY_SECRET=KEY_SECRET,
        RAZORPAY_WEBHOOK_SECRET=WEBHOOK_SECRET, RAZORPAY_API_BASE_URL=fake_gateway.url,
    )  # fmt: skip
    number = "+919800077002"
    async with payments_app(settings, sessions) as client:

        def bodies() -> list[str]:
            return [m.get("Body") or "" for m in fake_twilio.messages]

        async def say(text: str) -> None:
            n = len(fake_twilio.messages)
            await post_wa(client, wa_form(number, text))
            await _settle(lambda: len(fake_twilio.messages) > n)

        def choices(body: str) -> list[str]:
            return [
                line.split(". ", 1)[1]
                for line in body.splitlines()
                if ". " in line and line.split(". ", 1)[0].isdigit()
            ]

        async def press(index: int) -> None:
            await say(str(index + 1))

        def last() -> tuple[str, list[str]]:
            body = bodies()[-1] if bodies() else ""
            return body, choices(body)

        await _buy_two_kullu_shawls(sessions, last, say, press)
        with sessions() as s:
            order = s.scalars(select(Order).order_by(Order.id.desc())).first()
            assert order is not None and order.status == OrderStatus.PLACED
            order_id = order.id
        await wait_until(lambda: ref(order_id) in bodies()[-1] and len(last()[1]) >= 2,
                         "the payment methods", 30)  # fmt: skip
        # WhatsApp numbers the choices of one turn across its messages: send the shown number.
        numbered = [line.split(". ", 1) for line in bodies()[-1].splitlines() if ". " in line]
        pick = next(n for n, title in numbered if any(w in title.lower() for w in LINK_WORDS))
        await say(pick)

        def link() -> dict[str, Any] | None:
            found = [lk for lk in fake_gateway.links.values()
                     if lk["reference_id"] == str(order_id)]  # fmt: skip
            return found[0] if found else None

        await wait_until(lambda: link() is not None, "the payment link at the gateway", 30)
        made = link()
        assert made is not None and made["currency"] == "INR"
        await wait_until(lambda: any(made["short_url"] in b for b in bodies()), "the link", 30)
        pay_id = fake_gateway.pay(made["id"])
        raw, headers = fake_gateway.webhook(made["id"])
        answer = await client.post("/webhooks/razorpay", content=raw, headers=headers)
        assert (answer.status_code, answer.text) == (200, "paid")
        await wait_until(lambda: any(pay_id in b for b in bodies()), "the receipt", 30)
    with sessions() as s:
        paid = s.get(Order, order_id)
        assert paid is not None and paid.status == OrderStatus.PAID
        assert made["amount"] == paid.total_minor + paid.shipping_minor


async def test_telegram_buyer_abroad_pays_an_invoice_and_the_order_is_paid(
    any_rasa_stack: Any,
    indian_jails_take_cards: sessionmaker[Session],
    fake_telegram: FakeTelegram,
    fake_rasa: FakeRasa,
) -> None:
    sessions = indian_jails_take_cards
    settings = settings_for(
        any_rasa_stack.database_url, fake_rasa, fake_telegram, None,
        RASA_URL=any_rasa_stack.rasa_url, TELEGRAM_PAYMENT_PROVIDER_TOKEN=PAYMENT_PROVIDER_TOKEN,
    )  # fmt: skip
    async with payments_app(settings, sessions) as client:
        buyer = TelegramBuyer(client, fake_telegram, BUYER)
        texts, last, press = buyer.texts, buyer.last, buyer.press
        await _buy_two_kullu_shawls(sessions, last, buyer.say, press, ABROAD)
        with sessions() as s:
            order = s.scalars(select(Order).order_by(Order.id.desc())).first()
            assert order is not None and order.status == OrderStatus.PLACED
            assert order.ship_country == "United Kingdom"
            order_id, goods = order.id, order.total_minor
        await wait_until(lambda: any(CARD_WORDS[0] in t.lower() or CARD_WORDS[1] in t
                                     for t in last()[1]), "the payment methods", 30)  # fmt: skip
        card = next(i for i, t in enumerate(last()[1]) if any(w in t.lower() for w in CARD_WORDS))
        await press(card)
        await fake_telegram.wait_for("sendInvoice")
        [invoice] = fake_telegram.sent("sendInvoice")
        assert invoice["provider_token"] == PAYMENT_PROVIDER_TOKEN
        assert invoice["currency"] == "INR" and len(invoice["payload"].encode()) <= 128
        amounts = [price["amount"] for price in invoice["prices"]]
        assert len(amounts) == 2 and amounts[0] == goods and amounts[1] > 0  # shipping abroad
        total = sum(amounts)
        query = tg_pre_checkout(invoice["payload"], total)
        await post_tg(client, query)
        await fake_telegram.wait_for("answerPreCheckoutQuery")
        [answer] = fake_telegram.sent("answerPreCheckoutQuery")
        assert answer["ok"] is True
        assert answer["pre_checkout_query_id"] == query["pre_checkout_query"]["id"]
        await post_tg(client, tg_successful_payment(invoice["payload"], total, "tg_e2e_charge"))
        await wait_until(lambda: any("tg_e2e_charge" in t for t in texts()), "the receipt", 30)
    with sessions() as s:
        paid = s.get(Order, order_id)
        assert paid is not None and paid.status == OrderStatus.PAID
        assert paid.total_minor + paid.shipping_minor == total
