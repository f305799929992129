"""Shipping (prices in the buyer's currency), a person to talk to, and the fallback."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions import db
from actions.asked import about_returns
from actions.cart import add, of_looked_at, quantity_request, read_cart
from actions.catalog import listed_pick, names_goods_by_emoji, show_product
from actions.checkout import detail_given
from actions.common import (
    amount,
    buyer_country_code,
    buyer_currency,
    channel_of,
    entity,
    is_payload,
    lang,
    quantity,
    summary_again,
)
from actions.form_words import change_at_summary, checkout_instead
from actions.payment import asked_currency, offer_open, pay_named_order, payment_line, typed_choice
from actions.place import place_statement
from actions.quantity import more_of_added
from actions.reach import buyer_country, currency_for
from actions.texts import button, t
from catalog import cities, customers, jail_names, orders, outbox, products, shipping
from catalog.db import transaction
from catalog.errors import NotFound
from catalog.models import Jail


def _context_jails(session: Session, tracker: Tracker, home: str | None) -> tuple[list[Jail], bool]:
    """The jails the buyer is looking at (the product on screen, the cart's), else one jail
    per country (the buyer's own country first) standing for its country's jails (True)."""
    jails: dict[int, Jail] = {}
    refs = [tracker.get_slot("current_sku"), *(line.sku for line in read_cart(tracker))]
    for ref in refs:
        if not ref:
            continue
        try:
            product = products.get(session, ref)
        except NotFound:
            continue
        jails.setdefault(product.jail_id, product.jail)
    if jails:
        return list(jails.values()), False
    first: dict[str, Jail] = {}
    for jail in session.scalars(select(Jail).order_by(Jail.id)):
        first.setdefault(jail.country, jail)
    return sorted(first.values(), key=lambda j: (j.country != home, j.id)), True


def _in(session: Session, minor: int, source: str, target: str | None) -> tuple[str, bool]:
    """``minor`` in ``source`` with ``target`` beside it when a rate is set ("PKR 5,000
    (about £14.20)"), and whether it was converted."""
    shown = amount(minor, source, session, target)
    return shown, shown != amount(minor, source)


class ActionShippingInfo(Action):
    """Delivery costs and times from the jails' shipping zones, abroad in the buyer's currency
    when a rate is set; what cannot be sent to the buyer's country is said so."""

    def name(self) -> str:
        return "action_shipping_info"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        given = detail_given(dispatcher, tracker, domain)  # "3 Lake View, Bhopal" asked the address
        if given is not None:
            return given
        language = lang(tracker)
        said = entity(tracker, "country") or tracker.get_slot("country")
        currency = (
            entity(tracker, "currency") or tracker.get_slot("currency") or currency_for(said) or ""
        ).upper() or buyer_currency(tracker)
        converted_any = False
        city = cities.country_of_address(tracker.latest_message.get("text"))
        with db.reading() as session:  # "how long to London": the city's country
            dest = (shipping.country_code(entity(tracker, "country")) or city
                    or shipping.country_code(said) or buyer_country(session, tracker))  # fmt: skip
            if city and dest == city:
                said = None
            jails, by_country = _context_jails(session, tracker, dest)
            to = f" ({said or shipping.country_name(dest, language)})" if dest else ""
            lines: list[str] = []
            for jail in jails:
                origin = shipping.country_name(jail.country, language)
                if by_country and len(jails) > 1:
                    lines.append(t("shipping_from_country", language, country=origin))
                elif len(jails) > 1:
                    lines.append(t("shipping_from", language, jail=jail_names.display_name(jail, language)))
                home = shipping.zone_for(jail, jail.country)
                if home is not None:
                    free = ""
                    if home.free_above_minor is not None:
                        free = t("shipping_free", language,
                                 free=amount(home.free_above_minor, home.currency))  # fmt: skip
                    lines.append(t("shipping_home", language, country=origin,
                                   fee=amount(home.fee_minor, home.currency), free=free))  # fmt: skip
                if dest and dest != jail.country.upper():
                    if shipping.never_between(jail.country, dest):
                        name = shipping.country_name(dest, language)
                        lines.append(t("shipping_never", language, country=name))
                        continue
                    zone = shipping.zone_for(jail, dest)
                    if zone is None:
                        name = shipping.country_name(dest, language)
                        lines.append(t("shipping_not_to", language, country=name))
                        continue
                elif dest:
                    continue  # the buyer is in the jail's own country: the home line says it
                else:
                    zone = shipping.zone_for(jail, "*")
                    if zone is None:
                        continue
                fee, done = _in(session, zone.fee_minor, zone.currency, currency)
                converted_any = converted_any or done
                lines.append(t("shipping_abroad", language, fee=fee, origin=origin, to=to))
        dispatcher.utter_message(text="\n".join(lines))
        currency_set = [SlotSet("currency", currency)] if converted_any and currency else []
        return currency_set + summary_again(tracker)


class ActionPaymentMethods(Action):
    """How a buyer can pay, from what is configured now (``payment_line``, as the checkout
    summary and the offer after placing say): for the jails of the cart, else for our jails
    in each country. Never a method that the checkout would not offer."""

    def name(self) -> str:
        return "action_payment_methods"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        given = detail_given(dispatcher, tracker, domain)  # an address read as a payment question
        if given is not None:
            return given
        language, channel = lang(tracker), channel_of(tracker)
        if typed_choice(dispatcher, tracker):  # "upi" answering "how will you pay KG-0002?"
            return []
        if offer_open(dispatcher, tracker, asked_currency(tracker)):  # that order's methods
            return []
        where = buyer_country_code(tracker)
        with db.reading() as session:
            lines = read_cart(tracker)
            jails = {line.product.jail.id: line.product.jail
                     for line in orders.quote(session, lines).lines} if lines else {}  # fmt: skip
            if jails:
                methods = payment_line(list(jails.values()), channel, where, language)
                said = [t("payment_methods_cart", language, methods=methods)]
            else:
                by_country: dict[str, list[Jail]] = {}
                for jail in session.scalars(select(Jail).order_by(Jail.id)):
                    by_country.setdefault(jail.country, []).append(jail)
                said = [
                    t("payment_methods_from", language,
                      country=shipping.country_name(code, language),
                      methods=payment_line(group, channel, where, language))
                    for code, group in sorted(by_country.items(), key=lambda kv: kv[0] != "IN")
                ] or [t("pay_team", language)]  # fmt: skip
        # the same question is how people ask about a payment gone wrong ("paid but no order")
        dispatcher.utter_message(text="\n".join([*said, t("payment_trouble", language)]))
        return summary_again(tracker)


BEFORE_RECENT = 15 * 60.0  # seconds: the message before "talk to a person" still about it


def message_before(tracker: Tracker) -> str | None:
    """The buyer's message before the latest one, as they typed it, if it came at most
    ``BEFORE_RECENT`` earlier ("mera parcel damaged aaya" before "kisi se baat karni hai");
    None for a pressed button or an older one."""
    said = [e for e in tracker.events if e.get("event") == "user"]
    if len(said) < 2:
        return None
    latest, before = said[-1], said[-2]
    at, then = latest.get("timestamp"), before.get("timestamp")
    if isinstance(at, int | float) and isinstance(then, int | float) and at - then > BEFORE_RECENT:
        return None
    meta = before.get("metadata") if isinstance(before.get("metadata"), dict) else {}
    text = str(meta.get("typed") or before.get("text") or "").strip()
    return None if not text or text.startswith("/") else text


class ActionHumanHandoff(Action):
    """Forward the buyer's message to staff through the outbox, with the message before it and
    their latest order; the reply carries ``handoff`` so the web app opens the window in which
    the buyer's next messages go to staff too (``bot/core/relay.py``)."""

    def name(self) -> str:
        return "action_human_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        given = detail_given(dispatcher, tracker, domain)  # "the phone number" to change it
        if given is not None:
            return given
        text = (
            "(pressed 'talk to a person')"
            if is_payload(tracker)
            else tracker.latest_message.get("text") or ""
        )
        with transaction(db.factory()) as session:
            customer = customers.by_sender(session, tracker.sender_id)
            outbox.handoff(session, customer, text, before=message_before(tracker))
        handoff = {"text": t("handoff", lang(tracker)), "handoff": True}
        dispatcher.utter_message(json_message=handoff)
        return []


class ActionFallback(Action):
    """A message not understood: a short answer offering the menu (a bare number adds to cart)."""

    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        changing = change_at_summary(tracker)  # "naam badlo" answering the summary
        if changing is not None:
            return changing
        ordering = checkout_instead(tracker)  # "چیک آؤٹ" not understood
        if ordering is not None:
            return ordering
        if typed_choice(dispatcher, tracker):  # "cash" answering "how will you pay KG-0002?"
            return []
        if pay_named_order(dispatcher, tracker):  # "pay for KG-0002" not understood
            return []
        setting = quantity_request(dispatcher, tracker)
        if setting is not None:  # "nahi sirf 1", "shawl 2 kar do" not understood
            return setting
        more = more_of_added(tracker)
        if more is not None:  # "دو اور چاہیے" right after "Added 1 x ...": two more of it
            return add(dispatcher, tracker, None, more)
        qty = quantity(tracker)
        if qty is not None and of_looked_at(tracker):
            return add(dispatcher, tracker, None, qty)
        picked = listed_pick(tracker)  # "the first one" right after a list, not understood
        if picked is not None:
            return show_product(dispatcher, tracker, picked)
        placed = place_statement(dispatcher, tracker)
        if placed is not None:  # "لاہور بھیج دیں" not understood: where to deliver
            return placed
        in_form = bool((tracker.active_loop or {}).get("name"))
        if about_returns(tracker) and not in_form:  # "return karna hai" under the threshold
            dispatcher.utter_message(response="utter_returns_policy")
            return []
        named = entity(tracker, "product") or entity(tracker, "category") or entity(tracker, "jail")
        said = "" if is_payload(tracker) else tracker.latest_message.get("text") or ""
        if (named or names_goods_by_emoji(said)) and not in_form:  # or "🧣"
            # "مجھے پشاوری چپل چاہیے" not understood, "chappal" read in it: search; "from kullu":
            # that jail's goods
            from actions.search import ActionSearchProducts  # (it imports this module's peers)

            return ActionSearchProducts().run(dispatcher, tracker, domain)
        language = lang(tracker)
        again = summary_again(tracker)  # the summary's buttons follow: no others to number
        dispatcher.utter_message(
            text=t("fallback", language),
            buttons=[] if again else [
                button(t("browse_button", language), "browse_catalog"),
                button(t("cart_button", language), "view_cart"),
                button(t("person_button", language), "human_handoff"),
            ],
        )  # fmt: skip
        return again


class ActionInfoAnswer(Action):
    """About the initiative, returns or gift wrap: the domain's answer, then the order summary
    again when the question came right after it (``summary_again``: "is gift wrap
    available?" at the summary dropped it, and "confirm" then got the menu)."""

    RESPONSES = {
        "about_initiative": "utter_about_initiative",
        "returns_policy": "utter_returns_policy",
        "gift": "utter_gift",
    }

    def name(self) -> str:
        return "action_info_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response=self.RESPONSES.get(str(intent), "utter_about_initiative"))
        return summary_again(tracker)


class ActionOutOfScope(Action):
    """Not the shop's business: the out-of-scope answer, unless the message says where the buyer
    is ("لاہور بھیج دیں", read as out of scope)."""

    def name(self) -> str:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        placed = place_statement(dispatcher, tracker)
        if placed is not None:
            return placed
        dispatcher.utter_message(response="utter_out_of_scope")
        return summary_again(tracker)
