"""Issue 12, found by a tester: a product code typed by the buyer shows that product (and asks
its size or colour), a code with a size goes straight to that size; a size asked for with a
product word is not lost when the search ranks a product without sizes first."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from actions.cart import ActionAddToCart, ActionInform, ActionProductDetails
from actions.search import ActionSearchProducts
from catalog import search
from tests.rasa_support import run, tracker


def _followup(events: list[dict[str, Any]]) -> str | None:
    return next((e["name"] for e in events if e.get("event") == "followup"), None)


@pytest.mark.parametrize("typed", ["PE-101", "pe-101", "PE 101", "pe101", "PE-101 dikhao"])
@pytest.mark.parametrize("action", [ActionSearchProducts, ActionInform, ActionProductDetails])
async def test_a_typed_code_shows_that_product_and_asks_its_colour(shop, typed: str, action: Any):
    trk = tracker(typed, intent="search_product", entities={"product": typed})
    events, msgs = await run(action(), trk)
    assert msgs[0]["text"].startswith("Peshawar Embroidered Shawl (PE-101)"), msgs
    assert msgs[1]["text"].startswith("Which colour of Peshawar Embroidered Shawl?"), msgs
    assert [b["title"] for b in msgs[1]["buttons"]] == ["Red", "Maroon", "Grey"]
    assert SlotSet("current_sku", "PE-101") in events


@pytest.mark.parametrize("typed", ["pc-101", "PC 101"])
async def test_a_typed_code_of_a_product_with_sizes_asks_the_size_in_hinglish(shop, typed: str):
    trk = tracker(typed, intent="search_product", slots={"language": "hi-Latn"})
    _, msgs = await run(ActionSearchProducts(), trk)
    assert msgs[0]["text"].startswith("Peshawari Chappal (PC-101)"), msgs
    assert msgs[1]["text"].startswith("Peshawari Chappal kaunse size mein chahiye? 7, 8"), msgs


async def test_a_typed_code_without_sizes_is_its_card(shop):
    trk = tracker("ks-101", intent="search_product", entities={"product": "ks-101"})
    events, msgs = await run(ActionSearchProducts(), trk)
    assert len(msgs) == 1 and msgs[0]["text"].startswith("Kullu Shawl (Wool, KS-101)"), msgs
    assert SlotSet("current_sku", "KS-101") in events


@pytest.mark.parametrize("typed", ["PC-101/9", "pc-101/9", "PC-101 size 9", "pc 101 9 number"])
async def test_a_typed_code_with_a_size_goes_straight_to_that_size(shop, typed: str):
    trk = tracker(typed, intent="search_product", entities={"quantity": "9"})
    events, msgs = await run(ActionSearchProducts(), trk)
    assert msgs[0]["text"].startswith("Peshawari Chappal, size 9 (PC-101/9)"), msgs
    assert '"product":"PC-101/9"' in msgs[0]["buttons"][0]["payload"]
    assert SlotSet("current_sku", "PC-101/9") in events


async def test_a_code_not_in_the_catalog_is_a_search_as_before(shop):
    trk = tracker("ZZ-999", intent="search_product", entities={"product": "ZZ-999"})
    events, msgs = await run(ActionSearchProducts(), trk)
    assert not any(e.get("name") == "current_sku" and e.get("value") for e in events), msgs


async def test_boots_in_a_size_are_those_boots_not_the_football_ranked_first(shop):
    text = "boots size 9 chahiye"
    trk = tracker(text, intent="search_product", entities={"product": "boots"},
                  slots={"language": "hi-Latn"})  # fmt: skip
    events, _ = await run(ActionSearchProducts(), trk)
    assert _followup(events) == "action_add_to_cart", events
    assert SlotSet("current_sku", "AL-101") in events
    trk = tracker(text, intent="add_to_cart", entities={"product": "boots", "quantity": "9"},
                  slots={"language": "hi-Latn", "current_sku": "AL-101"})  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    cart = next(e["value"] for e in events if e.get("name") == "cart")
    assert cart == ["AL-101/9:1"], msgs


def test_products_with_the_size_asked_for_are_listed_before_those_without_sizes(shop):
    from actions.catalog import with_size_first  # new in issue 12

    with shop() as session:
        found = search.search(session, "size 9 football boots", limit=5).products
        assert {p.sku for p in found} >= {"AL-101", "MS-101"}
        ranked = [p.sku for p in with_size_first(session, found, "size 9 football boots")]
        assert ranked.index("AL-101") < ranked.index("MS-101")
        assert [p.sku for p in with_size_first(session, found, "football boots")] == [
            p.sku for p in found
        ]


async def test_a_code_as_typed_names_the_product_to_add(shop):
    trk = tracker("ks101 add karo", intent="add_to_cart", entities={"product": "ks101"})
    events, msgs = await run(ActionAddToCart(), trk)
    assert SlotSet("current_sku", "KS-101") in events, msgs  # then "how many?"


async def test_boots_in_a_size_taken_as_inform_are_those_boots_too(shop):
    trk = tracker("boots size 9 chahiye", entities={"product": "boots", "quantity": "9"},
                  slots={"language": "hi-Latn"})  # fmt: skip
    events, msgs = await run(ActionInform(), trk)
    assert _followup(events) == "action_add_to_cart", msgs
    assert SlotSet("current_sku", "AL-101") in events
