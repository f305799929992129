"""Buyers pick a size or colour (issue 12), through the actions with rasa_sdk trackers and the
seeded catalog: asked which size with a button per size in stock, in their language; "9", "9
number", "size 9" after the question is the size, not a quantity; a size in the first message
adds it at once; a size we do not make names the ones we do; the cart names the size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionAddToCart, ActionInform, ActionProductDetails, ActionViewCart
from actions.search import ActionSearchProducts
from catalog import stock
from catalog.db import transaction
from tests.rasa_support import run, tracker


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    with transaction(seeded) as s:  # size 9 down to its last pair, size 11 sold out
        stock.set_stock(s, "PC-101/9", 1, reason="count", actor="t")
        stock.set_stock(s, "PC-101/11", 0, reason="count", actor="t")
    db.use(seeded)
    yield seeded
    db.use(None)


def _cart(events: list[dict[str, Any]]) -> list[str] | None:
    return next((e["value"] for e in events if e.get("name") == "cart"), None)


def _asked(question: str, text: str, language: str = "en", **kw: Any):  # type: ignore[no-untyped-def]
    """A tracker whose last bot turn was ``question`` (with a button asking for 2) and whose
    latest message is ``text``."""
    payload = '/add_to_cart{"product":"PC-101/8","quantity":"2"}'
    events = [
        {"event": "user", "text": "order 2"},
        {"event": "action", "name": "action_add_to_cart"},
        {"event": "bot", "text": question, "data": {"buttons": [{"title": "8", "payload": payload}]}},
        {"event": "user", "text": text},
    ]
    slots = {"current_sku": "PC-101", "language": language, "country": "Pakistan"}
    return tracker(text, events=events, slots=slots, **kw)


async def test_adding_a_product_with_sizes_asks_which_with_a_button_per_size_in_stock(shop):
    trk = tracker("order 2", intent="add_to_cart", entities={"quantity": "2"},
                  slots={"current_sku": "PC-101", "country": "Pakistan"})  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert msgs[0]["text"] == (
        "Which size of Peshawari Chappal? 7, 8, 9 (only 1 left), 10, 11 (sold out)"
    )
    assert [b["title"] for b in msgs[0]["buttons"]] == ["size 7", "size 8", "size 9", "size 10"]
    assert msgs[0]["buttons"][2]["payload"] == '/add_to_cart{"product":"PC-101/9","quantity":"2"}'
    assert _cart(events) is None and SlotSet("current_sku", "PC-101") in events


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("hi", "पेशावरी चप्पल किस साइज़ में चाहिए? 7, 8, 9 (सिर्फ़ 1 बचे), 10, 11 (ख़त्म)"),
        ("hi-Latn", "Peshawari Chappal kaunse size mein chahiye? 7, 8, 9 (sirf 1 bache), 10, 11 (khatam)"),
        ("ur", "پشاوری چپل کس سائز میں چاہیے؟ 7, 8, 9 (صرف 1 باقی), 10, 11 (ختم)"),
    ],
)  # fmt: skip
async def test_the_size_question_is_in_the_buyers_language(shop, language: str, question: str):
    trk = tracker("", intent="add_to_cart", entities={"product": "PC-101"},
                  slots={"language": language, "country": "Pakistan"})  # fmt: skip
    _, msgs = await run(ActionAddToCart(), trk)
    assert msgs[0]["text"] == question


@pytest.mark.parametrize("answer", ["9", "9 number", "size 9", "नंबर 9", "۹ نمبر", "9 wala"])
async def test_the_answer_to_which_size_is_a_size_not_a_quantity(shop, answer: str):
    question = "Which size of Peshawari Chappal? 7, 8, 9 (only 1 left), 10, 11 (sold out)"
    events, msgs = await run(ActionInform(), _asked(question, answer, entities={"quantity": "9"}))
    # two were asked for, one pair of size 9 is left: the cart holds what there is, no more
    assert "only 1 of peshawari chappal (size 9)" in msgs[0]["text"].lower() or _cart(events) == ["PC-101/9:2"]
    events, msgs = await run(ActionInform(), _asked(question.replace("9 (", "8 ("), "8 number"))
    assert _cart(events) == ["PC-101/8:2"], msgs
    assert "Peshawari Chappal (size 8)" in msgs[0]["text"]


async def test_a_size_typed_as_the_count_on_the_card_is_the_size(shop, seeded):
    """A tester typed "9" under the chappal card's "How many?" (sizes 7-11): it was taken for
    nine pairs, the size question followed, and size 9 then ended in "only 3 available" with
    no button and nothing in the cart. A number that is a size and more than that size has
    is the size: "how many of size 9?", a button per count; the count typed next adds it."""
    with transaction(seeded) as s:
        stock.set_stock(s, "PC-101/9", 3, reason="count", actor="t")
    shown = "Peshawari Chappal ... How many would you like? Type a number."
    card = [{"event": "action", "name": "action_product_details"},
            {"event": "bot", "text": shown}]
    slots = {"current_sku": "PC-101", "country": "Pakistan"}
    trk = tracker("9", intent="inform", entities={"quantity": "9"}, slots=slots,
                  events=[*card, {"event": "user", "text": "9"}])  # fmt: skip
    events, msgs = await run(ActionInform(), trk)
    assert msgs[0]["text"] == (
        "How many of Peshawari Chappal (size 9) would you like? Type a number."
    )
    assert [b["title"] for b in msgs[0]["buttons"]] == [f"Add {n} to cart" for n in (1, 2, 3)]
    assert _cart(events) is None and SlotSet("current_sku", "PC-101/9") in events
    asked = [{"event": "bot", "text": msgs[0]["text"]}, {"event": "user", "text": "2"}]
    trk = tracker("2", intent="inform", entities={"quantity": "2"},
                  slots={**slots, "current_sku": "PC-101/9"}, events=asked)  # fmt: skip
    events, msgs = await run(ActionInform(), trk)
    assert _cart(events) == ["PC-101/9:2"], msgs
    # a number that is no size stays a count: "2" on the card asks which size, for two
    trk = tracker("2", intent="inform", entities={"quantity": "2"}, slots=slots,
                  events=[*card, {"event": "user", "text": "2"}])  # fmt: skip
    _, msgs = await run(ActionInform(), trk)
    assert msgs[0]["text"].startswith("Which size of Peshawari Chappal?"), msgs


async def test_more_than_a_size_has_offers_a_button_per_count_there_is(shop):
    question = "Which size of Peshawari Chappal? 7, 8, 9 (only 1 left), 10, 11 (sold out)"
    _, msgs = await run(ActionInform(), _asked(question, "9 number", entities={"quantity": "9"}))
    assert msgs[0]["text"] == (
        "Only 1 of Peshawari Chappal (size 9) is left: type 1 to take it."
    )
    assert [b["payload"] for b in msgs[0]["buttons"]] == [
        '/add_to_cart{"product":"PC-101/9","quantity":"1"}'
    ]


async def test_an_answer_through_another_intent_still_picks_the_size(shop):
    question = "Peshawari Chappal kaunse size mein chahiye? 7, 8, 9, 10"
    for action in (ActionAddToCart(), ActionSearchProducts()):
        events, msgs = await run(action, _asked(question, "10 number", "hi-Latn"))
        if any(e.get("event") == "followup" for e in events):  # the search hands it to the cart
            events, msgs = await run(ActionAddToCart(), _asked(question, "10 number", "hi-Latn"))
        assert _cart(events) == ["PC-101/10:2"], (action, msgs)


async def test_a_size_we_do_not_make_names_the_ones_we_do(shop):
    question = "Which size of Peshawari Chappal? 7, 8, 9 (only 1 left), 10, 11 (sold out)"
    events, msgs = await run(ActionInform(), _asked(question, "size 12"))
    assert msgs[0]["text"] == (
        "We have sizes 7, 8, 9 (only 1 left), 10, 11 (sold out) of Peshawari Chappal."
    )
    assert len(msgs[0]["buttons"]) == 4 and _cart(events) is None
    trk = tracker("peshawari chappal 13 number", intent="add_to_cart",
                  entities={"product": "peshawari chappal"}, slots={"language": "ur"})  # fmt: skip
    _, msgs = await run(ActionAddToCart(), trk)
    assert msgs[0]["text"].startswith("پشاوری چپل کے سائز یہ ہیں: 7, 8")


async def test_a_size_in_the_first_message_is_added_at_once(shop):
    text = "mujhe ek peshawari chappal chahiye 9 number"
    trk = tracker(text, intent="add_to_cart",
                  entities={"product": "peshawari chappal", "quantity": "9"},
                  slots={"language": "hi-Latn"})  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert _cart(events) == ["PC-101/9:1"], msgs  # "9" was the size: one pair
    trk = tracker(text, intent="search_product", entities={"product": "peshawari chappal"})
    events, _ = await run(ActionSearchProducts(), trk)
    assert SlotSet("current_sku", "PC-101") in events
    assert any(e.get("event") == "followup" and e.get("name") == "action_add_to_cart" for e in events)


async def test_a_colour_in_hinglish_hindi_and_urdu(shop):
    for text, language in (("laal wala shawl", "hi-Latn"), ("लाल शॉल", "hi"), ("سرخ شال", "ur")):
        trk = tracker(text, intent="add_to_cart", entities={"product": "PE-101"},
                      slots={"language": language})  # fmt: skip
        events, msgs = await run(ActionAddToCart(), trk)
        assert _cart(events) == ["PE-101/RED:1"], (text, msgs)
    trk = tracker("kala wala", intent="add_to_cart", entities={"product": "PE-101"})
    _, msgs = await run(ActionAddToCart(), trk)
    assert msgs[0]["text"] == "We have Peshawar Embroidered Shawl in Red, Maroon, Grey."


@pytest.mark.parametrize(
    ("language", "colours", "added"),
    [("ur", "سرخ, مہرون, سلیٹی", "(سرخ)"), ("hi", "लाल, मैरून, स्लेटी", "(लाल)"),
     ("hi-Latn", "Red, Maroon, Grey", "(Red)")],  # Latin names, as the products' own
)  # fmt: skip
async def test_colours_are_named_in_the_buyers_language(shop, language, colours, added):
    """A tester's Urdu card read "رنگ: Red, Maroon, Grey"."""
    trk = tracker("", intent="product_details", entities={"product": "PE-101"},
                  slots={"language": language})  # fmt: skip
    _, msgs = await run(ActionProductDetails(), trk)
    assert colours in msgs[0]["text"], msgs
    trk = tracker("", intent="add_to_cart", entities={"product": "PE-101/RED"},
                  slots={"language": language})  # fmt: skip
    _, msgs = await run(ActionAddToCart(), trk)
    assert added in msgs[0]["text"], msgs


async def test_a_count_typed_with_a_colour_is_kept(shop, seeded):
    """A tester's "3 maroon wale bhi chahiye" (2 left, the NLU took no 3) added one shawl."""
    with transaction(seeded) as s:
        stock.set_stock(s, "PE-101/MAROON", 2, reason="count", actor="t")
    for said, expected in (("2 maroon wale bhi chahiye", ["PE-101/MAROON:2"]),
                           ("3 maroon wale bhi chahiye", None)):  # fmt: skip
        trk = tracker(said, intent="add_to_cart", entities={"product": "PE-101"},
                      slots={"language": "hi-Latn"})  # fmt: skip
        events, msgs = await run(ActionAddToCart(), trk)
        assert _cart(events) == expected, msgs
    assert msgs[0]["text"].startswith("Peshawar Embroidered Shawl (Maroon) sirf 2 available"), msgs
    assert len(msgs[0]["buttons"]) == 2


async def test_the_cart_and_details_name_sizes(shop):
    trk = tracker("cart", intent="view_cart", slots={"cart": ["PC-101/10:1"], "language": "ur"})
    _, msgs = await run(ActionViewCart(), trk)
    assert "1 x پشاوری چپل، سائز 10 (PC-101/10): Rs 3,500" in msgs[0]["text"]
    trk = tracker('/product_details{"product":"PC-101"}', intent="product_details",
                  entities={"product": "PC-101"}, slots={"country": "Pakistan"})  # fmt: skip
    _, msgs = await run(ActionProductDetails(), trk)
    assert "Sizes: 7, 8, 9, 10" in msgs[0]["text"]


async def test_on_whatsapp_a_typed_size_is_that_size_not_the_choice_of_that_number(
    fake_rasa: Any,
) -> None:
    """Boots in sizes 6 to 11 are six numbered choices: "6" is size 6 (the first), "2" the
    second choice (size 7), "9" size 9."""
    import httpx

    from bot.core.messages import Inbound
    from tests.test_bot_core import _conversation

    sizes = [str(n) for n in range(6, 12)]

    async def question(sender: str, message: str) -> list[dict[str, Any]]:
        buttons = [
            {"title": f"size {n}", "payload": f'/add_to_cart{{"product":"AL-101/{n}","quantity":"1"}}'}
            for n in sizes
        ]  # fmt: skip
        return [{"text": "Which size of Leather Police Boots? 6, 7, 8, 9, 10, 11", "buttons": buttons}]

    fake_rasa.respond = question
    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http)
        for i, typed in enumerate(["boots", "6", "boots", "2", "boots", "9"]):
            await conv.handle(Inbound("whatsapp", "+919800000009", f"S{i}", text=typed, numbered=True))
    picked = fake_rasa.messages()[1::2]
    assert picked == [
        '/add_to_cart{"product":"AL-101/6","quantity":"1"}',
        '/add_to_cart{"product":"AL-101/7","quantity":"1"}',
        '/add_to_cart{"product":"AL-101/9","quantity":"1"}',
    ]


async def test_a_colour_we_do_not_make_of_a_sized_product_is_a_search(shop):
    trk = tracker("black police boots", intent="search_product", entities={"product": "boots"})
    events, msgs = await run(ActionSearchProducts(), trk)
    assert not any(e.get("event") == "followup" for e in events)
    assert any("Police Boots" in b["title"] for b in msgs[0]["buttons"]), msgs
