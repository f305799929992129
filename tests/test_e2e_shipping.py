"""Who can order what, end to end on WhatsApp through the real Rasa and action servers.

Central Jail Peshawar's chappals reach a buyer in Lahore, priced in PKR with the Pakistani
courier fee (the order's reference typed alone, "Kg 0001 ?", then asks about it); a buyer with an
Indian number sees them but cannot order them (parcels between India and Pakistan are
suspended) and nothing is placed. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Order
from catalog.refs import ref
from tests.fixtures_channels import FakeRasa, FakeTwilio
from tests.test_e2e_channels import WhatsAppBuyer, _checkout, _stocks
from tests.web_support import running_app, settings_for

pytestmark = pytest.mark.rasa

LAHORE_ANSWERS = [
    (("name",), "Bilal Ahmed"),
    (("phone",), "+923001234567"),
    (("address",), "House 12, Street 4, Gulberg III, Lahore"),
    (("country",), "Pakistan"),
    (("postal",), "54660"),
]


def _orders(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count(Order.id))) or 0


async def _pick_a_chappal(buyer: WhatsAppBuyer) -> str:
    await buyer.say("peshawari chappal")
    text, titles = buyer.last()
    pick = next((i for i, title in enumerate(titles) if "chappal" in title.lower()), None)
    assert pick is not None, f"no chappal offered in {text!r}"
    await buyer.press(pick)
    return buyer.last()[0]


async def test_a_lahore_buyer_orders_chappals_and_a_delhi_buyer_is_told_why_not(
    any_rasa_stack: Any, fake_twilio: FakeTwilio, fake_rasa: FakeRasa
) -> None:
    sessions: sessionmaker[Session] = any_rasa_stack.sessions
    settings = settings_for(
        any_rasa_stack.database_url, fake_rasa, None, fake_twilio, RASA_URL=any_rasa_stack.rasa_url
    )
    async with running_app(settings, sessions) as (_, client):
        lahore = WhatsAppBuyer(client, fake_twilio, "+923001234567")
        details = await _pick_a_chappal(lahore)
        assert "Rs 3,500" in details or "Rs 4,200" in details, details
        before = _stocks(sessions)
        await lahore.say("order 2")
        assert "Which size" in lahore.last()[0]  # the chappals come in sizes (issue 12)
        await lahore.say("9 number")
        order = await _checkout(sessions, lahore.last, lahore.say, lahore.press, LAHORE_ANSWERS)
        [(sku, quantity)] = [(line.product.sku, line.quantity) for line in order.lines]
        assert sku in ("PC-101/9", "PC-102/9") and quantity == 2
        assert order.currency == "PKR" and order.shipping_minor == 25_000  # PKR 250 in Pakistan
        assert order.ship_country == "Pakistan"
        assert _stocks(sessions)[sku] == before[sku] - 2
        await lahore.say(f"Kg {order.id:04d} ?")  # the reference alone, in any case and spacing
        assert ref(order.id) in lahore.last()[0], lahore.last()

        delhi = WhatsAppBuyer(client, fake_twilio, "+919811122233")
        placed = _orders(sessions)
        await delhi.say("peshawari chappal")  # the list leaves out what cannot reach India
        text, titles = delhi.last()
        assert "India and Pakistan" in text, text  # and says why
        assert not any("chappal" in title.lower() for title in titles), titles
        await delhi.say("PC-101")  # typed by its code, the card opens
        details = delhi.last()[0]
        assert "India and Pakistan" in details, details  # the reason, on the product itself
        await delhi.say("order 1")
        assert "India and Pakistan" in delhi.last()[0]
        await delhi.say("my cart")
        assert "empty" in delhi.last()[0].lower()
        await delhi.say("checkout")
        assert _orders(sessions) == placed
