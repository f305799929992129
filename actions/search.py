"""The search and browse actions: the buyer's words (or a "more" button's saved words), one page
at a time; before listing, what the words may really ask for (a checkout, a cart line's
quantity, a product code, a size). Its own module because it uses both the catalog's and the
cart's actions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import db
from actions.cart import add, quantity_request
from actions.catalog import (
    asked_quantity,
    category_buttons,
    list_products,
    page_number,
    sized_product,
    typed_code,
)
from actions.common import entity, is_payload, lang
from actions.form_words import checkout_instead
from actions.place import place_statement
from actions.quantity import more_of_added
from actions.reach import buyer_country
from actions.texts import t
from catalog import categories


class ActionSearchProducts(Action):
    """Search by the buyer's words (or a "more" button's saved words), one page at a time."""

    def name(self) -> str:
        return "action_search_products"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        page_value = entity(tracker, "page")
        page = page_number(page_value)
        if is_payload(tracker):
            text = entity(tracker, "product") or ""
        else:
            text = tracker.latest_message.get("text") or ""
            ordering = checkout_instead(tracker)
            if ordering is not None:  # "آرڈر کرنا ہے" with a cart, read as a search
                return ordering
            setting = quantity_request(dispatcher, tracker)
            if setting is not None:  # "shawl 2 kar do", "nahi sirf 1": the line in the cart
                return setting
            coded = typed_code(dispatcher, tracker)
            if coded is not None:  # "PE-101", "pc 101", "PC-101/9": that product, not a list
                return coded
            placed = place_statement(dispatcher, tracker)
            if placed is not None:  # "I live in London": where to deliver, not a search for London
                return placed
            sized = sized_product(tracker, text)
            if sized is not None:  # "peshawari chappal 9 number": that size, into the cart
                return [SlotSet("current_sku", sized), FollowupAction("action_add_to_cart")]
        events = list_products(dispatcher, tracker, text, page)
        if not page_value and not asked_quantity(tracker):
            events.append(SlotSet("quantity", None))  # a new search forgets an earlier "2 chahiye"
        return events


class ActionBrowseCatalog(Action):
    """Categories as buttons, or the products of the category or jail asked for."""

    def name(self) -> str:
        return "action_browse_catalog"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        more = None if is_payload(tracker) else more_of_added(tracker)
        if more is not None:  # "ek aur chahiye" right after "Added 1 x ...", read as browsing
            return add(dispatcher, tracker, None, more)
        named = entity(tracker, "category")
        if categories.code(named) or entity(tracker, "jail"):
            return list_products(dispatcher, tracker, "", 0)
        if named and not is_payload(tracker):  # a word read as a category that is none: its words
            return list_products(dispatcher, tracker, named, 0)
        language = lang(tracker)
        with db.reading() as session:
            buttons = category_buttons(session, language, buyer_country(session, tracker))
        dispatcher.utter_message(text=t("categories", language), buttons=buttons)
        return []
