"""Tester finding B12: a buyer's lone emoji ("👍") answers with the menu, not the catalog's
first page of search results."""

from __future__ import annotations

import pytest

from actions.cart import ActionInform
from actions.search import ActionSearchProducts
from tests.rasa_support import run, tracker


@pytest.mark.parametrize("text", ["👍", "🙏🙏", "?", "👍🏽 !"])
@pytest.mark.parametrize("action", [ActionInform(), ActionSearchProducts()])
async def test_a_lone_emoji_gets_the_menu(shop, action, text) -> None:
    _, msgs = await run(action, tracker(text, intent="search_product"))
    assert [m.get("response") for m in msgs] == ["utter_menu"], msgs


async def test_words_still_search(shop) -> None:
    _, msgs = await run(ActionInform(), tracker("shawl 👍", intent="inform"))
    assert msgs[0]["text"] == "Here is what I found:"
