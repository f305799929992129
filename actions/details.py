"""Changing the delivery details the checkout form remembers ("change address", the summary's
"Change details" button): the named detail, or all of them, cleared and asked again."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import read_cart
from actions.checkout import FORM_SLOTS, ActionStartCheckout
from actions.common import lang
from actions.texts import t

# words naming one detail, in English, Hinglish, Hindi and Urdu; the address also takes the
# country and postal code with it (a new address is usually somewhere else)
NAMED = (
    (re.compile(r"(?i)\b(address|addr|pata|adress)\b|पता|پتہ|پتا"),
     ("buyer_address", "buyer_country", "buyer_postal_code")),
    (re.compile(r"(?i)\b(phone|mobile|number|nambar)\b|फ़ोन|फोन|नंबर|فون|نمبر"), ("buyer_phone",)),
    (re.compile(r"(?i)\b(name|naam)\b|नाम|نام"), ("buyer_name",)),
    (re.compile(r"(?i)\b(country|desh|mulk)\b|देश|ملک"), ("buyer_country", "buyer_postal_code")),
    (re.compile(r"(?i)\b(pin|pincode|postcode|zip)\b|पिन|پن کوڈ|پوسٹل"), ("buyer_postal_code",)),
)  # fmt: skip


def named_slots(text: str) -> list[str]:
    """The buyer_* slots a message names ("change address": the address, country and postal
    code); every one when it names none (the button, "change details")."""
    if text.startswith("/"):
        return list(FORM_SLOTS)
    found: list[str] = []
    for pattern, slots in NAMED:
        if pattern.search(text):
            found += [s for s in slots if s not in found]
    return [s for s in FORM_SLOTS if s in found] or list(FORM_SLOTS)


class ActionChangeDetails(Action):
    """Clear the delivery details named (or all) and, with goods in the cart, let the checkout
    form ask them again (``cart_ready``); with an empty cart they are asked at the next one."""

    def name(self) -> str:
        return "action_change_details"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        names = named_slots(tracker.latest_message.get("text") or "")
        asked = tracker.get_slot("requested_slot")  # mid-form the form took these words as it
        if (
            tracker.active_loop_name == "checkout_form"
            and asked in FORM_SLOTS
            and asked not in names
        ):
            names.append(asked)
        cleared = [SlotSet(s, None) for s in names]
        checking = CollectingDispatcher()  # the checkout's own checks, without its greeting
        started = ActionStartCheckout().run(checking, tracker, domain)
        if SlotSet("cart_ready", True) not in started:  # an empty cart, or one with a problem
            if read_cart(tracker):
                dispatcher.messages.extend(checking.messages)
            dispatcher.utter_message(text=t("details_cleared", language))
            return [*cleared, SlotSet("cart_ready", False), SlotSet("requested_slot", None)]
        dispatcher.utter_message(text=t("details_again", language))
        return [*cleared, *started, SlotSet("requested_slot", None)]
