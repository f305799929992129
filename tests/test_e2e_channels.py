"""End to end on each channel through the real Rasa and action servers (marked ``rasa``).

A buyer searches "kullu shawl dikhao", picks a product by button (Telegram) or number
(WhatsApp), orders 2, checks out, and the order exists with stock reduced by 2. Runs when the
``rasa_stack`` fixture (tests/fixtures_rasa.py) is installed; each runs on SQLite and on
PostgreSQL (the action server and the web app on the same database).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Order, Product
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio
from tests.web_support import (
    post_tg,
    post_wa,
    running_app,
    settings_for,
    tg_callback_update,
    tg_text_update,
    wa_form,
)

pytestmark = pytest.mark.rasa

# the form's questions in English, Hindi and Hinglish (the bot answers in the buyer's script)
FORM_ANSWERS = [
    (("name", "नाम", "naam"), "Asha Verma"),
    (("phone", "फ़ोन"), "+919812345678"),
    (("address", "पता"), "12 Mall Road, Shimla, Himachal Pradesh"),
    (("country", "देश", "desh"), "India"),
    (("postal", "पिन", "pin code"), "171001"),
]
CONFIRM = ("confirm", "पक्का", "pakka")


def _answer(
    text: str, titles: list[str], answers: list[tuple[tuple[str, ...], str]] = FORM_ANSWERS
) -> tuple[str, int | None]:
    """The buyer's next move: press a confirming button (index) or type a form answer."""
    lower = text.lower()
    for i, title in enumerate(titles):
        if any(word in title.lower() for word in CONFIRM):
            return title, i
    for words, answer in answers:
        if any(w in lower for w in words):
            return answer, None
    raise AssertionError(f"the bot asked something the buyer cannot answer: {text!r}")


def _order(sessions: sessionmaker[Session], after: int) -> Order | None:
    """The first order placed after order number ``after`` (the stack is shared by the tests)."""
    with sessions() as s:
        return s.scalars(select(Order).where(Order.id > after).order_by(Order.id)).unique().first()


def _last_order_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.max(Order.id))) or 0


def _stocks(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as s:
        return {p.sku: p.stock for p in s.scalars(select(Product))}


async def _checkout(
    sessions: sessionmaker[Session],
    last: Callable[[], tuple[str, list[str]]],
    say: Callable[[str], Awaitable[None]],
    press: Callable[[int], Awaitable[None]],
    answers: list[tuple[tuple[str, ...], str]] = FORM_ANSWERS,
) -> Order:
    after = _last_order_id(sessions)
    await say("checkout")
    for _ in range(12):  # answer the checkout form as a buyer would
        order = _order(sessions, after)
        if order is not None:
            return order
        text, titles = last()
        answer, index = _answer(text, titles, answers)
        await (press(index) if index is not None else say(answer))
    order = _order(sessions, after)
    assert order is not None, f"no order after checkout; last bot message: {last()[0]!r}"
    return order


async def test_telegram_buyer_orders_two_kullu_shawls(
    any_rasa_stack: Any, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    sessions: sessionmaker[Session] = any_rasa_stack.sessions
    settings = settings_for(
        any_rasa_stack.database_url,
        fake_rasa,
        fake_telegram,
        None,
        RASA_URL=any_rasa_stack.rasa_url,
    )
    async with running_app(settings, sessions) as (_, client):
        buyer = TelegramBuyer(client, fake_telegram, 777001)
        say, press, last = buyer.say, buyer.press, buyer.last
        await _buy_two_kullu_shawls(sessions, last, say, press)


async def test_whatsapp_buyer_orders_two_kullu_shawls_by_number(
    any_rasa_stack: Any, fake_twilio: FakeTwilio, fake_rasa: FakeRasa
) -> None:
    sessions: sessionmaker[Session] = any_rasa_stack.sessions
    settings = settings_for(
        any_rasa_stack.database_url, fake_rasa, None, fake_twilio, RASA_URL=any_rasa_stack.rasa_url
    )
    async with running_app(settings, sessions) as (_, client):
        buyer = WhatsAppBuyer(client, fake_twilio, "+919800077001")
        await _buy_two_kullu_shawls(sessions, buyer.last, buyer.say, buyer.press)


@dataclass
class WhatsAppBuyer:
    """A WhatsApp buyer typing, and picking numbered choices, through the web app."""

    client: httpx.AsyncClient
    twilio: FakeTwilio
    number: str

    def mine(self) -> list[str]:
        return [
            m.get("Body") or ""
            for m in self.twilio.messages
            if m.get("To") == f"whatsapp:{self.number}"
        ]

    async def say(self, text: str) -> None:
        n = len(self.mine())
        await post_wa(self.client, wa_form(self.number, text))
        await _settle(lambda: len(self.mine()) > n)

    async def press(self, index: int) -> None:
        await self.say(str(index + 1))

    def last(self) -> tuple[str, list[str]]:
        bodies = self.mine()
        body = bodies[-1] if bodies else ""
        choices = [
            line.split(". ", 1)[1]
            for line in body.splitlines()
            if ". " in line and line.split(". ", 1)[0].strip().isdigit()
        ]
        return body, choices


@dataclass
class TelegramBuyer:
    """A Telegram buyer typing and pressing buttons through the web app, and what they see."""

    client: httpx.AsyncClient
    telegram: FakeTelegram
    user: int

    def texts(self) -> list[str]:
        return [str(p.get("text") or "") for p in self.telegram.sent()]

    def keyboard(self) -> list[dict[str, Any]]:
        for params in reversed(self.telegram.sent() + self.telegram.sent("sendPhoto")):
            if "reply_markup" in params:
                return [b for row in params["reply_markup"]["inline_keyboard"] for b in row]
        return []

    async def say(self, text: str) -> None:
        n = len(self.telegram.calls)
        await post_tg(self.client, tg_text_update(self.user, text))
        await _settle(lambda: len(self.telegram.calls) > n)

    async def press(self, index: int) -> None:
        n = len(self.telegram.calls)
        payload = self.keyboard()[index]["callback_data"]
        await post_tg(self.client, tg_callback_update(self.user, payload))
        await _settle(lambda: len(self.telegram.calls) > n + 1)

    def last(self) -> tuple[str, list[str]]:
        texts = self.texts()
        return (texts[-1] if texts else ""), [b["text"] for b in self.keyboard()]


async def _buy_two_kullu_shawls(
    sessions: sessionmaker[Session],
    last: Callable[[], tuple[str, list[str]]],
    say: Callable[[str], Awaitable[None]],
    press: Callable[[int], Awaitable[None]],
    answers: list[tuple[tuple[str, ...], str]] = FORM_ANSWERS,
) -> None:
    """Search, pick a Kullu shawl, order 2, check out; the order holds 2 and stock fell by 2."""
    await say("kullu shawl dikhao")
    text, titles = last()
    pick = next((i for i, title in enumerate(titles) if _is_kullu(title)), None)
    assert pick is not None, f"no Kullu choice in {text!r} {titles}"
    await press(pick)
    before = _stocks(sessions)
    await say("order 2")
    order = await _checkout(sessions, last, say, press, answers)
    [(sku, quantity)] = [(line.product.sku, line.quantity) for line in order.lines]
    assert sku.startswith("KS-1") and quantity == 2
    assert _stocks(sessions)[sku] == before[sku] - 2


def _is_kullu(title: str) -> bool:
    """A button naming a Kullu shawl, in English or Hindi (the bot answers in the buyer's)."""
    return "kullu" in title.lower() or "कुल्लू" in title


async def _settle(arrived: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for the bot's answer to start, then for the rest of it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not arrived():
        if loop.time() > deadline:
            raise AssertionError("the bot did not answer")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
