"""Issue 12, a tester chatting with the bot: the checkout's questions (change details one at a
time, names that are not names, the phone question a buyer could not leave, "order 2" after a
list, a cart from India and Pakistan at once)."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions.checkout import ValidateCheckoutForm
from tests.buyer_support import FORM, PAKISTAN
from tests.rasa_support import run, tracker


def cleared_by_change_details(slots: dict) -> list[dict]:
    """The events the form's validation sees after "Change details": the five details set to
    None by action_change_details, handed back as the form's slot candidates."""
    events = [
        {"event": "user", "text": "/change_details"},
        {"event": "action", "name": "action_change_details"},
        *[SlotSet(name, None) for name in FORM],
        SlotSet("requested_slot", None),
        {"event": "action", "name": "checkout_form"},
        *[SlotSet(name, None) for name in FORM],
    ]
    return events


async def test_change_details_validates_nothing_and_says_no_error(shop) -> None:
    slots = {**{name: None for name in FORM}, "cart": ["KS-101:1"], "language": "en"}
    trk = tracker("/change_details", intent="change_details", slots=slots,
                  events=cleared_by_change_details(PAKISTAN))  # fmt: skip
    events, msgs = await run(ValidateCheckoutForm(), trk)
    assert msgs == []
    assert all(e.get("value") is None for e in events if e.get("name") in FORM)


def asked(slot: str, text: str, slots: dict, intent: str = "inform", confidence: float = 1.0):  # type: ignore[no-untyped-def]
    """The form's validation of ``text`` given to the question about ``slot``."""
    events = [{"event": "user", "text": text}, SlotSet(slot, text)]
    trk = tracker(text, intent=intent, slots={**slots, "requested_slot": slot, slot: text},
                  active_loop="checkout_form", events=events)  # fmt: skip
    trk.latest_message["intent"]["confidence"] = confidence
    return trk


async def test_remembered_details_no_longer_valid_are_cleared_quietly(shop) -> None:
    """At the next checkout the saved details are checked by the current rules, without a
    word: a Pakistani address with an Indian PIN is asked its postal code again."""
    saved = {**PAKISTAN, "buyer_postal_code": "171001", "buyer_name": "order 1"}
    events = [{"event": "user", "text": "/checkout"}, {"event": "action", "name": "checkout_form"}]
    events += [SlotSet(name, saved[name]) for name in FORM]
    trk = tracker("/checkout", intent="checkout", slots=saved, events=events)
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert msgs == []
    assert SlotSet("buyer_postal_code", None) in result and SlotSet("buyer_name", None) in result
    assert SlotSet("buyer_phone", PAKISTAN["buyer_phone"]) in result


async def test_the_postal_code_asked_is_checked_by_the_delivery_country(shop) -> None:
    trk = asked("buyer_postal_code", "171001", {**PAKISTAN, "buyer_postal_code": None})
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_postal_code", None) in result
    assert [m["text"] for m in msgs] == ["A Pakistani postal code has 5 digits, e.g. 25000."]
