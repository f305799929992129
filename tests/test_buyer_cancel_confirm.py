"""Issue 12 (a new-user try-out of the buyer conversation): cancelling an order asks first; only a yes cancels."""

from __future__ import annotations

import yaml
from rasa_sdk.events import SlotSet

from actions.orders import ActionCancelOrder
from catalog.models import Order, OrderStatus
from catalog.refs import ref
from tests.buyer_support import (
    INDIA,
    ROOT,
    place,
)
from tests.rasa_support import run, tracker


async def test_cancelling_asks_and_only_yes_cancels(shop) -> None:
    order_id, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c5"})
    asked = tracker(f"cancel order {ref(order_id)}", intent="cancel_order", sender="te-buyer1",
                    entities={"order_id": ref(order_id)}, slots={"language": "hi-Latn"})  # fmt: skip
    events, msgs = await run(ActionCancelOrder(), asked)
    assert (
        msgs[0]["text"] == f"Order {ref(order_id)} (Kullu Shawl (Wool) x1, ₹2,480) cancel karein?"
    )
    assert [(b["title"], b["payload"]) for b in msgs[0]["buttons"]] == [
        ("Haan", "/affirm"), ("Nahi", "/deny")]  # fmt: skip
    assert events == [SlotSet("cancel_pending", ref(order_id))]

    def status() -> str:
        with shop() as s:
            return s.get(Order, order_id).status  # type: ignore[union-attr]

    assert status() == OrderStatus.PLACED
    pending = {"cancel_pending": ref(order_id), "language": "hi-Latn"}
    events, msgs = await run(
        ActionCancelOrder(), tracker("nahi", intent="deny", sender="te-buyer1", slots=pending)
    )
    assert msgs[0]["text"] == f"Theek hai, order {ref(order_id)} cancel nahi hua."
    assert events == [SlotSet("cancel_pending", None)] and status() == OrderStatus.PLACED
    events, msgs = await run(
        ActionCancelOrder(), tracker("haan", intent="affirm", sender="te-buyer1", slots=pending)
    )
    assert msgs[0]["text"].startswith(f"Order {ref(order_id)} cancel ho gaya")
    assert status() == OrderStatus.CANCELLED
    # asked again without a number: that order is named, not "you have no orders yet"
    again = tracker("cancel my order", intent="cancel_order", sender="te-buyer1")
    _, msgs = await run(ActionCancelOrder(), again)
    assert [m["text"] for m in msgs] == [f"Order {ref(order_id)} was already cancelled."]


async def test_a_reference_typed_in_the_message_is_read_without_the_entity(shop) -> None:
    """ "KG-0006 cancel karo" where the NLU extracted no order_id: the KG reference in the text
    names the order (a bare number would not)."""
    order_id, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c7"})
    typed = ref(order_id).lower().replace("-", " ")  # "kg 0042"
    asked = tracker(f"{typed} cancel karo", intent="cancel_order", sender="te-buyer1")
    _, msgs = await run(ActionCancelOrder(), asked)
    assert msgs[0]["text"].startswith(f"Cancel order {ref(order_id)} (Kullu Shawl (Wool) x1")
    bare = tracker(f"{order_id} cancel karo", intent="cancel_order", sender="te-buyer1")
    _, msgs = await run(ActionCancelOrder(), bare)  # no reference: the one order is asked about
    assert msgs[0]["text"].startswith(f"Cancel order {ref(order_id)} (Kullu Shawl (Wool) x1")


async def test_with_one_order_cancel_asks_about_it_and_yes_cancels(shop) -> None:
    """ "cancel my order" -> "Which order? 1. KG-0001", then "yes" / "haan" asked again: with
    one order that can be cancelled, the question is about it, and a yes cancels it."""
    order_id, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c8"})
    events, msgs = await run(
        ActionCancelOrder(), tracker("cancel my order", intent="cancel_order", sender="te-buyer1")
    )
    assert msgs[0]["text"].startswith(f"Cancel order {ref(order_id)} (")
    assert events == [SlotSet("cancel_pending", ref(order_id))]
    pending = {"cancel_pending": ref(order_id)}
    await run(ActionCancelOrder(), tracker("yes", intent="affirm", sender="te-buyer1", slots=pending))
    with shop() as s:
        assert s.get(Order, order_id).status == OrderStatus.CANCELLED  # type: ignore[union-attr]


async def test_with_two_orders_cancel_asks_which(shop) -> None:
    first, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c9"})
    second, _ = await place({**INDIA, "cart": ["KS-102:1"], "checkout_id": "c10"})
    _, msgs = await run(
        ActionCancelOrder(), tracker("cancel my order", intent="cancel_order", sender="te-buyer1")
    )
    assert msgs[0]["text"] == "Which order?"
    assert {b["title"] for b in msgs[0]["buttons"]} == {ref(first), ref(second)}


async def test_a_yes_without_a_question_cancels_nothing(shop) -> None:
    order_id, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c6"})
    _, msgs = await run(ActionCancelOrder(), tracker("yes", intent="affirm", sender="te-buyer1"))
    assert msgs[0]["text"] == "Which order?"
    with shop() as s:
        assert s.get(Order, order_id).status == OrderStatus.PLACED  # type: ignore[union-attr]


def test_yes_and_no_after_the_question_go_back_to_the_cancel_action() -> None:
    rules = yaml.safe_load((ROOT / "nlu/data/rules/change_details.yml").read_text())["rules"]
    answers = {
        r["steps"][1]["intent"] for r in rules
        if r["steps"][0] == {"action": "action_cancel_order"}
        and r["steps"][2] == {"action": "action_cancel_order"}
    }  # fmt: skip
    assert answers == {"affirm", "deny"}
