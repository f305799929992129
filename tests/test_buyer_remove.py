"""Taking things out of the cart in words, through the action with rasa_sdk trackers and the
seeded catalog: a count takes out that many and a size is no count ("remove one size 7
chappal"); a colour in Hinglish picks its line ("laal wali hata do"); words that fit two lines
ask which; the last line out says the cart is empty, with no Checkout button; words that fit
no line name what the cart has."""

from __future__ import annotations

from typing import Any

import pytest

from actions.cart import ActionRemoveFromCart
from tests.rasa_support import run, tracker


def _cart(events: list[dict[str, Any]]) -> list[str] | None:
    return next((e["value"] for e in events if e.get("name") == "cart"), None)


def _remove(text: str, cart: list[str], language: str = "en", **entities: str):  # type: ignore[no-untyped-def]
    slots = {"cart": cart, "language": language, "country": "Pakistan"}
    return tracker(text, intent="remove_from_cart", entities=entities, slots=slots)


async def test_a_count_takes_out_that_many_and_the_size_is_no_count(shop) -> None:
    cart = ["PC-101/7:2", "PC-101/9:1"]
    trk = _remove("remove one size 7 chappal", cart, product="chappal", quantity="7")
    events, msgs = await run(ActionRemoveFromCart(), trk)
    assert _cart(events) == ["PC-101/7:1", "PC-101/9:1"]
    assert msgs[0]["text"] == "Removed 1 x Peshawari Chappal (size 7); 1 left in your cart."


async def test_without_a_count_the_whole_line_goes_and_hata_do_is_no_two(shop) -> None:
    cart = ["PC-101/7:3", "KS-101:1"]
    trk = tracker("chappal hata do", intent="remove_from_cart", slots={"cart": cart})
    events, msgs = await run(ActionRemoveFromCart(), trk)
    assert _cart(events) == ["KS-101:1"]
    assert msgs[0]["text"].startswith("Removed Peshawari Chappal (size 7)")
    assert [b["payload"] for b in msgs[0]["buttons"]] == ["/checkout", "/browse_catalog"]


async def test_a_colour_in_hinglish_picks_its_line(shop) -> None:
    cart = ["PE-101/RED:1", "PE-101/GREY:1"]
    events, msgs = await run(ActionRemoveFromCart(), _remove("laal wali hata do", cart, "hi-Latn"))
    assert _cart(events) == ["PE-101/GREY:1"]
    assert "hata diya" in msgs[0]["text"]


async def test_words_that_fit_two_lines_ask_which(shop) -> None:
    cart = ["PE-101/RED:1", "PE-101/GREY:1", "PC-101/8:1"]
    events, msgs = await run(ActionRemoveFromCart(), _remove("remove the shawl", cart))
    assert _cart(events) is None
    assert msgs[0]["text"] == "Which one should I take out? Tap it:"
    assert [b["payload"] for b in msgs[0]["buttons"]] == [
        '/remove_from_cart{"product":"PE-101/RED"}',
        '/remove_from_cart{"product":"PE-101/GREY"}',
    ]


async def test_the_last_line_out_says_the_cart_is_empty_without_a_checkout_button(shop) -> None:
    trk = _remove("/remove_from_cart", ["PC-101/8:2"], "ur", product="PC-101/8")
    events, msgs = await run(ActionRemoveFromCart(), trk)
    assert _cart(events) == []
    assert "خالی" in msgs[0]["text"]
    assert [b["payload"] for b in msgs[0]["buttons"]] == ["/browse_catalog"]


async def test_words_that_fit_no_line_name_what_the_cart_has(shop) -> None:
    events, msgs = await run(ActionRemoveFromCart(), _remove("remove the cap", ["PC-101/8:1"]))
    assert _cart(events) is None
    assert msgs[0]["text"] == (
        "That is not in your cart. Your cart has: Peshawari Chappal (size 8)."
    )


async def test_remove_it_with_one_line_takes_that_line(shop) -> None:
    events, msgs = await run(ActionRemoveFromCart(), _remove("isko hata do", ["KS-101:2"], "hi-Latn"))
    assert _cart(events) == []
    assert "khaali" in msgs[0]["text"]


@pytest.mark.parametrize(
    ("text", "language"),
    [("कार्ट से हटाएँ", "hi"), ("کارٹ سے ہٹائیں", "ur"), ("cart se hatao", "hi-Latn"),
     ("remove from cart", "en")],
)  # fmt: skip
async def test_remove_from_cart_in_words_takes_the_one_line(shop, text: str, language: str) -> None:
    """ "कार्ट से हटाएँ" with one size-7 chappal in the cart said it was not in the cart, and
    named it: the words of the remove button name no product."""
    events, _ = await run(ActionRemoveFromCart(), _remove(text, ["PC-101/7:1"], language))
    assert _cart(events) == []


async def test_remove_it_with_two_lines_asks_which(shop) -> None:
    events, msgs = await run(ActionRemoveFromCart(), _remove("remove it", ["KS-101:2", "PC-101/8:1"]))
    assert _cart(events) is None
    assert msgs[0]["text"] == "Which one should I take out? Tap it:"
    assert len(msgs[0]["buttons"]) == 2


async def test_words_naming_no_line_remove_nothing_even_on_a_looked_at_card(shop) -> None:
    """ "mango wala hata do" with only lemon pickle in the cart (its card the last shown)
    removed the lemon pickle."""
    slots = {"cart": ["EP-102:3"], "current_sku": "EP-102", "language": "hi-Latn"}
    trk = tracker("mango wala hata do", intent="remove_from_cart", slots=slots)
    events, msgs = await run(ActionRemoveFromCart(), trk)
    assert _cart(events) is None
    assert msgs[0]["text"].startswith("Yeh aapki cart mein nahi hai."), msgs
    trk = tracker("isko hata do", intent="remove_from_cart", slots=slots)  # the one looked at
    events, _ = await run(ActionRemoveFromCart(), trk)
    assert _cart(events) == []
