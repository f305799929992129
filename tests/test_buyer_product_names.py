"""A product's exact name typed alone (tester finding F16: "Book Rack", "Jute Shopping Bag",
"Clay Diyas (set of 12)" were read as other things) goes to Rasa as that product's button."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.core.conversation import Conversation
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers.whatsapp import to_inbound
from tests.fixtures_channels import FakeRasa


@pytest.mark.parametrize(
    ("said", "sent"),
    [
        ("Book Rack", '/product_details{"product": "HF-102"}'),
        ("jute shopping bag", '/product_details{"product": "EJ-101"}'),
        ("Clay Diyas (set of 12)", '/product_details{"product": "MT-102"}'),
        ("लघु मंदिर", '/product_details{"product": "RP-101"}'),
        ("book rack kitne ka hai?", "book rack kitne ka hai?"),  # a sentence: for the NLU
        ("Peshawari Chappal", "Peshawari Chappal"),  # also begins "... (Kaptaan style)": a list
        ("checkout", "/checkout"),
    ],
)
async def test_a_product_name_alone_goes_as_its_button(
    seeded: sessionmaker[Session], fake_rasa: FakeRasa, said: str, sent: str
) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret",
                            sessions=seeded)  # fmt: skip
        await conv.handle(
            to_inbound({"From": "whatsapp:+919812345678", "Body": said, "MessageSid": "SM1"})
        )
    (_, _, _, body) = fake_rasa.calls[0]
    assert body["message"] == sent
    assert body["metadata"].get("typed") == (said if sent != said else None)
