"""Tester findings (session 19): answers to the checkout's questions that the NLU read as
something else, for which a mid-form rule ran another action and the form never saw the words:
"3 Lake View, Bhopal" asked the address got the shipping fees and the question again, for ever;
"the phone number" after "Change details" went to a person (actions.checkout.detail_given)."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions.info import ActionHumanHandoff, ActionPaymentMethods, ActionShippingInfo
from tests.rasa_support import run, tracker


def asked(slot: str, text: str, intent: str, slots: dict | None = None):  # type: ignore[no-untyped-def]
    slots = {"cart": ["KS-101:1"], "language": "en", "requested_slot": slot, **(slots or {})}
    return tracker(text, intent=intent, slots=slots, active_loop="checkout_form",
                   events=[{"event": "user", "text": text}])  # fmt: skip


@pytest.mark.parametrize(
    ("action", "intent", "address"),
    [(ActionShippingInfo, "shipping_info", "3 Lake View, Bhopal"),
     (ActionShippingInfo, "shipping_info", "Flat 9, Shipping Corporation Colony, Mumbai"),
     (ActionPaymentMethods, "payment_methods", "12 Bank Street, Fort, Mumbai")],
)  # fmt: skip
async def test_an_address_read_as_a_question_is_the_address(
    shop, action, intent: str, address: str
) -> None:
    events, msgs = await run(action(), asked("buyer_address", address, intent))
    assert SlotSet("buyer_address", address) in events, (events, msgs)
    assert events[-1] == FollowupAction("checkout_form") and msgs == [], msgs


@pytest.mark.parametrize("slot", ["buyer_name", "buyer_address"])
async def test_naming_a_detail_at_a_question_changes_it_not_a_person(shop, slot: str) -> None:
    events, msgs = await run(ActionHumanHandoff(), asked(slot, "the phone number", "human_handoff"))
    assert msgs[0]["text"].startswith("OK, let's take your delivery details again"), msgs
    assert SlotSet("buyer_phone", None) in events and SlotSet(slot, None) in events
    assert not any(m.get("custom") for m in msgs), msgs  # no hand-over


async def test_the_same_words_outside_the_checkout_are_answered(shop) -> None:
    _, msgs = await run(ActionShippingInfo(), tracker("3 Lake View, Bhopal", intent="shipping_info"))
    assert msgs and "India" in msgs[0]["text"], msgs
    _, msgs = await run(ActionHumanHandoff(), tracker("talk to a person", intent="human_handoff"))
    assert msgs[0]["custom"]["handoff"] is True, msgs


@pytest.mark.parametrize(
    ("slot", "text"),
    [("buyer_name", "also a kullu shawl"), ("buyer_address", "I also want a Kullu shawl")],
)
async def test_a_request_for_goods_at_the_name_or_address_is_no_detail(
    shop, slot: str, text: str
) -> None:
    """ "also a kullu shawl" asked the name was the name on the summary ("Deliver to also a
    kullu shawl"); "I also want a Kullu shawl" asked the address was the address."""
    from actions.checkout import ValidateCheckoutForm

    trk = tracker(text, intent="search_product", entities={"product": "shawl", "jail": "Kullu"},
                  slots={"cart": ["PC-101/9:1"], "language": "en", "requested_slot": slot,
                         slot: text},
                  active_loop="checkout_form",
                  events=[{"event": "user", "text": text}, SlotSet(slot, text)])  # fmt: skip
    events, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet(slot, None) in events and SlotSet("requested_slot", None) in events, events
    assert msgs[0]["text"].startswith("OK, I have paused the checkout"), msgs
    assert "Kullu Shawl" in str(msgs[1]), msgs


async def test_a_name_read_as_a_search_is_still_the_name(shop) -> None:
    from actions.checkout import ValidateCheckoutForm

    text = "Diya Sharma"
    trk = tracker(text, intent="search_product", entities={"product": text},
                  slots={"cart": ["KS-101:1"], "requested_slot": "buyer_name", "buyer_name": text},
                  active_loop="checkout_form",
                  events=[{"event": "user", "text": text}, SlotSet("buyer_name", text)])  # fmt: skip
    events, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_name", text) in events and msgs == [], (events, msgs)
