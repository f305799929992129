"""F24: a buyer's photo with no words is answered "I can't look at photos" in their language
(Rasa is not asked to search an empty text); staff who sent /photo SKU without the photo get
it set by the next photo alone (within a few minutes)."""

from __future__ import annotations

import httpx
import pytest

from bot.core.conversation import Conversation
from bot.core.messages import Inbound
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from catalog import customers
from catalog.db import transaction
from catalog.notices import TEXTS as NOTICES
from tests.fixtures_channels import FakeRasa
from tests.staff_support import JPEG, KND_TG, NHN_TG, StaffEnv


@pytest.mark.parametrize("kept", [None, "hi", "hi-Latn", "ur"])
async def test_a_photo_without_words_is_not_searched(sessions, fake_rasa: FakeRasa, kept) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", sessions=sessions)
        inbound = Inbound("whatsapp", "+919812000111", "m1", text="", media_url="https://x/p.jpg")
        if kept:
            with transaction(sessions) as s:
                customers.ensure(s, "whatsapp", "+919812000111", "s")
                customers.set_language(s, conv.sender(inbound), kept)
        replies = await conv.handle(inbound)
    assert replies is not None and replies[0].text == NOTICES["photo_only"][kept or "en"]
    assert fake_rasa.messages() == []
    assert NOTICES["photo_only"]["en"] == (
        "I can't look at photos; tell me in words what you are looking for."
    )


async def test_a_photo_with_words_goes_to_rasa(sessions, fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", sessions=sessions)
        inbound = Inbound(
            "whatsapp", "+919812000111", "m1", text="shawl", media_url="https://x/p.jpg"
        )
        await conv.handle(inbound)
    assert fake_rasa.messages() == ["shawl"]


async def test_staff_photo_right_after_a_bare_photo_command(staff_env: StaffEnv) -> None:
    assert await staff_env.say("/photo KS-102") == (
        "Attach a photo to the message: send the photo now, or with the caption /photo KS-102."
    )
    staff_env.media.files["p1"] = JPEG
    assert await staff_env.say("", media_url="p1") == "Photo set for KS-102."
    assert staff_env.product("KS-102").photo is not None
    # once only: the next photo alone is not taken for the product
    staff_env.media.files["p2"] = JPEG
    assert await staff_env.say("", media_url="p2") is None


async def test_a_bare_photo_command_for_another_jail_waits_for_nothing(staff_env: StaffEnv) -> None:
    reply = await staff_env.say("/photo KS-102", NHN_TG)
    assert reply is not None and reply.startswith("KS-102 belongs to another jail")
    staff_env.media.files["p1"] = JPEG
    assert await staff_env.say("", NHN_TG, media_url="p1") is None
    assert await staff_env.say("", KND_TG, media_url="p1") is None
