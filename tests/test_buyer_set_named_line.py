"""Tester finding B3: a quantity request naming a product ("shawl 2 kar do", "make the shawls
3") sets the line of the cart it names instead of adding another product of that name;
several lines or products that fit: "which one?" with a button each, never a bare question."""

from __future__ import annotations

import json

import pytest

from actions.cart import ActionAddToCart, ActionInform
from tests.rasa_support import run, tracker

CART = {"cart": ["KS-101:1", "EP-101:2"], "current_sku": "EP-101"}


def cart(events: list) -> list[str] | None:
    """The cart slot set, sorted (a set line may move to the end)."""
    found = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "cart"]
    return sorted(found[-1]) if found else None


def payloads(msg: dict) -> list[dict]:
    return [json.loads(b["payload"][b["payload"].index("{") :]) for b in msg["buttons"]]


@pytest.mark.parametrize(
    ("action", "text", "intent", "entities"),
    [
        (ActionAddToCart(), "shawl 2 kar do", "add_to_cart", {"product": "shawl", "quantity": "2"}),
        (
            ActionAddToCart(),
            "kullu shawl wool 2 kar do",
            "add_to_cart",
            {"product": "kullu shawl wool"},
        ),
        (ActionInform(), "make the shawls 2", "inform", {}),
        (ActionInform(), "shawl 2 kar do", "inform", {"quantity": "2"}),
        (ActionInform(), "KS-101 2 kardo", "inform", {}),
        (ActionInform(), "shawl ki quantity 2 karni hai", "inform", {}),
    ],
)
async def test_a_named_cart_line_is_set(shop, action, text, intent, entities) -> None:
    trk = tracker(text, intent=intent, entities=entities, slots=CART)
    events, msgs = await run(action, trk)
    assert cart(events) == sorted(["KS-101:2", "EP-101:2"]), (events, msgs)
    assert msgs[0]["text"].startswith("Now 2 x Kullu Shawl (Wool) in your cart."), msgs


async def test_hinglish_reply_sets_the_line(shop) -> None:
    trk = tracker(
        "achar 1 kar do", intent="add_to_cart", entities={"product": "achar"},
        slots={**CART, "current_sku": "KS-101", "language": "hi-Latn"},
    )  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert cart(events) == sorted(["KS-101:1", "EP-101:1"]), msgs


async def test_two_lines_of_that_name_ask_which_with_buttons(shop) -> None:
    slots = {"cart": ["KS-101:1", "KS-103:1", "EP-101:1"], "current_sku": "EP-101"}
    trk = tracker("make the shawls 3", intent="inform", slots=slots)
    events, msgs = await run(ActionInform(), trk)
    assert not any(isinstance(e, dict) and e.get("name") == "cart" for e in events), events
    assert msgs[0]["text"] == "Which one should be 3? Tap it:"
    assert [p["product"] for p in payloads(msgs[0])] == ["KS-101", "KS-103"]
    assert {p["quantity"] for p in payloads(msgs[0])} == {"3"}


async def test_make_it_with_several_lines_and_nothing_looked_at_asks_which(shop) -> None:
    trk = tracker("make it 3", intent="inform", slots={"cart": ["KS-101:1", "EP-101:2"]})
    _, msgs = await run(ActionInform(), trk)
    assert msgs[0]["text"] == "Which one should be 3? Tap it:" and len(msgs[0]["buttons"]) == 2


async def test_make_it_with_one_line_sets_it(shop) -> None:
    trk = tracker("make it 3", intent="inform", slots={"cart": ["EP-101:1"]})
    events, _ = await run(ActionInform(), trk)
    assert cart(events) == sorted(["EP-101:3"])


async def test_tapping_a_line_sets_it(shop) -> None:
    events = [
        {"event": "user", "text": "make it 3"},
        {"event": "bot", "text": "Which one should be 3? Tap it:"},
        {"event": "user", "text": '/add_to_cart{"product":"KS-101","quantity":3}'},
    ]
    trk = tracker(
        '/add_to_cart{"product":"KS-101","quantity":3}', intent="add_to_cart",
        entities={"product": "KS-101", "quantity": "3"},
        slots={"cart": ["KS-101:1", "EP-101:2"]}, events=events,
    )  # fmt: skip
    got, _ = await run(ActionAddToCart(), trk)
    assert cart(got) == sorted(["KS-101:3", "EP-101:2"])


async def test_empty_cart_and_several_shawls_asks_which(shop) -> None:
    trk = tracker(
        "actually make the shawls 3", intent="add_to_cart", entities={"product": "shawls"}
    )
    events, msgs = await run(ActionAddToCart(), trk)
    assert not any(e.get("name") == "cart" for e in events if isinstance(e, dict)), events
    assert msgs[0]["text"] == "Which one? Tap it to add 3:"
    skus = [p["product"] for p in payloads(msgs[0])]
    assert {"KS-101", "KS-102", "KS-103"} <= set(skus), skus


async def test_a_product_not_in_the_cart_is_still_added(shop) -> None:
    trk = tracker(
        "mango achar 2 kar do", intent="add_to_cart",
        entities={"product": "mango achar", "quantity": "2"}, slots={"cart": ["KS-101:1"]},
    )  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert cart(events) == sorted(["KS-101:1", "EP-101:2"]), msgs
