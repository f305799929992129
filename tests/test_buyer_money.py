"""Money as one buyer reads it, the same in every reply (issue 12, a tester's findings):
Pakistani rupees are "Rs" only to a buyer in Pakistan and "PKR" to everyone else, whatever
the reply (list, product card, cart, checkout summary, order placed, order status, shipping,
notifications); Indian rupees are ₹ with Indian digit grouping; an amount converted into the
buyer's currency always has the source amount beside it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy import select

from actions.cart import ActionAddToCart, ActionProductDetails, ActionViewCart
from actions.checkout import ActionOrderSummary, ActionPlaceOrder
from actions.info import ActionShippingInfo
from actions.orders import ActionOrderStatus
from actions.search import ActionSearchProducts
from catalog import money, notices
from catalog.db import transaction
from catalog.models import Order
from tests.buyer_support import PAKISTAN, UK
from tests.rasa_support import run, tracker

AMOUNT = re.compile(r"(Rs |PKR |₹|£)[\d,.]*\d")


def _trk(text: str, slots: dict[str, Any], told: str | None = None, **kw: Any) -> Tracker:
    trk = tracker(text, slots=slots, sender="money-buyer", **kw)
    if told:  # the web app tells the country of a WhatsApp number
        trk.latest_message["metadata"] = {"country": told}
    return trk


async def _replies(
    sku: str, slots: dict[str, Any], told: str | None = None, query: str = "chappal"
) -> dict[str, str]:
    """Each reply kind's text (and button titles) for one buyer with ``sku`` in the cart."""
    cart = {**slots, "cart": [f"{sku}:1"]}
    said: dict[str, str] = {}
    steps: list[tuple[str, Any, Tracker]] = [
        ("list", ActionSearchProducts(), _trk(query, slots, told, intent="search_product")),
        ("card", ActionProductDetails(), _trk("", slots, told, intent="product_details",
                                              entities={"product": sku})),
        ("added", ActionAddToCart(), _trk("", slots, told, intent="add_to_cart",
                                          entities={"product": sku, "quantity": "1"})),
        ("cart", ActionViewCart(), _trk("cart", cart, told, intent="view_cart")),
        ("shipping", ActionShippingInfo(), _trk("shipping?", cart, told, intent="ask_shipping")),
        ("summary", ActionOrderSummary(), _trk("", cart, told)),
        ("placed", ActionPlaceOrder(), _trk("yes", {**cart, "checkout_id": "m1"}, told,
                                            intent="affirm")),
        ("status", ActionOrderStatus(), _trk("my orders", slots, told, intent="order_status")),
    ]  # fmt: skip
    for kind, action, trk in steps:
        _, msgs = await run(action, trk)
        said[kind] = "\n".join(
            [m.get("text") or "" for m in msgs]
            + [b["title"] for m in msgs for b in m.get("buttons") or []]
        )
    return said


def _pkr_written(said: dict[str, str]) -> dict[str, set[str]]:
    return {k: {m.group(1) for m in AMOUNT.finditer(v) if m.group(1) in ("Rs ", "PKR ")}
            for k, v in said.items()}  # fmt: skip


PESHAWAR = "PC-101/9"


async def test_a_buyer_in_pakistan_reads_rs_in_every_reply(shop):
    slots = {**PAKISTAN, "language": "en", "country": "UAE"}  # asked about Dubai earlier
    said = await _replies(PESHAWAR, slots)
    for kind, written in _pkr_written(said).items():
        assert written == {"Rs "}, (kind, said[kind])


async def test_a_whatsapp_buyer_from_pakistan_asking_about_dubai_still_reads_rs(shop):
    """Before any delivery country: the number's country, not the one asked about."""
    said = await _replies(PESHAWAR, {"language": "en", "country": "UAE"}, told="PK")
    for kind in ("list", "card", "added", "cart"):
        assert _pkr_written({kind: said[kind]})[kind] == {"Rs "}, (kind, said[kind])


@pytest.mark.parametrize("language", ["en", "ur", "hi-Latn"])
async def test_a_uk_buyer_reads_pkr_in_every_reply_with_the_pound_beside_it(shop, language):
    """Urdu included: "Rs" is for buyers in Pakistan, not for Urdu readers abroad."""
    said = await _replies(PESHAWAR, {**UK, "language": language})
    for kind, written in _pkr_written(said).items():
        assert written <= {"PKR "}, (kind, said[kind])
        assert "PKR " in said[kind] or kind == "status", (kind, said[kind])
    for kind in ("card", "summary", "shipping"):  # converted: the PKR amount, then the £ one
        assert re.search(r"PKR [\d,]+ \(\D*£[\d,.]+\D*\)", said[kind]), (kind, said[kind])
    assert "£" not in re.sub(r"\([^)]*£[^)]*\)", "", said["shipping"]), said["shipping"]


async def test_notifications_read_pkr_abroad_and_rs_in_pakistan_even_in_urdu(shop):
    await _replies(PESHAWAR, {**UK, "language": "ur"})
    with transaction(shop) as s:
        order = s.scalars(select(Order)).one()
        order.customer.language = "ur"
        assert notices.amount(order, 350000) == "PKR 3,500"  # an Urdu reader in the UK
        order.ship_country = "Pakistan"
        assert notices.amount(order, 350000) == "Rs 3,500"


async def test_an_indian_buyer_reads_rupees_with_indian_grouping(shop):
    slots = {"buyer_country": "India", "language": "en"}
    said = await _replies("KS-101", slots, query="kullu shawl")
    assert "₹2,400" in said["list"] and "₹2,400" in said["card"] and "₹2,400" in said["cart"]
    assert money.fmt(10_000_000, "INR") == "₹1,00,000"


async def test_an_estimate_in_rupees_is_in_whole_rupees_and_fits_the_list_button(shop) -> None:
    """An Indian buyer looking at Peshawar goods: "about ₹1,051", not "about ₹1,051.05", and
    the longer Kaptaan chappal's button keeps its estimate (60 characters)."""
    trk = _trk("peshawari chappal", {"language": "en"}, told="IN", intent="search_product",
               entities={"product": "peshawari chappal"})  # fmt: skip
    _, msgs = await run(ActionSearchProducts(), trk)
    titles = [b["title"] for m in msgs for b in m.get("buttons") or []]
    assert "Peshawari Chappal (Kaptaan style) - PKR 4,200 (about ₹1,261)" in titles, titles
    assert not any(re.search(r"₹[\d,]+\.\d\d", title) for title in titles), titles
