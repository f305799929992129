"""An order reference typed alone ("Kg0001", "kg 0001 ?", "#1042") is the question about that
order: the web app sends it to Rasa as the order-status payload (the NLU read some as searches,
"I found nothing for that"), the typed words as metadata. A plain number stays a menu pick or a
quantity. End to end: tests/test_e2e_shipping.py."""

from __future__ import annotations

import httpx
import pytest

from bot.core.conversation import Conversation
from bot.core.order_words import typed_reference
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers.whatsapp import to_inbound


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("Kg0001", '/order_status{"order_id":"KG-0001"}'),
        ("kg 0001 ?", '/order_status{"order_id":"KG-0001"}'),
        ("KG - 1042", '/order_status{"order_id":"KG-1042"}'),
        ("#1042", '/order_status{"order_id":"KG-1042"}'),
        ("kg-10042!", '/order_status{"order_id":"KG-10042"}'),
        ("1042", None),  # a menu pick or a quantity
        ("kg", None),
        ("kg 0", None),
        ("kg 1 kahan hai", None),  # a sentence: the NLU reads it (and finds the reference)
        ("2 kg aachar", None),
    ],
)
def test_a_reference_alone_is_the_order_status_question(text: str, payload: str | None) -> None:
    assert typed_reference(text) == payload


async def test_the_web_app_sends_a_reference_alone_as_the_order_status_question(fake_rasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret")
        await conv.handle(
            to_inbound({"From": "whatsapp:+919876543210", "Body": "kg 7 ?", "MessageSid": "SM7"})
        )
    (_, _, _, body) = fake_rasa.calls[0]
    assert body["message"] == '/order_status{"order_id":"KG-0007"}'
    assert body["metadata"]["typed"] == "kg 7 ?"
