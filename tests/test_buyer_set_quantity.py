"""Issue 12 (a new-user try-out of the buyer conversation): a number right after "added" (or "make it N") sets the cart line instead of adding more."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.cart import ActionAddToCart, ActionInform
from tests.rasa_support import run, tracker

JUST_ADDED = [
    {"event": "user", "text": "/add_to_cart"},
    {"event": "bot", "text": "Added 1 x Kullu Shawl (Wool) to your cart. Cart total: ₹2,400."},
]


def after_added(text: str, intent: str, **kw) -> object:  # type: ignore[no-untyped-def]
    events = [*JUST_ADDED, {"event": "user", "text": text}]
    slots = {"cart": ["KS-101:1"], "current_sku": "KS-101"}
    return tracker(text, intent=intent, slots=slots, events=events, **kw)


@pytest.mark.parametrize(
    ("action", "text", "intent", "entities"),
    [
        (ActionAddToCart(), "2 chahiye", "add_to_cart", {"quantity": "2"}),
        (ActionInform(), "2", "inform", {}),
        (ActionInform(), "sirf 2", "inform", {}),
        (ActionAddToCart(), "make it 2", "add_to_cart", {}),
    ],
)
async def test_a_number_after_added_sets_the_line(shop, action, text, intent, entities) -> None:
    events, msgs = await run(action, after_added(text, intent, entities=entities))
    assert SlotSet("cart", ["KS-101:2"]) in events
    assert msgs[0]["text"] == "Now 2 x Kullu Shawl (Wool) in your cart. Cart total: ₹4,800."


async def test_more_still_adds(shop) -> None:
    events, msgs = await run(
        ActionAddToCart(), after_added("2 more", "add_to_cart", entities={"quantity": "2"})
    )
    assert SlotSet("cart", ["KS-101:3"]) in events and msgs[0]["text"].startswith("Added 2 x")


async def test_make_it_n_sets_even_later(shop) -> None:
    trk = tracker(
        "make it 3", intent="inform", slots={"cart": ["KS-101:1"], "current_sku": "KS-101"}
    )
    events, msgs = await run(ActionInform(), trk)
    assert SlotSet("cart", ["KS-101:3"]) in events and msgs[0]["text"].startswith("Now 3 x")


async def test_make_it_two_sets_the_size_in_the_cart(shop) -> None:
    """The product looked at has sizes: "2" after "added" sets the one size in the cart, it
    does not ask "which size?" again."""
    events = [
        {"event": "user", "text": "/add_to_cart"},
        {"event": "bot", "text": "Added 1 x Peshawari Chappal (size 9) to your cart. Cart total: PKR 3,500."},
        {"event": "user", "text": "2"},
    ]
    slots = {"cart": ["PC-101/9:1"], "current_sku": "PC-101"}
    got, msgs = await run(ActionInform(), tracker("2", intent="inform", slots=slots, events=events))
    assert SlotSet("cart", ["PC-101/9:2"]) in got
    assert msgs[0]["text"].startswith("Now 2 x Peshawari Chappal (size 9) in your cart.")
