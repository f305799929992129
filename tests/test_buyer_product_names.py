"""A product's exact name typed alone (tester finding F16: "Book Rack", "Jute Shopping Bag",
"Clay Diyas (set of 12)" were read as other things) goes to Rasa as that product's button; a
name several products begin with ("peshawari chappal") as a search for it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.core.conversation import Conversation
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers.whatsapp import to_inbound
from catalog import products
from tests.fixtures_channels import FakeRasa


@pytest.mark.parametrize(
    ("said", "sent"),
    [
        ("Book Rack", '/product_details{"product": "HF-102"}'),
        ("jute shopping bag", '/product_details{"product": "EJ-101"}'),
        ("Clay Diyas (set of 12)", '/product_details{"product": "MT-102"}'),
        ("लघु मंदिर", '/product_details{"product": "RP-101"}'),
        ("book rack kitne ka hai?", "book rack kitne ka hai?"),  # a sentence: for the NLU
        # also begins "Peshawari Chappal (Kaptaan style)": a search for the words (issue 12: the
        # NLU read it as nothing, and the buyer got "Sorry, I did not understand")
        ("peshawari  chappal", '/search_product{"product": "peshawari chappal"}'),
        ("पेशावरी चप्पल", '/product_details{"product": "PC-101"}'),  # its Hindi name is its own
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


def test_names_several_products_begin_with_or_share_are_searches(seeded) -> None:  # type: ignore[no-untyped-def]
    with seeded() as s:
        unique, shared = products.typed_names(s)
    assert "peshawari chappal" in shared and "peshawari chappal" not in unique
    assert "book rack" in unique and "book rack" not in shared
    assert not shared & set(unique)  # a name is one product's, or a search, never both
