"""Shipping (prices in the buyer's currency), a person to talk to, and the fallback."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import db
from actions.common import entity, is_payload, lang
from actions.texts import button, t
from catalog import customers, money, outbox
from catalog.db import transaction
from catalog.errors import NotFound

SHIPPING_INDIA_MINOR = 8_000  # ₹80 per parcel in India
FREE_ABOVE_MINOR = 100_000  # free in India above ₹1,000
SHIPPING_ABROAD_MINOR = 150_000  # ₹1,500 per parcel abroad
COUNTRY_CURRENCY = {
    "uk": "GBP", "united kingdom": "GBP", "england": "GBP", "britain": "GBP",
    "usa": "USD", "us": "USD", "america": "USD", "united states": "USD",
    "uae": "AED", "dubai": "AED", "saudi arabia": "SAR", "saudi": "SAR",
    "canada": "CAD", "australia": "AUD", "pakistan": "PKR",
    "germany": "EUR", "france": "EUR", "netherlands": "EUR", "ireland": "EUR",
}  # fmt: skip


def currency_for(country: str | None) -> str | None:
    return COUNTRY_CURRENCY.get((country or "").strip().lower())


class ActionShippingInfo(Action):
    """Delivery costs and times, abroad in the buyer's currency when a rate is set."""

    def name(self) -> str:
        return "action_shipping_info"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        country = entity(tracker, "country") or tracker.get_slot("country")
        currency = (
            entity(tracker, "currency")
            or tracker.get_slot("currency")
            or currency_for(country)
            or ""
        ).upper() or None
        fee = money.fmt(SHIPPING_ABROAD_MINOR, "INR")
        if currency and currency != "INR":
            with db.factory()() as session:
                try:
                    fee = money.fmt(
                        money.convert(session, SHIPPING_ABROAD_MINOR, "INR", currency), currency
                    )
                except NotFound:
                    currency = None
        lines = [
            t(
                "shipping_india",
                language,
                fee=money.fmt(SHIPPING_INDIA_MINOR, "INR"),
                free=money.fmt(FREE_ABOVE_MINOR, "INR"),
            ),
            t("shipping_abroad", language, fee=fee, to=f" ({country})" if country else ""),
        ]
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet("currency", currency)] if currency and currency != "INR" else []


class ActionHumanHandoff(Action):
    """Forward the buyer's message to staff through the outbox."""

    def name(self) -> str:
        return "action_human_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        text = (
            "(pressed 'talk to a person')"
            if is_payload(tracker)
            else tracker.latest_message.get("text") or ""
        )
        with transaction(db.factory()) as session:
            customer = customers.by_sender(session, tracker.sender_id)
            outbox.handoff(session, customer, text)
        dispatcher.utter_message(text=t("handoff", lang(tracker)))
        return []


class ActionFallback(Action):
    """A message not understood: a short answer offering the menu (a bare number adds to cart)."""

    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        from actions.cart import add
        from actions.common import quantity

        qty = quantity(tracker)
        if qty is not None and tracker.get_slot("current_sku"):
            return add(dispatcher, tracker, None, qty)
        language = lang(tracker)
        dispatcher.utter_message(
            text=t("fallback", language),
            buttons=[
                button(t("browse_button", language), "browse_catalog"),
                button(t("cart_button", language), "view_cart"),
                button(t("person_button", language), "human_handoff"),
            ],
        )
        return []
