"""Issue 12 (a new-user try-out of the buyer conversation): the flood (rate limit) reply in the buyer's language."""

from __future__ import annotations

import httpx
import pytest

from bot.core.conversation import FLOOD_REPLY, Conversation, Limits
from bot.core.messages import Inbound
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from catalog import customers
from catalog.db import transaction
from catalog.notices import TEXTS as NOTICES


@pytest.mark.parametrize(
    ("text", "kept", "expected"),
    [("kya haal hai", "ur", "ur"), ("पता बदलना है", None, "hi"), ("hello", None, "en"),
     ("ok", "hi-Latn", "hi-Latn")],
)  # fmt: skip
async def test_the_flood_reply_is_in_the_buyers_language(sessions, text, kept, expected) -> None:
    conv = Conversation(
        RasaClient(httpx.AsyncClient(), "http://127.0.0.1:9", timeout=1), MemoryStore(), "s",
        sessions=sessions, limits=Limits(rate_max=0),
    )  # fmt: skip
    inbound = Inbound("telegram", "77", "m1", text=text)
    if kept:
        with transaction(sessions) as s:
            customers.ensure(s, "telegram", "77", "s")
            customers.set_language(s, conv.sender(inbound), kept)
    replies = await conv.handle(inbound)
    assert replies is not None and replies[0].text == NOTICES["flood_minute"][expected]
    assert (replies[0] == FLOOD_REPLY) is (expected == "en")
    assert await conv.handle(Inbound("telegram", "77", "m2", text=text)) is None  # once
