"""Issue 10, item 4: one sender's flood costs that sender, not every other buyer.

A Telegram user sends 100 messages at once while Rasa takes 0.2 s a turn; another buyer who
writes right after must reach Rasa before the flooder's queued turns (before the fix: behind
~37 flood turns, 6.5 s).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.conversation import FLOOD_REPLY, Conversation, Limits
from bot.core.messages import Inbound
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from catalog.db import make_sessionmaker
from tests.fixtures_channels import FakeRasa, FakeTelegram, wait_until
from tests.web_support import post_tg, running_app, settings_for, tg_text_update

FLOODER, BUYER = 600001, 600002
SLOW_TURN = 0.2


@pytest.fixture
def sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(sqlite_engine)


def chat(fake: FakeTelegram, user: int) -> list[str]:
    return [str(p["text"]) for p in fake.sent() if int(p["chat_id"]) == user]


async def test_a_telegram_flood_does_not_delay_another_buyer(
    sqlite_engine: Engine,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    release = asyncio.Event()  # flood turns take as long as the test says (a slow Rasa)

    async def slow_for_floods(sender: str, message: str) -> list[dict[str, Any]]:
        if message.startswith("flood"):
            await release.wait()
            await asyncio.sleep(SLOW_TURN)
        return [{"text": f"echo: {message}"}]

    fake_rasa.respond = slow_for_floods
    settings = settings_for(str(sqlite_engine.url), fake_rasa, fake_telegram, None)
    async with running_app(settings, sessions) as (_, client):
        flood = [tg_text_update(FLOODER, f"flood {i}") for i in range(100)]
        answers = await asyncio.gather(*(post_tg(client, u) for u in flood))
        assert {r.status_code for r in answers} == {200}
        await wait_until(lambda: len(fake_rasa.calls) >= 1, "the first flood turn")
        assert (await post_tg(client, tg_text_update(BUYER, "hello"))).status_code == 200
        await wait_until(lambda: chat(fake_telegram, BUYER) != [], "the buyer's answer", 30)
        release.set()
        # The flooder's accepted turns still finish, in order, and the rest was refused once.
        limits = Limits()
        await wait_until(
            lambda: len(fake_rasa.messages()) >= 1 + 1 + limits.queue_max, "the queued turns"
        )
    assert chat(fake_telegram, BUYER) == ["echo: hello"]
    # Order, not seconds (the machine may be loaded): the buyer reached Rasa while the
    # flooder's queued turns were still waiting (before the fix: behind ~37 of them).
    assert fake_rasa.messages().index("hello") < 1 + limits.queue_max
    floods = [m for m in fake_rasa.messages() if m.startswith("flood")]
    assert len(floods) == 1 + limits.queue_max  # one answered, the queue's worth waited
    assert chat(fake_telegram, FLOODER).count(FLOOD_REPLY.text) == 1


async def test_rate_limit_is_checked_before_waiting_behind_the_buyers_earlier_message(
    fake_rasa: FakeRasa,
) -> None:
    """Over the limit, a message is refused at once, not after the turns in front of it."""
    release = asyncio.Event()

    async def stuck(sender: str, message: str) -> list[dict[str, Any]]:
        await release.wait()
        return [{"text": message}]

    fake_rasa.respond = stuck
    async with httpx.AsyncClient() as http:
        conv = Conversation(
            RasaClient(http, fake_rasa.url, timeout=30), MemoryStore(), "s",
            limits=Limits(rate_max=2, queue_max=10),
        )  # fmt: skip
        first = asyncio.create_task(conv.handle(Inbound("telegram", "1", "m1", text="one")))
        second = asyncio.create_task(conv.handle(Inbound("telegram", "1", "m2", text="two")))
        await wait_until(lambda: len(fake_rasa.calls) == 1, "the first turn at Rasa")
        third = await asyncio.wait_for(
            conv.handle(Inbound("telegram", "1", "m3", text="three")), 0.5
        )
        release.set()
        await asyncio.gather(first, second)
    assert third == [FLOOD_REPLY]
    assert fake_rasa.messages() == ["one", "two"]
