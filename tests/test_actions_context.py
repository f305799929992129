"""Context that follows the conversation: a pending "how many?" ends when the buyer moves on,
and "how much is it?" after a list asks which one instead of answering for an older product."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionInform
from actions.catalog import ActionAskPrice
from actions.info import ActionFallback
from actions.search import ActionSearchProducts
from tests.rasa_support import run, tracker


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


def turns(*said: tuple[str, str]) -> list[dict[str, str]]:
    return [{"event": who, "text": text} for who, text in said]


ASKED = ("bot", "Kullu Shawl (Wool)\n8 in stock.\nHow many would you like? Type a number.")
MOVED_ON = ("bot", "We ship across India for ₹80 an order.")


@pytest.mark.parametrize("action", [ActionInform(), ActionFallback()])
async def test_a_number_right_after_how_many_adds_it(shop, action) -> None:  # type: ignore[no-untyped-def]
    trk = tracker(
        "1", slots={"current_sku": "KS-101"}, events=turns(("user", "KS-101"), ASKED, ("user", "1"))
    )
    events, _ = await run(action, trk)
    assert SlotSet("cart", ["KS-101:1"]) in events


@pytest.mark.parametrize("action", [ActionInform(), ActionFallback()])
async def test_after_the_buyer_moved_on_a_number_adds_nothing(shop, action) -> None:  # type: ignore[no-untyped-def]
    said = turns(("user", "KS-101"), ASKED, ("user", "shipping?"), MOVED_ON, ("user", "1"))
    trk = tracker("1", slots={"current_sku": "KS-101", "cart": []}, events=said)
    events, msgs = await run(action, trk)
    assert not any(e.get("name") == "cart" for e in events)
    assert msgs and not any((m.get("text") or "").startswith("Added") for m in msgs)


async def test_a_list_forgets_the_product_looked_at_before(shop) -> None:
    trk = tracker(
        "peshawari chappal",
        intent="search_product",
        entities={"product": "peshawari chappal"},
        slots={"current_sku": "KS-101"},
    )
    events, msgs = await run(ActionSearchProducts(), trk)
    listed = next(e["value"] for e in events if e.get("name") == "listed")
    assert len(listed) > 1 and all(sku.startswith(("PC-", "PE-", "PH-")) for sku in listed)
    assert SlotSet("current_sku", None) in events


async def test_how_much_after_a_list_asks_which_one_with_each_price(shop) -> None:
    trk = tracker(
        "kitne ka hai?",
        intent="ask_price",
        slots={"current_sku": None, "listed": ["PC-101", "PC-102"], "language": "hi-Latn"},
    )
    events, msgs = await run(ActionAskPrice(), trk)
    assert events == []
    assert msgs[0]["text"].startswith("Kaun sa?")
    titles = [b["title"] for b in msgs[0]["buttons"]]
    assert len(titles) == 2 and "3,500" in titles[0] and "4,200" in titles[1]
    assert all("KS-101" not in b["payload"] for b in msgs[0]["buttons"])


@pytest.mark.parametrize(
    ("text", "listed", "said"),
    [
        ("how much is the second one?", ["PC-101", "PC-102"], ["Peshawari Chappal (Kaptaan"]),
        ("how much is the second one?", ["PC-101"], ["I showed only 1:", "Peshawari Chappal"]),
        ("price of the third one", ["PC-101", "PC-102"], ["I showed only 2:", "Which one?"]),
        ("aakhri wale ka price?", ["PC-101", "KS-101"], ["Kullu Shawl (Wool): ₹2,400"]),
    ],
)
async def test_a_place_in_the_list_names_its_product_and_one_past_it_says_so(
    shop, text, listed, said
) -> None:
    results = [{"event": "user", "text": "chappal"},
               {"event": "bot", "text": "Here is what I found:"},
               {"event": "user", "text": text}]  # fmt: skip
    current = listed[0] if len(listed) == 1 else None
    trk = tracker(text, intent="ask_price", slots={"current_sku": current, "listed": listed},
                  events=results)  # fmt: skip
    _, msgs = await run(ActionAskPrice(), trk)
    assert [m["text"][: len(s)] for m, s in zip(msgs, said, strict=True)] == said


async def test_a_second_place_after_a_price_answer_is_still_about_the_list(shop) -> None:
    """ "how much is the second one?" was answered, then "teesre wale ka price?" priced the
    second again (the list was no longer the last thing shown)."""
    said = [{"event": "user", "text": "shawl"},
            {"event": "action", "name": "action_search_products"},
            {"event": "bot", "text": "Here is what I found:"},
            {"event": "user", "text": "how much is the second one?"},
            {"event": "action", "name": "action_ask_price"},
            {"event": "bot", "text": "Kullu Shawl (Pashmina blend): ₹4,200"},
            {"event": "user", "text": "teesre wale ka price?"}]  # fmt: skip
    slots = {"current_sku": "KS-102", "listed": ["KS-101", "KS-102", "KS-103"]}
    trk = tracker("teesre wale ka price?", intent="ask_price", slots=slots, events=said)
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"].startswith("Kullu Shawl (Nahan weave): "), msgs
    said[4] = {"event": "action", "name": "action_shipping_info"}  # something else since
    trk = tracker("teesre wale ka price?", intent="ask_price", slots=slots, events=said)
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"].startswith("Kullu Shawl (Pashmina blend): "), msgs


async def test_how_much_for_a_product_looked_at_still_answers_for_it(shop) -> None:
    trk = tracker("kitne ka hai?", intent="ask_price", slots={"current_sku": "KS-101"})
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"].startswith("Kullu Shawl (Wool): ₹2,400")


@pytest.mark.parametrize(
    "before",
    [
        [("bot", "Kullu Shawl (Wool) sirf 5 available hain; 1 se 5 ke beech chuniye.")],
        [("bot", "Kullu Shawl (Wool) sirf 1 bacha hai: lene ke liye 1 likhiye.")],
        [("action", "action_ask_price"), ("bot", "Kullu Shawl (Wool): ₹2,400")],
    ],
    ids=["after-too-many", "after-only-one-left", "after-its-price"],
)
async def test_a_number_after_too_many_or_its_price_is_the_quantity(shop, before) -> None:  # type: ignore[no-untyped-def]
    said = [{"event": "user", "text": "500"}]
    said += [{"event": kind, ("name" if kind == "action" else "text"): v} for kind, v in before]
    said += [{"event": "user", "text": "2"}]
    trk = tracker("2", slots={"current_sku": "KS-101"}, events=said)
    events, _ = await run(ActionInform(), trk)
    assert SlotSet("cart", ["KS-101:2"]) in events
