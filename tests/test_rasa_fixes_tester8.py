"""The session-8 tester findings through the real Rasa server (marked ``rasa``): a returns
question the NLU reads as cancel_order, "when will it come" before any order, and a Lahore
address that makes the country question unnecessary."""

from __future__ import annotations

import pytest

from catalog import stock
from catalog.db import transaction
from tests.fixtures_rasa import RunningRasa
from tests.test_rasa_buyer_fixes import texts

pytestmark = pytest.mark.rasa


@pytest.mark.parametrize("said", ["can I return it", "return karna hai"])
def test_a_returns_question_gets_the_policy(rasa_stack: RunningRasa, said: str) -> None:
    reply = texts(rasa_stack.chat(f"e2e-t8-return-{abs(hash(said))}", said))
    assert "7 days of delivery" in reply or "7 din ke andar" in reply, reply
    assert "no orders" not in reply.lower()


def test_when_will_it_come_gives_delivery_times(rasa_stack: RunningRasa) -> None:
    reply = texts(rasa_stack.chat("e2e-t8-when", "when will it come"))
    assert "5-8 days" in reply and "10-20 days" in reply, reply


def test_a_lahore_address_is_not_asked_its_country(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-t8-lahore"
    with transaction(rasa_stack.sessions) as session:  # other tests of the session buy size 9
        stock.adjust_sku(session, "PC-101/9", 5, reason="test restock", actor="test")
    chat(sender, '/add_to_cart{"product":"PC-101/9","quantity":"1"}')
    chat(sender, "/checkout")
    chat(sender, "Bilal Ahmed")
    chat(sender, "+923001234567")
    reply = texts(chat(sender, "House 5, Gulberg, Lahore"))
    assert "postal code" in reply and "country" not in reply.lower(), reply
    summary = texts(chat(sender, "54660"))
    assert "Pakistan" in summary, summary


def test_how_long_to_a_city_abroad(rasa_stack: RunningRasa) -> None:
    reply = texts(rasa_stack.chat("e2e-t8-london", "how long to London?"))
    assert "Abroad (United Kingdom)" in reply and "10-20 days" in reply, reply
