"""Issue 12 (a new-user try-out of the buyer conversation): a returning buyer changes the delivery details the checkout remembers."""

from __future__ import annotations

import pytest
import yaml
from rasa_sdk.events import SlotSet

from actions.checkout import (
    ActionOrderSummary,
)
from actions.details import ActionChangeDetails, named_slots
from tests.buyer_support import (
    FORM,
    INDIA,
    ROOT,
    UK,
)
from tests.rasa_support import run, tracker


async def test_the_summary_has_a_change_details_button(shop) -> None:
    slots = {**INDIA, "cart": ["KS-101:1"], "language": "ur"}
    _, msgs = await run(ActionOrderSummary(), tracker("", slots=slots))
    buttons = {b["payload"]: b["title"] for b in msgs[0]["buttons"]}
    assert list(buttons) == ["/affirm", "/change_details", "/deny"]
    assert buttons["/change_details"] == "تفصیلات بدلیں"


async def test_change_details_clears_every_detail_and_lets_the_form_ask_again(shop) -> None:
    slots = {**UK, "cart": ["KS-101:1"]}
    events, msgs = await run(
        ActionChangeDetails(), tracker("/change_details", intent="change_details", slots=slots)
    )
    assert all(SlotSet(name, None) in events for name in FORM)
    assert SlotSet("cart_ready", True) in events
    assert msgs[0]["text"] == "OK, let's take your delivery details again."


@pytest.mark.parametrize(
    ("text", "language"),
    [("address badalna hai", "hi-Latn"), ("पता बदलना है", "hi"), ("پتہ بدلنا ہے", "ur"),
     ("change address", "en")],
)  # fmt: skip
async def test_change_address_clears_where_it_goes_and_keeps_name_and_phone(
    shop, text: str, language: str
) -> None:
    slots = {**UK, "cart": ["KS-101:1"], "language": language}
    events, msgs = await run(
        ActionChangeDetails(), tracker(text, intent="change_details", slots=slots)
    )
    cleared = {e["name"] for e in events if e.get("name") in FORM and e["value"] is None}
    assert cleared == {"buyer_address", "buyer_country", "buyer_postal_code"}
    assert msgs and "{" not in msgs[0]["text"]


def test_named_slots() -> None:
    assert named_slots("phone number badalna hai") == ["buyer_phone"]
    assert named_slots("change details") == FORM
    assert named_slots("/change_details") == FORM


async def test_change_details_with_an_empty_cart_clears_them_for_next_time(shop) -> None:
    events, msgs = await run(
        ActionChangeDetails(), tracker("change my address", intent="change_details", slots=UK)
    )
    assert SlotSet("buyer_country", None) in events and SlotSet("cart_ready", False) in events
    assert "next checkout" in msgs[-1]["text"]


async def test_change_address_with_nothing_saved_says_so(shop) -> None:
    """ "پتہ بدلنا ہے" before any checkout answered "your saved details were removed"."""
    trk = tracker("پتہ بدلنا ہے", intent="change_details", slots={"language": "ur"})
    _, msgs = await run(ActionChangeDetails(), trk)
    assert msgs[-1]["text"].startswith("آپ کی کوئی ڈلیوری تفصیلات ابھی محفوظ نہیں ہیں")


async def test_mid_form_the_words_taken_as_the_asked_detail_are_cleared_too(shop) -> None:
    slots = {**UK, "buyer_name": "change address", "requested_slot": "buyer_name",
             "cart": ["KS-101:1"]}  # fmt: skip
    trk = tracker("change address", intent="change_details", slots=slots,
                  active_loop="checkout_form")  # fmt: skip
    events, _ = await run(ActionChangeDetails(), trk)
    assert SlotSet("buyer_name", None) in events and SlotSet("buyer_address", None) in events


def test_change_details_is_in_the_domain_rules_and_nlu_data() -> None:
    domain = yaml.safe_load((ROOT / "nlu/domain/change_details.yml").read_text())
    assert "change_details" in domain["intents"] and "action_change_details" in domain["actions"]
    rules = yaml.safe_load((ROOT / "nlu/data/rules/change_details.yml").read_text())["rules"]
    changing = [r for r in rules if r["steps"][0] == {"intent": "change_details"}]
    assert changing and all(r["steps"][1] == {"action": "action_change_details"} for r in changing)
    nlu = yaml.safe_load((ROOT / "nlu/data/nlu/change_details.yml").read_text())["nlu"]
    examples = next(b["examples"] for b in nlu if b["intent"] == "change_details")
    for said in ("address badalna hai", "पता बदलना है", "پتہ بدلنا ہے", "change address"):
        assert f"- {said}\n" in examples
