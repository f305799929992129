"""Tester finding F26: one size priced on its own (``/price PC-101/9 3600``, README "Sizes and
colours"). A price answer about a size (named, on screen, or the one in the cart) says that
size's price; a product whose sizes differ in price is "from" its cheapest in lists and cards,
and the size buttons show each size's price; in all four languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionAddToCart, ActionProductDetails
from actions.catalog import ActionAskPrice
from actions.search import ActionSearchProducts
from catalog import products
from catalog.db import transaction
from tests.rasa_support import run, tracker

PK = {"buyer_country": "Pakistan"}


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    with transaction(seeded) as s:  # staff: /price PC-101/9 3600 (the others stay Rs 3,500)
        products.set_price(s, "PC-101/9", 360000, actor="staff")
    db.use(seeded)
    yield seeded
    db.use(None)


def _titles(msg: dict[str, Any]) -> list[str]:
    return [b["title"] for b in msg.get("buttons") or []]


async def test_the_price_of_a_size_named_in_the_question_is_that_sizes(shop):
    trk = tracker("peshawari chappal size 9 ka price?", intent="ask_price",
                  entities={"product": "peshawari chappal"}, slots=PK)  # fmt: skip
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"] == "Peshawari Chappal (size 9): Rs 3,600", msgs
    assert '"product":"PC-101/9"' in msgs[0]["buttons"][0]["payload"]


async def test_the_price_of_another_size_named_is_its_own(shop):
    trk = tracker("peshawari chappal size 8 kitne ka hai", intent="ask_price",
                  entities={"product": "peshawari chappal"}, slots=PK)  # fmt: skip
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"] == "Peshawari Chappal (size 8): Rs 3,500", msgs


async def test_a_price_question_after_adding_a_size_is_about_the_size_in_the_cart(shop):
    # "پشاوری چپل ۹ نمبر کی دو جوڑی چاہیے" added 2 of size 9; "it" is the product again
    slots = {**PK, "language": "ur", "cart": ["PC-101/9:2"], "current_sku": "PC-101"}
    trk = tracker("قیمت کم ہو سکتی ہے؟", intent="ask_price", slots=slots)
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"] == "پشاوری چپل (سائز 9): Rs 3,600", msgs


async def test_a_price_question_about_the_size_on_screen(shop):
    trk = tracker("iska price?", intent="ask_price", slots={**PK, "current_sku": "PC-101/9"})
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"] == "Peshawari Chappal (size 9): Rs 3,600", msgs


async def test_no_size_known_is_from_the_cheapest_with_a_priced_button_per_size(shop):
    trk = tracker("peshawari chappal ka price?", intent="ask_price",
                  entities={"product": "peshawari chappal"}, slots=PK)  # fmt: skip
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"] == "Peshawari Chappal: from Rs 3,500", msgs
    titles = _titles(msgs[0])
    assert "size 9 - Rs 3,600" in titles and "size 8 - Rs 3,500" in titles, titles


@pytest.mark.parametrize(
    ("language", "text", "listed"),
    [
        ("en", "show peshawari chappal", "Peshawari Chappal - from Rs 3,500"),
        ("ur", "پشاوری چپل دکھائیں", "پشاوری چپل - Rs 3,500 سے شروع"),
        ("hi", "पेशावरी चप्पल दिखाओ", "पेशावरी चप्पल - Rs 3,500 से शुरू"),
        ("hi-Latn", "peshawari chappal dikhao", "Peshawari Chappal - Rs 3,500 se shuru"),
    ],
)
async def test_a_list_shows_from_the_cheapest_size(shop, language: str, text: str, listed: str):
    trk = tracker(text, intent="search_product", entities={"product": text.split()[0]},
                  slots={**PK, "language": language})  # fmt: skip
    _, msgs = await run(ActionSearchProducts(), trk)
    assert listed in _titles(msgs[-1]), msgs


async def test_the_card_shows_from_the_cheapest_size(shop):
    trk = tracker("", intent="product_details", entities={"product": "PC-101"}, slots=PK)
    _, msgs = await run(ActionProductDetails(), trk)
    assert msgs[0]["text"].splitlines()[1] == "from Rs 3,500", msgs


async def test_a_sizes_card_shows_its_own_price(shop):
    trk = tracker("", intent="product_details", entities={"product": "PC-101/9"}, slots=PK)
    _, msgs = await run(ActionProductDetails(), trk)
    assert msgs[0]["text"].splitlines()[1] == "Rs 3,600", msgs


@pytest.mark.parametrize(
    ("language", "nine"),
    [("en", "size 9 - Rs 3,600"), ("hi", "साइज़ 9 - Rs 3,600"), ("ur", "سائز 9 - Rs 3,600")],
)
async def test_the_size_buttons_show_each_sizes_price(shop, language: str, nine: str):
    trk = tracker("", intent="add_to_cart", entities={"product": "PC-101"},
                  slots={**PK, "language": language})  # fmt: skip
    _, msgs = await run(ActionAddToCart(), trk)
    assert nine in _titles(msgs[0]), msgs


async def test_sizes_priced_alike_are_shown_as_before(seeded):
    db.use(seeded)
    try:
        trk = tracker("", intent="add_to_cart", entities={"product": "PC-101"}, slots=PK)
        _, msgs = await run(ActionAddToCart(), trk)
        assert _titles(msgs[0])[:2] == ["size 7", "size 8"], msgs
        trk = tracker("peshawari chappal ka price?", intent="ask_price",
                      entities={"product": "peshawari chappal"}, slots=PK)  # fmt: skip
        _, msgs = await run(ActionAskPrice(), trk)
        assert msgs[0]["text"] == "Peshawari Chappal: Rs 3,500", msgs
    finally:
        db.use(None)


async def test_the_cart_charges_the_sizes_own_price(shop):
    trk = tracker("پشاوری چپل ۹ نمبر کی دو جوڑی چاہیے", intent="add_to_cart",
                  entities={"product": "پشاوری چپل", "quantity": "2"},
                  slots={**PK, "language": "ur"})  # fmt: skip
    _, msgs = await run(ActionAddToCart(), trk)
    assert "Rs 7,200" in msgs[0]["text"], msgs
