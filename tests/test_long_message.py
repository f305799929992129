"""A pasted page (more than LONGEST characters) is not sent to Rasa, whose reading of it would be
anything ("You have no orders yet"): the buyer is asked, in their language, to say it in a
sentence or two. A message of ordinary length still goes to Rasa."""

from __future__ import annotations

import httpx

from bot.core.conversation import LONGEST, Conversation
from bot.core.messages import Inbound
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from catalog import customers
from catalog.db import transaction
from catalog.notices import TEXTS as NOTICES
from tests.fixtures_channels import FakeRasa


async def test_a_pasted_page_is_not_read(sessions, fake_rasa: FakeRasa) -> None:
    page = "I need a shawl for my mother and " * 100
    assert len(page) > LONGEST
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", sessions=sessions)
        with transaction(sessions) as s:
            customers.ensure(s, "whatsapp", "+923001234567", "s")
            customers.set_language(s, conv.sender(Inbound("whatsapp", "+923001234567", "x")), "ur")
        replies = await conv.handle(Inbound("whatsapp", "+923001234567", "m1", text=page))
        assert replies is not None and replies[0].text == NOTICES["too_long"]["ur"]
        assert fake_rasa.messages() == []
        await conv.handle(Inbound("whatsapp", "+923001234567", "m2", text=page[:LONGEST]))
    assert fake_rasa.messages() == [page[:LONGEST]]
