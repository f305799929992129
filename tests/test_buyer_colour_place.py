"""A colour with a place or jail word ("the red peshawar shawl please, to London", "laal wala
shawl"), through the actions with rasa_sdk trackers and the seeded catalog: the colour of the
product that comes in it goes into the cart (never another product of the entity's word, asked
"how many?" without a name), and a quantity question always names the product."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionAddToCart, ActionInform
from actions.search import ActionSearchProducts
from tests.rasa_support import run, tracker


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


def _cart(events: list[dict[str, Any]]) -> list[str] | None:
    return next((e["value"] for e in events if e.get("name") == "cart"), None)


async def _turn(
    action: Any,
    text: str,
    intent: str,
    entities: dict[str, str],
    slots: dict[str, Any],
    sender: str,
    history: list[dict[str, Any]],
):  # type: ignore[no-untyped-def]
    """One turn as Rasa runs it: the action, then the action it follows up with (run on the
    tracker the first left: its slots set, its events logged). Returns (slots, messages,
    events of the turn) and extends ``history`` with the turn."""
    user = {"event": "user", "text": text}
    events = [*history, user]
    trk = tracker(text, intent=intent, entities=entities, slots=slots, sender=sender, events=events)
    out, msgs = await run(action, trk)
    turn = [{"event": "action", "name": action.name()}, *out]
    slots = {**slots, **{e["name"]: e["value"] for e in out if e.get("event") == "slot"}}
    followup = next((e["name"] for e in out if e.get("event") == "followup"), None)
    if followup is not None:
        assert followup == "action_add_to_cart"
        nxt = ActionAddToCart()
        trk = tracker(text, intent=intent, entities=entities, slots=slots, sender=sender,
                      events=[*events, *turn])  # fmt: skip
        more, more_msgs = await run(nxt, trk)
        turn += [{"event": "action", "name": nxt.name()}, *more]
        slots = {**slots, **{e["name"]: e["value"] for e in more if e.get("event") == "slot"}}
        msgs = [*msgs, *more_msgs]
        out = [*out, *more]
    turn += [{"event": "bot", "text": m.get("text"), "data": {"buttons": m.get("buttons")}}
             for m in msgs]  # fmt: skip
    history.extend([user, *turn])
    return slots, msgs, out


@pytest.mark.parametrize(
    ("text", "intent", "entities", "language", "sender"),
    [
        ("the red peshawar shawl please, to London", "search_product",
         {"color": "red", "jail": "Peshawar", "product": "shawl"}, "en", "te-1"),
        ("red peshawar shawl", "search_product",
         {"color": "red", "jail": "Peshawar", "product": "shawl"}, "en", "te-2"),
        ("laal wala shawl", "search_product", {"color": "laal", "product": "shawl"},
         "hi-Latn", "wh-3"),
        ("laal wala shawl", "add_to_cart", {"product": "shawl"}, "hi-Latn", "wh-4"),
        ("लाल शॉल चाहिए", "add_to_cart", {"product": "शॉल"}, "hi", "wh-5"),
        ("لال شال", "search_product", {"product": "شال"}, "ur", "wh-6"),
        ("سرخ شال", "inform", {"product": "شال"}, "ur", "wh-7"),
        ("red shawl", "search_product", {"color": "red", "product": "shawl"}, "en", "te-8"),
    ],
)  # fmt: skip
async def test_a_colour_and_a_place_add_that_colour_of_the_product_that_has_it(
    shop, text: str, intent: str, entities: dict[str, str], language: str, sender: str
) -> None:
    action = {"search_product": ActionSearchProducts(), "add_to_cart": ActionAddToCart(),
              "inform": ActionInform()}[intent]  # fmt: skip
    history: list[dict[str, Any]] = []
    slots = {"language": language, "country": "United Kingdom"}
    slots, msgs, out = await _turn(action, text, intent, entities, slots, sender, history)
    assert _cart(out) == ["PE-101/RED:1"], msgs
    assert "PE-101" in str(slots.get("current_sku")), slots


async def test_the_number_after_goes_to_the_product_named(shop) -> None:
    """Whatever the first turn says, a "1" after it never adds a Kullu shawl."""
    history: list[dict[str, Any]] = []
    slots: dict[str, Any] = {"language": "en"}
    slots, msgs, _ = await _turn(
        ActionSearchProducts(), "the red peshawar shawl please, to London", "search_product",
        {"color": "red", "jail": "Peshawar", "product": "shawl"}, slots, "te-9", history,
    )  # fmt: skip
    slots, msgs, out = await _turn(ActionInform(), "1", "inform", {"quantity": "1"}, slots,
                                   "te-9", history)  # fmt: skip
    cart = _cart(out) or slots.get("cart") or []
    assert all(not line.startswith("KS-") for line in cart), (cart, msgs)


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "Kullu Shawl (Nahan weave)"), ("hi-Latn", "Kullu Shawl (Nahan weave)"),
     ("hi", "नाहन की कुल्लू शॉल"), ("ur", "ناہن کی کلو شال")],
)  # fmt: skip
async def test_how_many_names_the_product(shop, language: str, name: str) -> None:
    trk = tracker("KS-103 add karo", intent="add_to_cart", entities={"product": "KS-103"},
                  slots={"language": language}, sender="te-10")  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert _cart(events) is None and SlotSet("current_sku", "KS-103") in events
    assert name in msgs[0]["text"], msgs


async def test_the_add_a_search_hands_over_adds_the_product_the_search_picked(shop) -> None:
    """ "kaptaan chappal 9 number" with the entity "chappal": the search picks the Kaptaan
    style (PC-102) from all the words; the add must not pick again from "chappal" alone."""
    history: list[dict[str, Any]] = []
    slots: dict[str, Any] = {"language": "en", "country": "Pakistan"}
    slots, msgs, out = await _turn(
        ActionSearchProducts(), "kaptaan chappal 9 number", "search_product",
        {"product": "chappal", "quantity": "9"}, slots, "te-11", history,
    )  # fmt: skip
    assert _cart(out) == ["PC-102/9:1"], msgs


async def test_a_quantity_request_naming_a_colour_sets_that_colour(shop) -> None:
    """ "laal shawl 2 kar do": two of the red Peshawar shawl, not "which one?" over every shawl."""
    trk = tracker("laal shawl 2 kar do", intent="add_to_cart",
                  entities={"product": "shawl", "quantity": "2"},
                  slots={"language": "hi-Latn"}, sender="wh-12")  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert _cart(events) == ["PE-101/RED:2"], msgs
