"""A search whose product words name something we do not make, though other words of it find
goods ("wooden chess set": the wooden chair), says so above the list instead of "Here is what
I found:" (actions.catalog.not_had; catalog.search's ``unmatched`` words)."""

from __future__ import annotations

import pytest

from actions.search import ActionSearchProducts
from catalog import search
from tests.rasa_support import run, tracker


@pytest.mark.parametrize(
    ("said", "product", "language", "heading"),
    [("wooden chess set", "wooden chess set", "en",
      "We don't have wooden chess set. These come closest:"),
     ("silk saree chahiye", "silk saree", "hi-Latn",
      "silk saree hamare paas nahi hai. Sabse milte-julte yeh hain:"),
     ("wooden toys", "wooden toys", "hi", "wooden toys हमारे पास नहीं है। सबसे मिलते-जुलते ये हैं:")],
)  # fmt: skip
async def test_a_thing_we_do_not_make_is_named_above_the_closest(
    shop, said: str, product: str, language: str, heading: str
) -> None:
    trk = tracker(said, intent="search_product", entities={"product": product},
                  slots={"language": language})  # fmt: skip
    _, msgs = await run(ActionSearchProducts(), trk)
    assert msgs[0]["text"] == heading, msgs
    assert msgs[0]["buttons"], msgs  # the closest goods are still listed


@pytest.mark.parametrize(
    ("said", "product"),
    [("kullu shawl", "kullu shawl"), ("kullu shawll", "shawll"), ("show me pickles", None),
     ("woollen shawl", "woollen shawl")],
)  # fmt: skip
async def test_what_we_make_or_a_slip_is_just_found(shop, said: str, product: str | None) -> None:
    """A misspelling near a listed product's word ("shawll") is a slip, not another thing;
    without a product entity nothing is claimed."""
    entities = {"product": product} if product else {}
    trk = tracker(said, intent="search_product", entities=entities)
    _, msgs = await run(ActionSearchProducts(), trk)
    assert msgs[0]["text"] == "Here is what I found:", msgs


def test_the_search_names_the_words_no_product_has(shop) -> None:
    with shop() as session:
        page = search.search(session, "wooden chess set")
    assert page.products and page.unmatched == ("chess",)


@pytest.mark.parametrize(
    ("said", "intent", "sku"),
    [("🧣", "nlu_fallback", "KS-10"), ("🧣🧣", "nlu_fallback", "KS-10"),
     ("👡 chahiye", "search_product", "PC-10"), ("🥭", "nlu_fallback", "EP-101")],
)  # fmt: skip
async def test_a_goods_emoji_is_searched(shop, said: str, intent: str, sku: str) -> None:
    """ "🧣" got "Sorry, I did not get that": an emoji of goods we make searches for them."""
    from actions.info import ActionFallback

    action = ActionFallback() if intent == "nlu_fallback" else ActionSearchProducts()
    _, msgs = await run(action, tracker(said, intent=intent))
    assert msgs[0]["text"] == "Here is what I found:", msgs
    assert f'"product":"{sku}' in msgs[0]["buttons"][0]["payload"], msgs


async def test_another_emoji_still_gets_the_menu(shop) -> None:
    _, msgs = await run(ActionSearchProducts(), tracker("👍", intent="search_product"))
    assert msgs[0].get("response") == "utter_menu", msgs


async def test_the_word_size_searches_for_nothing(shop) -> None:
    """ "caps size?" listed the Meerut Football "(size 5)" beside the caps."""
    _, msgs = await run(
        ActionSearchProducts(), tracker("caps size?", intent="search_product", entities={"product": "cap"})
    )
    titles = [b["title"] for b in msgs[0]["buttons"]]
    assert titles and not any("Football" in title for title in titles), titles
