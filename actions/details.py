"""Changing the delivery details the checkout form remembers ("change address", the summary's
"Change details" button): the named detail, or all of them, cleared and asked again."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import read_cart
from actions.checkout import ActionStartCheckout
from actions.common import lang
from actions.form_words import FORM_SLOTS, named_slots
from actions.texts import t


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
            saved = any(tracker.get_slot(s) for s in FORM_SLOTS)  # nothing to clear: say so
            said = "details_cleared" if saved else "details_none"
            dispatcher.utter_message(text=t(said, language))
            return [*cleared, SlotSet("cart_ready", False), SlotSet("requested_slot", None)]
        dispatcher.utter_message(text=t("details_again", language))
        events = [*cleared, *started, SlotSet("requested_slot", None)]
        if (tracker.latest_message.get("intent") or {}).get("name") != "change_details":
            # handed over ("naam badlo" at the summary, read as something else): no rule runs
            # the form after this, so say which action comes next
            events.append(FollowupAction("checkout_form"))
        return events
