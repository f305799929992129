"""Sizes end to end (issue 12) on WhatsApp through the real Rasa and action servers: a Pakistani
buyer orders Peshawari chappals in size 9 to Lahore. Asked which size, they answer "9 number";
the order line is PC-101/9 and the stock of size 9 and of the chappal both fall by one. Another
buyer names a size we do not make and is told the sizes there are. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.fixtures_channels import FakeRasa, FakeTwilio
from tests.test_e2e_channels import WhatsAppBuyer, _checkout, _stocks
from tests.test_e2e_shipping import LAHORE_ANSWERS
from tests.web_support import running_app, settings_for

pytestmark = pytest.mark.rasa


async def _look_at_the_peshawari_chappal(buyer: WhatsAppBuyer) -> str:
    await buyer.say("peshawari chappal")
    text, titles = buyer.last()
    pick = next((i for i, t in enumerate(titles) if t.startswith("Peshawari Chappal -")), None)
    assert pick is not None, f"no Peshawari Chappal offered in {text!r}"
    await buyer.press(pick)
    return buyer.last()[0]


async def test_a_pakistani_buyer_orders_chappals_in_size_9_to_lahore(
    any_rasa_stack: Any, fake_twilio: FakeTwilio, fake_rasa: FakeRasa
) -> None:
    sessions: sessionmaker[Session] = any_rasa_stack.sessions
    settings = settings_for(
        any_rasa_stack.database_url, fake_rasa, None, fake_twilio, RASA_URL=any_rasa_stack.rasa_url
    )
    async with running_app(settings, sessions) as (_, client):
        bilal = WhatsAppBuyer(client, fake_twilio, "+923001234567")
        details = await _look_at_the_peshawari_chappal(bilal)
        assert "(PC-101)" in details and "Sizes: 7, 8, 9, 10, 11" in details, details
        before = _stocks(sessions)
        await bilal.say("order 1")
        question, titles = bilal.last()
        assert question.startswith("Which size of Peshawari Chappal? 7, 8, 9"), question
        assert titles[:5] == ["size 7", "size 8", "size 9", "size 10", "size 11"], titles
        await bilal.say("9 number")
        added = bilal.last()[0]
        assert "Peshawari Chappal (size 9)" in added, added
        await bilal.say("my cart")
        assert "1 x Peshawari Chappal, size 9 (PC-101/9)" in bilal.last()[0]
        order = await _checkout(sessions, bilal.last, bilal.say, bilal.press, LAHORE_ANSWERS)
        assert [(ln.product.sku, ln.quantity, ln.variant) for ln in order.lines] == [
            ("PC-101/9", 1, "9")
        ]
        assert order.ship_country == "Pakistan" and order.currency == "PKR"
        after = _stocks(sessions)
        assert after["PC-101/9"] == before["PC-101/9"] - 1
        assert after["PC-101"] == before["PC-101"] - 1
        assert after["PC-101/8"] == before["PC-101/8"]

        sana = WhatsAppBuyer(client, fake_twilio, "+923331112222")
        await _look_at_the_peshawari_chappal(sana)
        await sana.say("order 1")
        await sana.say("size 12")
        text, titles = sana.last()
        assert text.startswith("We have sizes 7, 8, 9"), text
        assert "of Peshawari Chappal." in text and "size 10" in titles
        await sana.press(titles.index("size 10"))
        assert "Peshawari Chappal (size 10)" in sana.last()[0]
