"""A checkout question ends when the buyer moves on (issue 12): asked for a phone number, a
buyer who writes "show my cart", "kullu shawl dikhao", "help" or "back" gets what they asked
for, not the same question again; the checkout pauses (cart and details so far kept) until
they say "checkout". Like the quantity question (``common.asked_how_many``), a question is
only pending for the one reply that answers it."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import (
    ActionAddToCart,
    ActionProductDetails,
    ActionRemoveFromCart,
    ActionViewCart,
    about_the_cart,
)
from actions.catalog import ActionAskPrice
from actions.common import entity, lang
from actions.form_words import CART_WORDS, MENU_WORDS, SHOP_WORDS
from actions.orders import ActionOrderStatus
from actions.search import ActionBrowseCatalog, ActionSearchProducts
from actions.texts import t
from catalog import shipping

# what the buyer moved on to, by the NLU's intent: the action its rule runs (view_cart never
# comes here: it fills no detail, and its own rule runs ActionViewCart, which ends the question)
NEXT: dict[str, type[Action]] = {
    "search_product": ActionSearchProducts,
    "browse_catalog": ActionBrowseCatalog,
    "product_details": ActionProductDetails,
    "ask_price": ActionAskPrice,
    "add_to_cart": ActionAddToCart,
    "remove_from_cart": ActionRemoveFromCart,
    "order_status": ActionOrderStatus,
}
CONFIDENT = 0.6  # the NLU's confidence needed to take the intent as the buyer moving on


def not_an_answer(asked: str, text: str) -> bool:
    """Whether ``text`` cannot be meant as the answer to the question about ``asked``: no
    phone number has fewer than 7 digits, no postal code none; a country we do not know; a
    name with digits or shop words ("order 1"); an "address" of shop words and no number; a
    button's payload."""
    if text.startswith("/"):  # a button pressed (an older message's "Browse", a product)
        return True
    digits = len(re.findall(r"\d", text))
    if asked == "buyer_phone":
        return digits < 7
    if asked == "buyer_postal_code":
        return digits == 0
    if asked == "buyer_country":
        return shipping.country_code(text) is None
    if asked == "buyer_name":
        return digits > 0 or SHOP_WORDS.search(text) is not None
    if asked == "buyer_address":
        return digits == 0 and SHOP_WORDS.search(text) is not None
    return False


# words of a request, never of a name ("also a kullu shawl", "I want ...", "ek aur shawl")
REQUEST_WORDS = re.compile(
    r"(?i)\b(also|a|an|the|i|want|need|more|another|some|bhi|aur|ek|one)\b|भी|और|بھی|اور"
)


def asks_for_goods(tracker: Tracker, asked: str, text: str) -> bool:
    """A request for goods given to the name or address question ("also a kullu shawl",
    "I also want a Kullu shawl" were kept as the name and the address): the NLU confident of
    a shop intent with a product, and words no name has ("Diya Sharma" is read as a search
    for diyas), or, for an address, no digits."""
    intent = tracker.latest_message.get("intent") or {}
    if (
        asked not in ("buyer_name", "buyer_address")
        or intent.get("name") not in NEXT
        or float(intent.get("confidence") or 0.0) < CONFIDENT
        or not entity(tracker, "product")
    ):
        return False
    if asked == "buyer_name":
        return REQUEST_WORDS.search(text) is not None
    return not re.search(r"\d", text)


def moving_on(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    asked: str,
    text: str,
) -> list[EventType] | None:
    """If the buyer's reply to the question about ``asked`` is something else they want (the
    NLU is confident of a shop intent, or the words are their cart, help, the menu, "back"):
    say the checkout is paused, answer what they asked, and end the question
    (the form stops: ``requested_slot`` None). A quantity set in the cart ("sirf 1", "shawl 1
    kar do", whatever the NLU made of them) is done and the question asked again. None when
    the reply is to be checked as an answer."""
    intent = tracker.latest_message.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    action: type[Action] | None = None
    menu = False
    if about_the_cart(tracker):  # "sirf 1" asked the address: not an address, nor a new topic
        return cart_changed(dispatcher, tracker, domain, asked)
    if not not_an_answer(asked, text) and not asks_for_goods(tracker, asked, text):
        return None
    elif name in NEXT and confidence >= CONFIDENT:
        action = NEXT[name]
    elif CART_WORDS.search(text):
        action = ActionViewCart
    elif MENU_WORDS.search(text) or (name == "out_of_scope" and confidence >= CONFIDENT):
        menu = True
    else:
        return None
    dispatcher.utter_message(text=t("checkout_paused", lang(tracker)))
    events: list[EventType] = [SlotSet(asked, None)]
    if action is not None:
        events += action().run(dispatcher, tracker, domain) or []
    if menu:
        dispatcher.utter_message(response="utter_menu")
    return [*events, SlotSet("requested_slot", None)]


def cart_changed(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], asked: str
) -> list[EventType]:
    """A cart line set mid-checkout ("ek hi shawl" asked the phone): the line is set, and the
    checkout goes on, asking the same question again (no pause to undo with "checkout"). The
    cart's reply loses its Checkout and Browse buttons: the question follows it."""
    said = CollectingDispatcher()
    events = ActionAddToCart().run(said, tracker, domain) or []
    dispatcher.messages.extend({**message, "buttons": []} for message in said.messages)
    return [SlotSet(asked, None), *events]
