"""Tester finding B13: a buyer whose last order went to India asks "do u deliver to dubai"
and still sees rupees, not AED: the delivery country (this checkout, else the last order's)
comes before the WhatsApp number's and before the country asked about for shipping."""

from __future__ import annotations

from actions.cart import ActionProductDetails
from actions.common import buyer_country_code, buyer_currency
from tests.buyer_support import INDIA, place
from tests.rasa_support import run, tracker

SENDER = "te-5551"


def asking(sender: str = SENDER, **slots: str):  # type: ignore[no-untyped-def]
    trk = tracker(
        "is it real pashmina", intent="product_details", entities={"product": "KS-102"},
        slots={"country": "dubai", **slots}, sender=sender,
    )  # fmt: skip
    return trk


async def test_the_last_orders_country_beats_the_country_asked_about(shop) -> None:
    await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "b13"}, sender=SENDER)
    trk = asking()
    assert buyer_country_code(trk) == "IN"
    assert buyer_currency(trk) == "INR"
    _, msgs = await run(ActionProductDetails(), trk)
    assert "₹4,200" in msgs[0]["text"] and "AED" not in msgs[0]["text"], msgs[0]["text"]


async def test_the_last_orders_country_beats_the_whatsapp_number(shop) -> None:
    await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "b13w"}, sender="wh-x1")
    trk = asking("wh-x1")
    trk.latest_message["metadata"] = {"channel": "whatsapp", "country": "GB"}
    assert buyer_country_code(trk) == "IN"


async def test_this_checkouts_country_comes_first(shop) -> None:
    await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "b13c"}, sender=SENDER)
    assert buyer_country_code(asking(buyer_country="United Kingdom")) == "GB"


async def test_without_an_order_the_country_asked_about_still_counts(shop) -> None:
    assert buyer_country_code(asking("te-new")) == "AE"
