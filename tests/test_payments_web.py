"""Payments through the web app, on SQLite and PostgreSQL: the payments loop makes the gateway
link and the buyer gets it on WhatsApp, a signed webhook at ``/webhooks/razorpay`` pays the
order once, forged ones change nothing, a gateway outage delays the link, and an unpaid order
is reminded once and then cancelled with its stock and link given back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.state import MemoryStore
from bot.ops.settings import Settings
from bot.payments.loop import Intervals
from bot.payments.webhooks import sign
from bot.web import create_app
from catalog import customers, payments
from catalog import staff as staffing
from catalog.db import transaction
from catalog.models import Notification, Order, OrderStatus, Payment, PaymentStatus
from catalog.refs import ref
from tests.fake_gateway import KEY_ID, KEY_SECRET, WEBHOOK_SECRET, FakeGateway
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio, wait_until
from tests.payments_support import SHIPPING, stock_of
from tests.staff_support import buyer_order
from tests.web_support import (
    SENDER_SECRET,
    post_tg,
    post_wa,
    settings_for,
    tg_text_update,
    wa_form,
)

BUYER = "+919822222222"
STAFF = "+919800000001"  # Kanda's staff on WhatsApp
TEMPLATE = "HX" + "1" * 32  # notifications outside the 24-hour window
PRICE = 240_000  # KS-101


def gateway_settings(engine: Engine, rasa: FakeRasa, twilio: FakeTwilio, gateway: FakeGateway,
                     **extra: Any) -> Settings:  # fmt: skip
    values = {
        "RAZORPAY_KEY_ID": KEY_ID,
        "RAZORPAY_KEY_SECRET": KEY_SECRET,
        "RAZORPAY_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "RAZORPAY_API_BASE_URL": gateway.url,
        "TWILIO_NOTIFY_CONTENT_SID": TEMPLATE,
    }
    return settings_for(
        engine.url.render_as_string(hide_password=False), rasa, None, twilio, **(values | extra)
    )


@asynccontextmanager
async def payments_app(
    settings: Settings, sessions: sessionmaker[Session], reconcile: float = 3600.0
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its outbox and payments loop running fast, and an in-process client.

    Reconcile runs once at the start and then only every ``reconcile`` seconds, so a webhook
    test sees what the webhook did, not the backstop."""
    app = create_app(
        settings, sessions=sessions, outbox_interval=0.05, rasa_timeout=2.0,
        payments_interval=Intervals(links=0.05, reconcile=reconcile, expire=0.05),
    )  # fmt: skip
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield client


@dataclass
class Shop:
    sessions: sessionmaker[Session]
    twilio: FakeTwilio
    gateway: FakeGateway
    client: httpx.AsyncClient | None = None
    orders: list[int] = field(default_factory=list)

    def inbox(self, number: str) -> list[str]:
        """What WhatsApp delivered to ``number`` (session text or the template's variable)."""
        return [
            m.get("Body") or json.loads(m.get("ContentVariables") or "{}").get("1", "")
            for m in self.twilio.messages
            if m["To"] == f"whatsapp:{number}"
        ]

    async def received(self, number: str, fragment: str, timeout: float = 10.0) -> str:
        await wait_until(
            lambda: any(fragment in t for t in self.inbox(number)), repr(fragment), timeout
        )
        return next(t for t in self.inbox(number) if fragment in t)

    def order_with_link_payment(self, quantity: int = 1, timeout: timedelta | None = None) -> int:
        """A WhatsApp buyer's placed order waiting for a gateway link (not made yet)."""
        sid = customers.sender_id("whatsapp", BUYER, SENDER_SECRET)
        order_id = buyer_order(self.sessions, "KS-101", quantity, sid=sid)
        with transaction(self.sessions) as s:
            order = s.get(Order, order_id)
            assert order is not None
            extra = {} if timeout is None else {"timeout": timeout}
            payments.start(s, order, "payment_link", shipping_minor=SHIPPING, **extra)
        return order_id

    def payment(self, order_id: int) -> Payment:
        with self.sessions() as s:
            return s.scalars(select(Payment).where(Payment.order_id == order_id)).one()

    def order(self, order_id: int) -> Order:
        with self.sessions() as s:
            order = s.get(Order, order_id)
            assert order is not None
            return order

    def notes(self, kind: str, order_id: int) -> list[str]:
        with self.sessions() as s:
            texts = s.scalars(select(Notification.text).where(Notification.kind == kind))
            return [t for t in texts if f"order {ref(order_id)}".lower() in t.lower()]

    async def webhook(self, raw: bytes, headers: dict[str, str]) -> httpx.Response:
        assert self.client is not None
        return await self.client.post("/webhooks/razorpay", content=raw, headers=headers)


@pytest.fixture
def shop(seeded: sessionmaker[Session], fake_twilio: FakeTwilio, fake_gateway: FakeGateway) -> Shop:
    with transaction(seeded) as s:
        customers.ensure(s, "whatsapp", BUYER, SENDER_SECRET)  # chatted just now: in the window
        staffing.add(s, "whatsapp", STAFF, role="staff", jail_code="KND")
    return Shop(seeded, fake_twilio, fake_gateway)


@pytest.fixture
def settings(engine: Engine, fake_rasa: FakeRasa, fake_twilio: FakeTwilio,
             fake_gateway: FakeGateway) -> Settings:  # fmt: skip
    return gateway_settings(engine, fake_rasa, fake_twilio, fake_gateway)


async def _linked(shop: Shop, quantity: int = 1) -> tuple[int, str]:
    """An order whose link the loop made and sent to the buyer; (order id, link id)."""
    order_id = shop.order_with_link_payment(quantity)
    text = await shop.received(BUYER, f"order {ref(order_id)} (")
    [link] = [lk for lk in shop.gateway.links.values() if lk["reference_id"] == str(order_id)]
    assert text.endswith(link["short_url"])
    return order_id, link["id"]


async def test_a_whatsapp_buyer_pays_by_link_once(shop: Shop, settings: Settings) -> None:
    async with payments_app(settings, shop.sessions) as client:
        shop.client = client
        order_id, link_id = await _linked(shop, quantity=2)
        link = shop.gateway.links[link_id]
        assert (link["amount"], link["currency"]) == (2 * PRICE + SHIPPING, "INR")
        assert shop.inbox(BUYER) == [
            f"Pay for your Kaarigar order {ref(order_id)} (₹4,880) here: {link['short_url']}"
        ]
        pay_id = shop.gateway.pay(link_id)
        raw, headers = shop.gateway.webhook(link_id)
        answer = await shop.webhook(raw, headers)
        assert (answer.status_code, answer.text) == (200, "paid")
        receipt = await shop.received(BUYER, "Payment received")
        assert receipt == (
            f"Payment received for Kaarigar order {ref(order_id)}: ₹4,880 by payment link. "
            f"Ref: {pay_id}. Thank you!"
        )
        told = await shop.received(STAFF, f"Order {ref(order_id)} paid")
        assert told.startswith(f"Order {ref(order_id)} paid: ₹4,880 by payment link, ref {pay_id}.")

        again = await shop.webhook(raw, headers)  # the gateway retries the same event
        assert (again.status_code, again.text) == (200, "duplicate")
        twins = [shop.gateway.webhook(link_id) for _ in range(2)]  # new event ids, same payment
        answers = await asyncio.gather(*(shop.webhook(r, h) for r, h in twins * 2))
        assert {a.status_code for a in answers} == {200}
        assert {a.text for a in answers} == {"duplicate"}
        order, payment = shop.order(order_id), shop.payment(order_id)
        assert (order.status, payment.status, payment.charge_id) == (
            OrderStatus.PAID, PaymentStatus.PAID, pay_id,
        )  # fmt: skip
        assert order.paid_at is not None
        assert len(shop.notes("payment_receipt", order_id)) == 1
        assert len(shop.notes("order_paid", order_id)) == 1
        await wait_until(lambda: all_sent(shop), "the outbox to drain")
        assert sum("Payment received" in t for t in shop.inbox(BUYER)) == 1


def all_sent(shop: Shop) -> bool:
    with shop.sessions() as s:
        return not s.scalars(select(Notification).where(Notification.sent_at.is_(None))).all()


async def test_forged_or_missing_signatures_change_nothing(shop: Shop, settings: Settings) -> None:
    async with payments_app(settings, shop.sessions) as client:
        shop.client = client
        order_id, link_id = await _linked(shop)
        shop.gateway.pay(link_id)
        raw, headers = shop.gateway.webhook(link_id, secret="not-the-secret")
        assert (await shop.webhook(raw, headers)).status_code == 401
        raw, headers = shop.gateway.webhook(link_id)
        missing = {k: v for k, v in headers.items() if k != "X-Razorpay-Signature"}
        assert (await shop.webhook(raw, missing)).status_code == 401
        tampered = raw.replace(b'"paid"', b'"PAID"', 1)
        assert (await shop.webhook(tampered, headers)).status_code == 401
        unreadable = {"X-Razorpay-Signature": sign(b"{not json", WEBHOOK_SECRET)}
        assert (await shop.webhook(b"{not json", unreadable)).status_code == 400
        assert (await shop.webhook(b"x" * (65 * 1024), headers)).status_code == 413
        assert shop.order(order_id).status == OrderStatus.PLACED
        assert shop.payment(order_id).status == PaymentStatus.PENDING
        assert shop.notes("payment_receipt", order_id) == []
        assert shop.notes("order_paid", order_id) == []


async def test_without_a_webhook_secret_the_route_is_not_there(
    shop: Shop, engine: Engine, fake_rasa: FakeRasa, fake_twilio: FakeTwilio,
    fake_gateway: FakeGateway,
) -> None:  # fmt: skip
    settings = gateway_settings(
        engine, fake_rasa, fake_twilio, fake_gateway, RAZORPAY_WEBHOOK_SECRET=None
    )
    async with payments_app(settings, shop.sessions) as client:
        shop.client = client
        order_id, link_id = await _linked(shop)
        shop.gateway.pay(link_id)
        assert (await shop.webhook(*shop.gateway.webhook(link_id))).status_code == 404
        assert shop.order(order_id).status == OrderStatus.PLACED


async def test_gateway_down_at_first_the_link_follows_when_it_answers(
    shop: Shop, settings: Settings
) -> None:
    shop.gateway.down = True
    async with payments_app(settings, shop.sessions) as client:
        shop.client = client
        order_id = shop.order_with_link_payment()
        creates = lambda: [c for c in shop.gateway.calls if c[1] == "/v1/payment_links"]  # noqa: E731
        await wait_until(lambda: len(creates()) >= 3, "the loop to try the gateway again")
        assert shop.payment(order_id).external_id is None
        assert shop.notes("payment_link", order_id) == []
        assert shop.order(order_id).status == OrderStatus.PLACED
        shop.gateway.down = False
        text = await shop.received(BUYER, f"order {ref(order_id)} (")
        [link] = shop.gateway.links.values()
        assert text.endswith(link["short_url"])
        assert shop.payment(order_id).external_id == link["id"]
        assert len(shop.notes("payment_link", order_id)) == 1


async def test_an_unpaid_order_is_reminded_once_then_cancelled_with_stock_and_link_back(
    shop: Shop, engine: Engine, fake_rasa: FakeRasa, fake_twilio: FakeTwilio,
    fake_gateway: FakeGateway,
) -> None:  # fmt: skip
    hours = 0.0005  # 1.8 seconds: reminded after 0.9 s, cancelled at 1.8 s
    settings = gateway_settings(
        engine, fake_rasa, fake_twilio, fake_gateway, KAARIGAR_PAYMENT_TIMEOUT=str(hours)
    )
    before = stock_of(shop.sessions, "KS-101")
    async with payments_app(settings, shop.sessions) as client:
        shop.client = client
        order_id = shop.order_with_link_payment(quantity=2, timeout=timedelta(hours=hours))
        await shop.received(BUYER, f"order {ref(order_id)} (")
        assert stock_of(shop.sessions, "KS-101")[0] == before[0] - 2
        reminder = await shop.received(BUYER, "is waiting for payment")
        assert reminder.startswith(f"Your Kaarigar order {ref(order_id)} (₹4,880)")
        await shop.received(BUYER, f"order {ref(order_id)} was cancelled (not paid in time)")
        [link] = shop.gateway.links.values()
        await wait_until(lambda: link["status"] == "cancelled", "the link cancelled at the gateway")
        assert shop.order(order_id).status == OrderStatus.CANCELLED
        assert shop.payment(order_id).status == PaymentStatus.CANCELLED
        assert stock_of(shop.sessions, "KS-101") == before  # stock back, ledger agrees
        assert len(shop.notes("payment_reminder", order_id)) == 1
        assert sum("waiting for payment" in t for t in shop.inbox(BUYER)) == 1


async def test_staff_refund_of_a_cancelled_link_payment_goes_through_the_gateway(
    shop: Shop, settings: Settings
) -> None:
    async with payments_app(settings, shop.sessions) as client:
        shop.client = client
        order_id, link_id = await _linked(shop)
        pay_id = shop.gateway.pay(link_id)
        assert (await shop.webhook(*shop.gateway.webhook(link_id))).text == "paid"
        await shop.received(STAFF, f"Order {ref(order_id)} paid")
        for command in (f"/cancel {order_id} buyer asked", f"/refund {order_id}"):
            form = wa_form(STAFF, command)
            assert (await post_wa(client, form)).status_code == 200
        reply = await shop.received(STAFF, "refunded through the gateway")
        [refund] = shop.gateway.refunds
        assert refund["payment_id"] == pay_id
        assert reply.startswith(f"Order {ref(order_id)}: ₹2,480 refunded through the gateway")
        assert refund["id"] in reply
        assert shop.payment(order_id).status == PaymentStatus.REFUNDED


async def test_two_processes_make_one_link_and_send_it_once(shop: Shop, settings: Settings) -> None:
    store = MemoryStore()  # what Redis is to several processes
    apps = [
        create_app(
            settings,
            sessions=shop.sessions,
            store=store,
            outbox_interval=0.05,
            payments_interval=0.05,
            namespace="",
        )  # fmt: skip
        for _ in range(2)
    ]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        order_ids = [shop.order_with_link_payment() for _ in range(3)]
        for order_id in order_ids:
            await shop.received(BUYER, f"order {ref(order_id)} (")
        await wait_until(lambda: all_sent(shop), "the outbox to drain")
    creates = [c for c in shop.gateway.calls if c[1] == "/v1/payment_links"]
    assert len(creates) == 3 == len(shop.gateway.links)
    assert len(shop.inbox(BUYER)) == 3
    assert all(len(shop.notes("payment_link", o)) == 1 for o in order_ids)


async def test_a_lost_webhook_is_found_by_the_loops_reconcile(
    shop: Shop, settings: Settings
) -> None:
    async with payments_app(settings, shop.sessions, reconcile=0.05) as client:
        shop.client = client
        order_id, link_id = await _linked(shop)
        pay_id = shop.gateway.pay(link_id)  # paid at the gateway; its webhook never comes
        receipt = await shop.received(BUYER, "Payment received")
        assert f"Ref: {pay_id}." in receipt
        await shop.received(STAFF, f"Order {ref(order_id)} paid")
        assert shop.order(order_id).status == OrderStatus.PAID


async def test_a_wrong_amount_stays_unpaid_and_an_unknown_link_is_acknowledged(
    shop: Shop, settings: Settings
) -> None:
    async with payments_app(settings, shop.sessions) as client:
        shop.client = client
        order_id, link_id = await _linked(shop)
        shop.gateway.pay(link_id, amount=100)
        answer = await shop.webhook(*shop.gateway.webhook(link_id))
        assert (answer.status_code, answer.text) == (200, "mismatch")
        alert = await shop.received(STAFF, f"Order {ref(order_id)}: ₹1 arrived")
        assert "It stays unpaid" in alert
        assert shop.order(order_id).status == OrderStatus.PLACED
        assert shop.notes("payment_receipt", order_id) == []
        raw = json.dumps({"event": "payment_link.paid", "payload": {
            "payment_link": {"entity": {"id": "plink_unknown"}},
            "payment": {"entity": {"id": "pay_x", "amount": 100, "currency": "INR"}}}}).encode()  # fmt: skip
        headers = {"X-Razorpay-Signature": sign(raw, WEBHOOK_SECRET), "X-Razorpay-Event-Id": "e1"}
        answer = await shop.webhook(raw, headers)
        assert (answer.status_code, answer.text) == (200, "unknown")


async def test_telegram_invoices_get_the_provider_token_and_the_webhook_takes_pre_checkouts(
    seeded: sessionmaker[Session], engine: Engine, fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:  # fmt: skip
    token = "284685063:TEST:provider"
    invoice = {"title": "Kaarigar order 1", "description": "Kullu shawl", "payload": "p" * 43,
               "currency": "INR", "prices": [["Order 1", 240_000], ["Shipping", 8_000]]}  # fmt: skip

    async def respond(sender: str, message: str) -> list[dict[str, Any]]:
        return [{"recipient_id": sender, "custom": {"invoice": invoice}}]

    fake_rasa.respond = respond
    settings = settings_for(
        engine.url.render_as_string(hide_password=False), fake_rasa, fake_telegram, None,
        TELEGRAM_PAYMENT_PROVIDER_TOKEN=token,
    )  # fmt: skip
    app = create_app(settings, sessions=seeded, outbox_interval=None, payments_interval=None,
                     register_webhook=True)  # fmt: skip
    async with app.router.lifespan_context(app):
        [hook] = fake_telegram.sent("setWebhook")
        assert {"message", "callback_query", "pre_checkout_query"} <= set(hook["allowed_updates"])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            assert (await post_tg(client, tg_text_update(4242, "pay"))).status_code == 200
            await fake_telegram.wait_for("sendInvoice")
    [sent] = fake_telegram.sent("sendInvoice")
    assert (sent["provider_token"], sent["payload"]) == (token, "p" * 43)
