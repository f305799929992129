"""Tester findings (session 8): "can I return it" / "return karna hai" (read as cancel_order)
answered "you have no orders"; "when will it come" (order_status) gave no time. Now the first
gets the shop's returns policy and the second a delivery estimate from where the order goes."""

from __future__ import annotations

import pytest

from actions.orders import ActionCancelOrder, ActionOrderStatus
from catalog.refs import ref
from tests.buyer_support import INDIA, PAKISTAN, UK, place, psw_sku
from tests.rasa_support import run, tracker


@pytest.mark.parametrize(
    "said", ["can I return it", "return karna hai", "کیا میں یہ واپس کر سکتا ہوں", "refund milega?"]
)
async def test_a_returns_question_read_as_cancel_gets_the_policy(shop, said: str) -> None:
    _, msgs = await run(ActionCancelOrder(), tracker(said, intent="cancel_order", sender="te-r1"))
    assert msgs and msgs[0]["response"] == "utter_returns_policy", msgs


async def test_cancel_my_order_still_asks_to_cancel(shop) -> None:
    order_id, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c1"}, sender="te-r2")
    _, msgs = await run(
        ActionCancelOrder(),
        tracker("cancel my order and refund", intent="cancel_order", sender="te-r2"),
    )
    assert msgs[0].get("response") is None
    assert msgs[0]["text"].startswith(f"Cancel order {ref(order_id)}")


async def test_when_will_it_come_gives_an_estimate(shop) -> None:
    home, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c2"}, sender="te-w1")
    abroad, _ = await place({**UK, "cart": ["KS-101:1"], "checkout_id": "c3"}, sender="te-w1")
    _, msgs = await run(
        ActionOrderStatus(), tracker("when will it come", intent="order_status", sender="te-w1")
    )
    text = msgs[0]["text"]
    assert f"{ref(home)} should arrive about 5-8 days after it ships (India)." in text, text
    assert f"{ref(abroad)} should arrive about 10-20 days after it ships (United Kingdom)." in text


async def test_urdu_estimate_for_a_pakistani_order(shop) -> None:
    oid, _ = await place(
        {**PAKISTAN, "cart": [f"{psw_sku(shop)}:1"], "checkout_id": "c4"}, sender="te-w2"
    )
    trk = tracker("کب تک آئے گا", intent="order_status", sender="te-w2", slots={"language": "ur"})
    _, msgs = await run(ActionOrderStatus(), trk)
    assert (
        f"{ref(oid)} بھیجے جانے کے تقریباً 5-8 دن بعد" in msgs[0]["text"]
        and "پاکستان" in msgs[0]["text"]
    )


@pytest.mark.parametrize(
    "said", ["kab tak aayega", "kal tak aa jayega?", "by tmrw?", "कल तक आ जाएगा?", "کل تک آ جائے گا؟"]
)
async def test_when_without_orders_gives_the_usual_times(shop, said) -> None:
    """"by tomorrow?" before any order, read as order status, still gets the delivery times."""
    _, msgs = await run(ActionOrderStatus(), tracker(said, intent="order_status", sender="te-w3"))
    assert msgs[0]["text"] == (
        "You have no orders yet.\nOnce an order ships, it takes about 5-8 days within the "
        "jail's own country and 10-20 days abroad."
    )


async def test_a_plain_status_question_is_unchanged(shop) -> None:
    oid, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c5"}, sender="te-w4")
    _, msgs = await run(
        ActionOrderStatus(), tracker("order status", intent="order_status", sender="te-w4")
    )
    assert msgs[0]["text"].startswith(f"Order {ref(oid)}:") and "days" not in msgs[0]["text"]
