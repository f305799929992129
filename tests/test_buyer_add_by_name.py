"""A product added by name when the NLU took only part of the name ("kullu" of "2 kullu wool
shawl cart me daal do"): the whole message decides among the products the part found, so the
woollen shawl goes in the cart, not the first Kullu shawl the search lists (the Nahan weave)."""

from __future__ import annotations

import pytest

from actions.cart import ActionAddToCart
from tests.rasa_support import run, tracker


@pytest.mark.parametrize(
    ("text", "entity", "cart"),
    [
        ("2 kullu wool shawl cart me daal do", "kullu", ["KS-101:2"]),
        ("add one kullu pashmina shawl", "shawl", ["KS-102:1"]),
        ("add 1 kullu shawl", "kullu", ["KS-103:1"]),  # nothing more said: the search's first
    ],
)
async def test_the_whole_message_picks_among_what_the_entity_found(
    shop, text: str, entity: str, cart: list[str]
) -> None:
    quantity = "2" if text.startswith("2") else "1"
    trk = tracker(text, intent="add_to_cart", entities={"product": entity, "quantity": quantity})
    events, msgs = await run(ActionAddToCart(), trk)
    assert next(e["value"] for e in events if e.get("name") == "cart") == cart, msgs


@pytest.mark.parametrize(
    ("text", "cart"),
    [
        ("nahan wali bhi 1 daal do", ["KS-101:2", "KS-103:1"]),  # the Nahan weave, one
        ("ek aur daal do", ["KS-101:3"]),  # no other product named: the one looked at
    ],
)
async def test_a_product_named_in_words_without_an_entity(shop, text: str, cart: list[str]) -> None:
    """On the woollen shawl's card, with 2 of it in the cart, "nahan wali bhi 1 daal do" (no
    product extracted) asked "Kullu Shawl (Wool) kitne chahiye?"."""
    slots = {"cart": ["KS-101:2"], "current_sku": "KS-101", "language": "hi-Latn"}
    trk = tracker(text, intent="add_to_cart", slots=slots,
                  entities={"quantity": "1"} if text.startswith("ek") else {})  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert next(e["value"] for e in events if e.get("name") == "cart") == cart, msgs


@pytest.mark.parametrize(
    ("text", "language", "added"),
    [("دو اور چاہیے", "ur", "1 x پشاوری چپل (سائز 9) کارٹ میں ڈال دیا۔ کارٹ کا کل: Rs 3,500۔"),
     ("2 more please", "en",
      "Added 1 x Peshawari Chappal (size 9) to your cart. Cart total: Rs 3,500.")],
)  # fmt: skip
async def test_n_more_right_after_added_adds_n_more_of_it(
    shop, text: str, language: str, added: str
) -> None:
    """ "دو اور چاہیے" after a size-9 chappal was added got "I did not understand"."""
    from actions.info import ActionFallback

    said = [{"event": "user", "text": "9"}, {"event": "bot", "text": added},
            {"event": "user", "text": text}]  # fmt: skip
    slots = {"cart": ["PC-101/9:1"], "current_sku": "PC-101", "language": language,
             "country": "Pakistan"}  # fmt: skip
    trk = tracker(text, intent="nlu_fallback", slots=slots, events=said)
    events, msgs = await run(ActionFallback(), trk)
    cart = next((e["value"] for e in events if e.get("name") == "cart"), None)
    assert cart == ["PC-101/9:3"], msgs


@pytest.mark.parametrize(
    ("text", "language"),
    [("I want 2 pairs of kaptaan chappal size 9", "en"),
     ("kaptaan chappal size 9 2 pairs chahiye", "hi-Latn"),
     ("کپتان چپل سائز 9 کے دو جوڑے چاہییں", "ur")],
)  # fmt: skip
async def test_pairs_with_a_size_are_the_count(shop, text: str, language: str) -> None:
    """ "2 pairs ... size 9" added one pair: the NLU took no count, and the 9 was the size."""
    slots = {"language": language, "country": "Pakistan"}
    trk = tracker(text, intent="add_to_cart", slots=slots,
                  entities={"product": "kaptaan chappal"})  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    cart = next((e["value"] for e in events if e.get("name") == "cart"), None)
    assert cart == ["PC-102/9:2"], msgs


@pytest.mark.parametrize(("text", "n"), [("ek aur chahiye", 1), ("do aur chahiye", 2)])
async def test_n_more_read_as_browsing_adds_n_more(shop, text: str, n: int) -> None:
    """ "ek aur chahiye" right after "Added 2 x Kullu Shawl" is read as browse_catalog: it
    listed the categories; it is one more shawl."""
    from actions.search import ActionBrowseCatalog

    added = "2 x Kullu Shawl (Wool) cart mein daal diya. Cart ka total: ₹4,800."
    said = [{"event": "user", "text": "2 daal do"}, {"event": "bot", "text": added},
            {"event": "user", "text": text}]  # fmt: skip
    slots = {"cart": ["KS-101:2"], "current_sku": "KS-101", "language": "hi-Latn"}
    trk = tracker(text, intent="browse_catalog", slots=slots, events=said)
    events, msgs = await run(ActionBrowseCatalog(), trk)
    cart = next((e["value"] for e in events if e.get("name") == "cart"), None)
    assert cart == [f"KS-101:{2 + n}"], msgs
    # without an "Added" just before, it is browsing
    events, msgs = await run(ActionBrowseCatalog(), tracker(text, intent="browse_catalog"))
    assert events == [] and msgs[0]["buttons"], msgs


@pytest.mark.parametrize(
    ("text", "entities"),
    [("also add one pair in size 8", {"quantity": "8"}), ("ek jodi size 8 bhi", {}),
     ("one more pair, size 8", {})],
)  # fmt: skip
async def test_a_pair_in_another_size_is_of_the_chappal_not_the_socks(
    shop, text: str, entities: dict
) -> None:
    """ "also add one pair in size 8" after size-11 chappals were added put 8 pairs of woollen
    socks in the cart: "pair" (a unit) named the socks "(pair)", and the size was the count."""
    added = "Added 1 x Peshawari Chappal (size 11) to your cart. Cart total: PKR 3,500."
    said = [{"event": "user", "text": "11"}, {"event": "bot", "text": added},
            {"event": "user", "text": text}]  # fmt: skip
    slots = {"cart": ["PC-101/11:1"], "current_sku": "PC-101", "language": "en"}
    trk = tracker(text, intent="add_to_cart", entities=entities, slots=slots, events=said)
    events, msgs = await run(ActionAddToCart(), trk)
    cart = next((e["value"] for e in events if e.get("name") == "cart"), None)
    assert cart == ["PC-101/11:1", "PC-101/8:1"], msgs
