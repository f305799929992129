"""Issue 12, found by a tester: on WhatsApp (and the console), where buttons are a numbered
list, a bare number after a menu picks that menu item. The "how many?" menu is therefore
1, 2, 3, each adding that many ("1" after it was "2 cart mein daalo" before); the size menu
takes "1" as the first size listed, and a number that is one of the sizes as that size."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from actions.cart import ActionProductDetails
from bot.core.messages import Inbound
from tests.rasa_support import run, tracker
from tests.test_bot_core import _conversation


def _details(sender: str, language: str = "hi-Latn", quantity: str | None = None):  # type: ignore[no-untyped-def]
    slots = {"language": language, "quantity": quantity}
    return tracker('/product_details{"product":"KS-101"}', intent="product_details",
                   entities={"product": "KS-101"}, slots=slots, sender=sender)  # fmt: skip


@pytest.mark.parametrize(
    ("language", "question", "first"),
    [
        ("en", "How many would you like? Reply with the number: 1 adds one", "Add 1 to cart"),
        ("hi-Latn", "Kitne chahiye? Number likhiye: 1 se ek, 2 se do", "1 cart mein daalo"),
        ("hi", "कितने चाहिए? संख्या लिखें: 1 से एक", "1 कार्ट में डालें"),
        ("ur", "کتنے چاہییں؟ تعداد لکھیں: 1 سے ایک", "1 کارٹ میں ڈالیں"),
    ],
)
async def test_on_whatsapp_the_how_many_menu_choice_k_adds_k(
    shop: Any, language: str, question: str, first: str
) -> None:
    _, msgs = await run(ActionProductDetails(), _details("wh-abc", language, quantity="2"))
    quantities = [b["payload"].split('"quantity":"')[1].split('"')[0] for b in msgs[0]["buttons"]]
    assert quantities == ["1", "2", "3"], msgs  # "2 chahiye" asked before: still 1 is one
    assert msgs[0]["buttons"][0]["title"] == first
    assert question in msgs[0]["text"]


async def test_the_menu_is_short_and_telegram_keeps_one_button(shop: Any):
    _, msgs = await run(ActionProductDetails(), _details("wh-abc", quantity="50"))
    assert len(msgs[0]["buttons"]) == 3  # "50" typed is still fifty: no choice 50
    _, msgs = await run(ActionProductDetails(), _details("te-abc", quantity="2"))
    assert [b["title"] for b in msgs[0]["buttons"]] == ["2 cart mein daalo"]
    assert msgs[0]["text"].endswith("Kitne chahiye? Number likhiye.")


async def test_on_whatsapp_one_after_the_how_many_menu_is_one_and_one_after_sizes_the_first(
    fake_rasa: Any,
) -> None:
    """Through the conversation: the menu the action sends, then the buyer's "1"."""

    async def menus(sender: str, message: str) -> list[dict[str, Any]]:
        if message == "shawl":
            adds = [(k, f'/add_to_cart{{"product":"KS-101","quantity":"{k}"}}') for k in (1, 2, 3)]
            buttons = [{"title": f"{k} cart mein daalo", "payload": p} for k, p in adds]
            return [{"text": "Kitne chahiye? Number likhiye: 1 se ek, 2 se do", "buttons": buttons}]
        sizes = [
            {"title": f"size {n}", "payload": f'/add_to_cart{{"product":"PC-101/{n}","quantity":"1"}}'}
            for n in range(7, 12)
        ]  # fmt: skip
        return [{"text": "Which size of Peshawari Chappal? 7, 8, 9, 10, 11", "buttons": sizes}]

    fake_rasa.respond = menus
    async with httpx.AsyncClient() as http:
        conv = _conversation(fake_rasa.url, http)
        for i, typed in enumerate(["shawl", "1", "chappal", "1", "chappal", "9"]):
            await conv.handle(
                Inbound("whatsapp", "+919800000011", f"N{i}", text=typed, numbered=True)
            )
    assert fake_rasa.messages()[1::2] == [
        '/add_to_cart{"product":"KS-101","quantity":"1"}',
        '/add_to_cart{"product":"PC-101/7","quantity":"1"}',  # the first listed, not size 1
        '/add_to_cart{"product":"PC-101/9","quantity":"1"}',  # a size offered: that size
    ]


async def test_on_whatsapp_a_number_beyond_the_menu_after_a_card_is_that_many(shop: Any) -> None:
    from actions.cart import ActionInform

    events = [
        {"event": "user", "text": "/product_details"},
        {"event": "action", "name": "action_product_details"},
        {"event": "bot", "text": "Kullu Shawl (Wool, KS-101)\nHow many would you like?"},
        {"event": "user", "text": "5"},
    ]
    trk = tracker("5", slots={"current_sku": "KS-101"}, sender="wh-abc", events=events)
    out, msgs = await run(ActionInform(), trk)
    assert next(e["value"] for e in out if e.get("name") == "cart") == ["KS-101:5"], msgs
