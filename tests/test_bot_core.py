"""The channel-neutral core: Rasa client and fallback, de-duplication, order, limits, choices."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bot.core.conversation import Conversation, Limits
from bot.core.messages import Button, Inbound, Reply
from bot.core.rasa_client import RasaClient, fallback, to_replies
from bot.core.state import MemoryStore
from bot.handlers.splitting import split_text
from tests.fixtures_channels import FakeRasa

SECRET = "test-secret"


def test_split_text_keeps_every_chunk_under_the_limit_and_loses_nothing() -> None:
    text = " ".join(f"word{i}" for i in range(2000))
    chunks = split_text(text, 100)
    assert all(0 < len(c) <= 100 for c in chunks)
    assert " ".join(chunks).split() == text.split()
    assert split_text("short", 100) == ["short"]
    assert all(len(c) <= 50 for c in split_text("x" * 175, 50))


def test_rasa_answer_becomes_replies_with_buttons_and_images() -> None:
    replies = to_replies(
        [
            {
                "recipient_id": "s",
                "text": "Kullu shawls",
                "buttons": [{"title": "Wool", "payload": '/pick{"sku": "KS-101"}'}],
            },
            {"recipient_id": "s", "image": "https://x/p.jpg"},
        ]
    )
    assert replies == [
        Reply(text="Kullu shawls", buttons=(Button("Wool", '/pick{"sku": "KS-101"}'),)),
        Reply(image="https://x/p.jpg"),
    ]


@pytest.mark.parametrize("status", [500, 404])
async def test_rasa_error_status_gives_the_fallback_menu(fake_rasa: FakeRasa, status: int) -> None:
    fake_rasa.status = status
    async with httpx.AsyncClient() as http:
        replies = await RasaClient(http, fake_rasa.url).reply("s1", "hi")
    assert replies == fallback()
    assert replies[0].buttons and "staff" in replies[0].text


async def test_rasa_empty_list_gives_the_fallback_menu(fake_rasa: FakeRasa) -> None:
    async def nothing(sender: str, message: str) -> list[dict[str, Any]]:
        return []

    fake_rasa.respond = nothing
    async with httpx.AsyncClient() as http:
        assert await RasaClient(http, fake_rasa.url).reply("s1", "hi") == fallback()


async def test_slow_rasa_times_out_into_the_fallback_menu(fake_rasa: FakeRasa) -> None:
    async def slow(sender: str, message: str) -> list[dict[str, Any]]:
        await asyncio.sleep(2)
        return [{"text": "too late"}]

    fake_rasa.respond = slow
    async with httpx.AsyncClient() as http:
        replies = await RasaClient(http, fake_rasa.url, timeout=0.2).reply("s1", "hi")
    assert replies == fallback()


async def test_rasa_down_gives_the_fallback_menu() -> None:
    async with httpx.AsyncClient() as http:
        client = RasaClient(http, "http://127.0.0.1:9")  # discard port: nothing listens
        replies = await client.reply("s1", "hi", categories=["pottery"])
        assert not await client.healthy()
    assert replies == fallback(["pottery"])


def _conversation(url: str, http: httpx.AsyncClient, **kw: Any) -> Conversation:
    return Conversation(RasaClient(http, url), MemoryStore(), SECRET, **kw)


async def test_same_message_twice_and_concurrently_reaches_rasa_once(fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http)
        msg = Inbound("telegram", "42", "1001", text="hello")
        results = await asyncio.gather(conv.handle(msg), conv.handle(msg))
        again = await conv.handle(msg)
    assert sorted(r is None for r in results) == [False, True]
    assert again is None
    assert fake_rasa.messages() == ["hello"]


async def test_sender_is_a_pseudonym_not_the_phone_number(fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http)
        await conv.handle(Inbound("whatsapp", "+919812345678", "SM1", text="hi"))
    (_, sender, _, body) = fake_rasa.calls[0]
    assert "9812345678" not in str(body)
    assert sender.startswith("wh-")


async def test_one_buyer_in_order_while_others_proceed(fake_rasa: FakeRasa) -> None:
    active: dict[str, int] = {}
    overlap: list[str] = []

    async def slow(sender: str, message: str) -> list[dict[str, Any]]:
        active[sender] = active.get(sender, 0) + 1
        if active[sender] > 1:
            overlap.append(sender)
        await asyncio.sleep(0.3 if message.startswith("slow") else 0.01)
        active[sender] -= 1
        return [{"text": message}]

    fake_rasa.respond = slow
    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http)
        slow_buyer = [Inbound("telegram", "1", f"a{i}", text=f"slow {i}") for i in range(3)]
        fast_buyer = Inbound("telegram", "2", "b1", text="fast")
        tasks = [asyncio.create_task(conv.handle(m)) for m in slow_buyer]
        await asyncio.sleep(0.05)
        fast = await asyncio.wait_for(conv.handle(fast_buyer), 0.5)  # not stuck behind buyer 1
        await asyncio.gather(*tasks)
    assert fast == [Reply(text="fast")]
    sender1 = conv.sender(slow_buyer[0])
    assert fake_rasa.messages(sender1) == ["slow 0", "slow 1", "slow 2"]
    assert overlap == []


async def test_flood_is_stopped_with_one_warning(fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http, limits=Limits(rate_max=3))
        out = [await conv.handle(Inbound("telegram", "7", str(i), text=f"m{i}")) for i in range(6)]
    assert len(fake_rasa.messages()) == 3
    assert out[3] is not None and "fast" in out[3][0].text
    assert out[4] is None and out[5] is None


async def test_bare_number_picks_the_remembered_choice_on_whatsapp(fake_rasa: FakeRasa) -> None:
    async def menu(sender: str, message: str) -> list[dict[str, Any]]:
        return [
            {
                "text": "Pick one",
                "buttons": [
                    {"title": "Wool", "payload": '/pick_product{"sku":"KS-101"}'},
                    {"title": "Pashmina", "payload": '/pick_product{"sku":"KS-102"}'},
                ],
            }
        ]

    fake_rasa.respond = menu
    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http)
        await conv.handle(Inbound("whatsapp", "+919800000001", "SM1", text="shawl", numbered=True))
        await conv.handle(Inbound("whatsapp", "+919800000001", "SM2", text=" 2 ", numbered=True))
        await conv.handle(Inbound("whatsapp", "+919800000001", "SM3", text="9", numbered=True))
        await conv.handle(Inbound("telegram", "5", "u1", text="shawl"))
        await conv.handle(Inbound("telegram", "5", "u2", text="2"))
    assert fake_rasa.messages() == ["shawl", '/pick_product{"sku":"KS-102"}', "9", "shawl", "2"]



async def test_a_typed_method_picks_the_remembered_payment_choice(fake_rasa: FakeRasa) -> None:
    """F4: "upi" answering "2. UPI ya card link 3. Cash on delivery" is the button, not a
    question about every jail's methods; a question or a word for two options goes to Rasa."""
    link = '/choose_payment{"method":"payment_link","order_id":"2"}'
    cod = '/choose_payment{"method":"cod","order_id":"2"}'
    card = '/choose_payment{"method":"telegram_invoice","order_id":"2"}'

    async def offer(sender: str, message: str) -> list[dict[str, Any]]:
        buttons = [link, cod] if sender.startswith("wh") else [link, card, cod]
        return [{"text": "Order KG-0002 ke ₹4,880 kaise denge?",
                 "buttons": [{"title": b, "payload": b} for b in buttons]}]  # fmt: skip

    fake_rasa.respond = offer
    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http)
        for n, said in enumerate(["pakka", "upi", "cash on delivery", "कैश", "نقد", "upi chalega?",
                                  "show shawls"]):  # fmt: skip
            await conv.handle(Inbound("whatsapp", "+919800000001", f"SM{n}", text=said, numbered=True))
    assert fake_rasa.messages()[1:] == [link, cod, cod, cod, "upi chalega?", "show shawls"]


async def test_staff_commands_never_reach_rasa(fake_rasa: FakeRasa) -> None:
    async def staff(inbound: Inbound) -> list[Reply] | None:
        return [Reply(text="stock set")] if inbound.text.startswith("/stock") else None

    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http, staff=staff)
        assert await conv.handle(Inbound("telegram", "9", "1", text="/stock KS-101 5")) == [
            Reply(text="stock set")
        ]
        await conv.handle(Inbound("telegram", "9", "2", text="hello"))
    assert fake_rasa.messages() == ["hello"]
