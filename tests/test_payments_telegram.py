"""Telegram Payments through the web app and the loopback fakes: the invoice rendered with the
provider token, pre-checkout answered, a successful payment applied once."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Update

from bot.core.messages import Invoice, Reply
from bot.core.rasa_client import to_reply
from bot.core.state import MemoryStore
from bot.handlers.telegram import CallbackTokens, send_replies
from bot.handlers.whatsapp import render as wa_render
from bot.ops.settings import Settings
from bot.payments.telegram import TelegramPayments
from catalog import orders, payments
from catalog.db import transaction
from catalog.models import Notification, Order, Payment, PaymentStatus
from catalog.refs import ref
from tests.fixtures_channels import BOT_TOKEN, FakeRasa, FakeTelegram, wait_until
from tests.payments_support import SHIPPING, add_staff, place, start
from tests.web_support import post_tg, running_app, settings_for, tg_text_update

BUYER = 555777
PROVIDER_TOKEN = "284685063:TEST:provider"
_ids = itertools.count(70_000)


def tg_pre_checkout(payload: str, total: int, currency: str = "INR") -> dict[str, Any]:
    uid = next(_ids)
    return {
        "update_id": uid,
        "pre_checkout_query": {
            "id": f"pcq{uid}",
            "from": {"id": BUYER, "is_bot": False, "first_name": "Buyer"},
            "currency": currency,
            "total_amount": total,
            "invoice_payload": payload,
        },
    }


def tg_successful_payment(payload: str, total: int, charge: str, currency: str = "INR") -> dict:
    uid = next(_ids)
    return {
        "update_id": uid,
        "message": {
            "message_id": uid,
            "date": 1_700_000_000,
            "chat": {"id": BUYER, "type": "private"},
            "from": {"id": BUYER, "is_bot": False, "first_name": "Buyer"},
            "successful_payment": {
                "currency": currency,
                "total_amount": total,
                "invoice_payload": payload,
                "telegram_payment_charge_id": charge,
                "provider_payment_charge_id": f"prov_{charge}",
            },
        },
    }


@pytest.fixture
def settings(engine, fake_rasa: FakeRasa, fake_telegram: FakeTelegram) -> Settings:  # type: ignore[no-untyped-def]
    return settings_for(
        engine.url.render_as_string(hide_password=False), fake_rasa, fake_telegram, None,
        TELEGRAM_PAYMENT_PROVIDER_TOKEN=PROVIDER_TOKEN,
    )  # fmt: skip


def invoice_order(sessions: sessionmaker[Session]) -> tuple[int, str, int]:
    """A placed order with an open Telegram invoice: (order id, payload, total with shipping)."""
    order_id = place(sessions)
    payment = start(sessions, order_id, "telegram_invoice")
    assert payment.external_id is not None
    return order_id, payment.external_id, payment.amount_minor


def answers(fake: FakeTelegram) -> list[dict[str, Any]]:
    return fake.sent("answerPreCheckoutQuery")


async def test_rasa_invoice_json_becomes_a_telegram_invoice(
    seeded: sessionmaker[Session], fake_telegram: FakeTelegram
) -> None:
    order_id, payload, total = invoice_order(seeded)
    item = {"custom": {"text": "Here is your invoice.", "invoice": {
        "title": f"Kaarigar order {ref(order_id)}", "description": "1 x Kullu Shawl (Wool)",
        "payload": payload, "currency": "INR",
        "prices": [[f"Order {ref(order_id)}", total - SHIPPING], ["Shipping", SHIPPING]],
    }}}  # fmt: skip
    reply = to_reply(item)
    assert reply is not None and reply.invoice is not None and reply.invoice.total == total
    bot = Bot(BOT_TOKEN, base_url=fake_telegram.base_url)
    async with bot:
        tokens = CallbackTokens(MemoryStore())
        await send_replies(bot, BUYER, [reply], tokens, provider_token=PROVIDER_TOKEN)
    [sent] = fake_telegram.sent("sendInvoice")
    assert sent["provider_token"] == PROVIDER_TOKEN and sent["payload"] == payload
    assert sent["currency"] == "INR" and sent["title"] == f"Kaarigar order {ref(order_id)}"
    assert sent["prices"] == [
        {"label": f"Order {ref(order_id)}", "amount": total - SHIPPING},
        {"label": "Shipping", "amount": SHIPPING},
    ]
    assert fake_telegram.sent()[0]["text"] == "Here is your invoice."


@pytest.mark.parametrize(
    "bad",
    [
        {
            "title": "x" * 33,
            "description": "d",
            "payload": "p",
            "currency": "INR",
            "prices": [["a", 1]],
        },
        {
            "title": "t",
            "description": "d",
            "payload": "p" * 129,
            "currency": "INR",
            "prices": [["a", 1]],
        },
        {
            "title": "t",
            "description": "d",
            "payload": "p",
            "currency": "INR",
            "prices": [["a", "1"]],
        },
        {"title": "t", "description": "d", "payload": "p", "currency": "INR", "prices": "x"},
        "an invoice",
    ],
)
def test_a_bad_invoice_shape_is_dropped_and_the_text_kept(bad: Any) -> None:
    reply = to_reply({"custom": {"text": "Pay here", "invoice": bad}})
    assert reply == Reply(text="Pay here")


async def test_without_a_provider_token_an_invoice_is_sent_as_text(
    fake_telegram: FakeTelegram,
) -> None:
    invoice = Invoice("Kaarigar order 7", "1 x shawl", "p" * 43, "INR", (("Order 7", 240_000),))
    bot = Bot(BOT_TOKEN, base_url=fake_telegram.base_url)
    async with bot:
        await send_replies(bot, BUYER, [Reply(invoice=invoice)], CallbackTokens(MemoryStore()))
    assert fake_telegram.sent("sendInvoice") == []
    assert "₹2,400" in fake_telegram.sent()[0]["text"]


async def test_pre_checkout_is_accepted_for_an_open_order(
    seeded: sessionmaker[Session], settings: Settings, fake_telegram: FakeTelegram
) -> None:
    _, payload, total = invoice_order(seeded)
    async with running_app(settings, seeded) as (_, client):
        assert (await post_tg(client, tg_pre_checkout(payload, total))).status_code == 200
        await fake_telegram.wait_for("answerPreCheckoutQuery")
        assert (await post_tg(client, tg_pre_checkout(payload, total - 1))).status_code == 200
        await fake_telegram.wait_for("answerPreCheckoutQuery", 2)
    ok, wrong_total = sorted(answers(fake_telegram), key=lambda a: a["pre_checkout_query_id"])
    assert ok["ok"] is True and "error_message" not in ok
    assert wrong_total["ok"] is False and "₹2,480" in wrong_total["error_message"]


async def test_pre_checkout_is_refused_after_the_order_was_cancelled(
    seeded: sessionmaker[Session], settings: Settings, fake_telegram: FakeTelegram
) -> None:
    order_id, payload, total = invoice_order(seeded)
    with transaction(seeded) as s:
        order = s.get(Order, order_id)
        assert order is not None
        orders.cancel(s, order, reason="payment time is up", actor="test")
    cancelled_q, forged_q = tg_pre_checkout(payload, total), tg_pre_checkout("forged", total)
    async with running_app(settings, seeded) as (_, client):
        await post_tg(client, cancelled_q)
        await post_tg(client, forged_q)
        await fake_telegram.wait_for("answerPreCheckoutQuery", 2)
    by_id = {a["pre_checkout_query_id"]: a for a in answers(fake_telegram)}
    assert by_id[cancelled_q["pre_checkout_query"]["id"]] == {
        "pre_checkout_query_id": cancelled_q["pre_checkout_query"]["id"],
        "ok": False,
        "error_message": f"Order {ref(order_id)} cannot be paid now.",
    }
    assert by_id[forged_q["pre_checkout_query"]["id"]]["error_message"] == (
        "This invoice is not valid any more."
    )


async def test_a_successful_payment_marks_the_order_paid_once(
    seeded: sessionmaker[Session],
    settings: Settings,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.payments.telegram")
    add_staff(seeded)
    order_id, payload, total = invoice_order(seeded)
    paid = tg_successful_payment(payload, total, "tgcharge_1")
    async with running_app(settings, seeded) as (_, client):
        assert (await post_tg(client, paid)).status_code == 200
        again = {**paid, "update_id": next(_ids)}  # delivered twice, as two updates
        assert (await post_tg(client, again)).status_code == 200
        assert (await post_tg(client, paid)).status_code == 200  # and a plain retry

        def handled() -> list[str]:
            return [r.getMessage() for r in caplog.records if "telegram payment" in r.getMessage()]

        await wait_until(lambda: len(handled()) == 3, "three payment updates handled")
    assert sorted(m.split(": ")[1].split(" ")[0] for m in handled()) == [
        "duplicate",
        "duplicate",
        "paid",
    ]
    with seeded() as s:
        order = s.get(Order, order_id)
        assert order is not None and order.status == "paid"
        [payment] = s.scalars(select(Payment).where(Payment.order_id == order_id)).all()
        assert payment.status == PaymentStatus.PAID
        assert (payment.charge_id, payment.provider_charge_id) == ("tgcharge_1", "prov_tgcharge_1")
        kinds = [n.kind for n in s.scalars(select(Notification).order_by(Notification.id))]
        assert payments.payment_state(s, order) == "paid"
    assert kinds.count("payment_receipt") == 1
    assert kinds.count("order_paid") == 1
    assert fake_telegram.sent() == []  # nothing went to Rasa or back as a chat reply


def test_whatsapp_renders_a_stray_invoice_as_text() -> None:
    invoice = Invoice("Kaarigar order 7", "1 x shawl", "p" * 43, "INR", (("Order 7", 240_000),))
    [out] = wa_render([Reply(text="Here is your invoice.", invoice=invoice)])
    assert out.body == "Here is your invoice.\nKaarigar order 7: ₹2,400"
    assert [o.body for o in wa_render([Reply(invoice=invoice)])] == ["Kaarigar order 7: ₹2,400"]


async def test_an_invoice_from_rasa_reaches_the_buyer_through_the_web_app(
    seeded: sessionmaker[Session],
    settings: Settings,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    order_id, payload, total = invoice_order(seeded)
    invoice = {
        "title": f"Kaarigar order {ref(order_id)}", "description": "1 x Kullu Shawl (Wool)",
        "payload": payload, "currency": "INR", "prices": [[f"Order {ref(order_id)}", total]],
    }  # fmt: skip

    async def respond(sender: str, message: str) -> list[dict[str, Any]]:
        return [{"recipient_id": sender, "custom": {"text": "Your invoice:", "invoice": invoice}}]

    fake_rasa.respond = respond
    async with running_app(settings, seeded) as (_, client):
        await post_tg(client, tg_text_update(BUYER, "pay by card"))
        await fake_telegram.wait_for("sendInvoice")
    [sent] = fake_telegram.sent("sendInvoice")
    assert (sent["provider_token"], sent["payload"]) == (PROVIDER_TOKEN, payload)
    assert sent["prices"] == [{"label": f"Order {ref(order_id)}", "amount": total}]


async def test_a_successful_payment_survives_a_database_outage(
    seeded: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram sends a successful payment once: a failed write is tried again, not lost."""
    order_id, payload, total = invoice_order(seeded)
    real, failures = payments.confirm_paid, [OperationalError("UPDATE", {}, Exception("down"))] * 2

    def flaky(*args: Any, **kwargs: Any) -> payments.Outcome:
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(payments, "confirm_paid", flaky)
    handler = TelegramPayments(seeded, retry_delays=(0.01, 0.01, 0.01))
    update = Update.de_json(tg_successful_payment(payload, total, "tgcharge_down"), None)
    await handler.successful_payment(update, None)  # type: ignore[arg-type]
    assert failures == []
    with seeded() as s:
        order = s.get(Order, order_id)
        assert order is not None and order.status == "paid"


async def test_a_successful_payment_that_cannot_be_written_is_logged_for_the_operator(
    seeded: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    order_id, payload, total = invoice_order(seeded)

    def down(*args: Any, **kwargs: Any) -> payments.Outcome:
        raise OperationalError("UPDATE", {}, Exception("down"))

    monkeypatch.setattr(payments, "confirm_paid", down)
    handler = TelegramPayments(seeded, retry_delays=(0.01,))
    update = Update.de_json(tg_successful_payment(payload, total, "tgcharge_lost"), None)
    await handler.successful_payment(update, None)  # type: ignore[arg-type]
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "tgcharge_lost" in error.getMessage() and payload in error.getMessage()
    with seeded() as s:
        order = s.get(Order, order_id)
        assert order is not None and order.status == "placed"
