"""Checkout: start, the delivery form's validation, the summary, and placing the order once."""

from __future__ import annotations

import re
import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions import db
from actions.cart import (
    about_the_cart,
    off_sale,
    read_cart,
    remove_button,
    say_cart_empty,
    totals_text,
)
from actions.common import (
    amount,
    buyer_country_code,
    buyer_currency,
    display_name,
    entity,
    is_payload,
    lang,
    listed,
)
from actions.form_words import (
    FORM_SLOTS,
    change_request,
    changed_mind,
    looks_like_address,
    looks_like_code_or_number,
    looks_like_name,
    named_slots,
    names_a_detail,
    wants_checkout,
)
from actions.moving_on import moving_on
from actions.payment import (
    channel_of,
    offer,
    offered,
    pay_named_order,
    payment_line,
    typed_choice,
)
from actions.reach import refusal_text, split_cart
from actions.sold import lost_race
from actions.texts import button, t
from catalog import cities, jail_names, orders, phones, shipping
from catalog.db import transaction
from catalog.digits import ascii_digits
from catalog.errors import CatalogError, NotFound, OutOfStock
from catalog.orders import CartLine, Quote
from catalog.refs import ref

INDIA = {"india", "bharat", "भारत", "hindustan", "हिंदुस्तान", "in", "ind"}


# postal codes by the delivery country: India's 6-digit PIN, Pakistan's 5 digits, a UK
# postcode (kept as "SW1A 1AA"); elsewhere anything that looks like a postal code
POSTAL = {
    "IN": re.compile(r"[1-9]\d{2} ?\d{3}"),
    "PK": re.compile(r"\d{5}"),
    "GB": re.compile(r"([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})"),
    None: re.compile(r"[A-Z0-9][A-Z0-9 \-]{1,9}"),
}
BAD_POSTAL = {"IN": "bad_pin", "PK": "bad_postal_pk", "GB": "bad_postal_gb", None: "bad_postal"}
ASK_POSTAL = {
    "IN": "ask_postal_in",
    "PK": "ask_postal_pk",
    "GB": "ask_postal_gb",
    None: "ask_postal_other",
}


def postal_country(country: str | None) -> str | None:
    """IN, PK or GB when the delivery country has its own postal code check, else None."""
    code = "IN" if is_india(country) else shipping.country_code(country)
    return code if code in POSTAL else None


def postal_code(text: str, country: str | None) -> str | None:
    """``text`` as the delivery country's postal code is kept (a PIN without its space, a UK
    postcode as "SW1A 1AA"), or None when it is not one."""
    text = re.sub(r"\s+", " ", ascii_digits(text).strip()).upper()
    code = postal_country(country)
    found = POSTAL[code].fullmatch(text)
    if found is None:
        return None
    return " ".join(found.groups()) if code == "GB" else text.replace(" ", "")


def postal_in_address(tracker: Tracker, address: str | None, country: str | None) -> dict[str, str]:
    """The postal code written at the end of the address ("..., Shimla, Himachal Pradesh 171001")
    for India, Pakistan or the UK: the address without it and the code, as slots, so the code
    is not asked again nor printed twice; nothing when the address ends otherwise, or a postal
    code is already given."""
    if not address or postal_country(country) is None or tracker.get_slot("buyer_postal_code"):
        return {}
    words = address.rstrip(" .,;").split()
    for n in (1, 2):  # "171001", "171 001", "SW1A 1AA"
        code = postal_code(" ".join(words[-n:]), country) if len(words) > n else None
        rest = " ".join(words[:-n]).rstrip(" ,;-")
        if code is not None and len(rest) >= 8:
            return {"buyer_address": rest, "buyer_postal_code": code}
    return {}


def is_india(country: str | None) -> bool:
    return (country or "India").strip().lower() in INDIA or shipping.country_code(country) == "IN"


def refusals(session: Session, lines: list[CartLine], country: str | None) -> list[shipping.Reach]:
    """The cart's products that cannot be sent to ``country`` (ISO code), with why."""
    if country is None:
        return []
    reaches = (shipping.can_reach(q.product, country) for q in orders.quote(session, lines).lines)
    return [reach for reach in reaches if not reach.ok]


def shipping_fees(
    session: Session, quote: Quote, country: str | None, language: str = "en"
) -> list[tuple[str, int, str]]:
    """The shipping of each jail's parcel to ``country``: (jail name, fee, currency)."""
    fees: dict[int, tuple[str, int, str]] = {}
    goods: dict[int, int] = {}
    for line in quote.lines:
        goods[line.product.jail_id] = goods.get(line.product.jail_id, 0) + line.subtotal_minor
    for line in quote.lines:
        jail = line.product.jail
        if jail.id in fees:
            continue
        try:
            fee = shipping.fee(jail, country, goods[jail.id], line.product.currency, session)
        except NotFound:
            fee = 0
        fees[jail.id] = (jail_names.display_name(jail, language), fee, line.product.currency)
    return list(fees.values())


def plausible_phone(text: str, region: str | None = None) -> str | None:
    """The number as E.164, or None (``catalog.phones``), also inside a sentence ("my number
    is 98765 43210"). A number without a country code is read as one of ``region``'s, the
    buyer's country when known ("0300 1234567" in Pakistan), else India's."""
    return phones.in_text(text, region=region or "IN")


def cart_origins(tracker: Tracker) -> list[str]:
    """The countries the cart's goods come from (e.g. ["PK"] for Peshawari chappals)."""
    lines = read_cart(tracker)
    if not lines:
        return []
    with db.factory()() as session:
        quote = orders.quote(session, lines)
        return sorted({line.product.jail.country.upper() for line in quote.lines})


def bad_phone_text(region: str | None, language: str) -> str:
    """What a valid number looks like where the buyer is (their delivery country, else their
    WhatsApp number's; India when nothing says, as numbers are read): "A mobile number looks
    like 0301 2345678 (Pakistan); ..."."""
    region = region or "IN"
    example = phones.example(region) or phones.example("IN")
    return t(
        "bad_phone", language, country=shipping.country_name(region, language), example=example
    )


def not_there(tracker: Tracker, code: str) -> dict[str, Any]:
    """A refused delivery country that this message also put in the ``country`` slot (a tap
    on "India", read as where the buyer is): that slot is emptied, so prices carry no estimate
    in the currency of a country the parcel will not go to."""
    return {"country": None} if shipping.country_code(entity(tracker, "country")) == code else {}


def key(tracker: Tracker) -> str:
    """The idempotency key of this checkout: the sender and the checkout id in the slot."""
    return f"chat:{tracker.sender_id}:{tracker.get_slot('checkout_id')}"[:200]


class ActionStartCheckout(Action):
    """Check the cart can be ordered, then let the form start (``cart_ready``)."""

    def name(self) -> str:
        return "action_start_checkout"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        if typed_choice(dispatcher, tracker) or pay_named_order(dispatcher, tracker):
            return [SlotSet("cart_ready", False)]  # "online", "KG-0002 ka payment karna hai"
        lines = read_cart(tracker)
        if not lines:
            say_cart_empty(dispatcher, language)
            return [SlotSet("cart_ready", False)]
        with db.factory()() as session:
            quote = orders.quote(session, lines)
            problems = quote.problems
            off = [q.product for q in quote.lines if off_sale(q.product)]
            names = ", ".join(display_name(p, language) for p in off)
            split = None if problems else split_cart(session, tracker, quote, language)
        if off:  # hidden by staff since it went in the cart: say so, offer to remove it
            dispatcher.utter_message(
                text=t("off_sale", language, names=names),
                buttons=[remove_button(p.sku, language) for p in off],
            )
            return [SlotSet("cart_ready", False)]
        if problems:
            dispatcher.utter_message(text=t("cart_problem", language, problem="; ".join(problems)))
            return [SlotSet("cart_ready", False)]
        if split is not None:  # India and Pakistan in one cart: no country takes both
            dispatcher.utter_message(text=split[0], buttons=split[1])
            return [SlotSet("cart_ready", False)]
        dispatcher.utter_message(text=t("checkout_start", language))
        checkout_id = tracker.get_slot("checkout_id") or uuid.uuid4().hex[:16]
        events: list[EventType] = [SlotSet("cart_ready", True), SlotSet("checkout_id", checkout_id)]
        if (tracker.latest_message.get("intent") or {}).get("name") != "checkout":
            # sent here by another action (form_words.checkout_instead: "آرڈر کرنا ہے" read
            # as a search), where no rule follows with the form: start it as the rule would
            events.append(FollowupAction("checkout_form"))
        return events


class ValidateCheckoutForm(FormValidationAction):
    """Each delivery detail checked as it comes; a bad one is asked again with the reason.

    Only the detail being asked is checked aloud: a detail cleared ("Change details") is no
    answer and is not checked, and details remembered from the last order are checked quietly
    when the form starts (one no longer valid is simply asked again). The answer to the
    question asked may instead ask to change another detail ("change name": asked next) or
    show that the buyer has moved on ("show my cart"): then the question ends (``moving_on``)."""

    def name(self) -> str:
        return "validate_checkout_form"

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        asked = tracker.get_slot("requested_slot")
        given = tracker.slots_to_validate()
        answer = given.get(asked) if asked in FORM_SLOTS else None
        if answer is not None and (str(answer) == "/checkout" or wants_checkout(str(answer))):
            # "میں آرڈر کرنا چاہتا ہوں" while asked a detail: that is what we are doing
            dispatcher.utter_message(text=t("checkout_go_on", lang(tracker)))
            return [SlotSet(asked, None)]
        if answer is not None:
            changing = [] if is_payload(tracker) else change_request(str(answer))
            if changing:  # "change name" while asked the phone: the name next, then the phone
                dispatcher.utter_message(text=t("details_again", lang(tracker)))
                return [SlotSet(s, None) for s in FORM_SLOTS if s in changing or s == asked]
            if (
                asked in ("buyer_name", "buyer_address")
                and changed_mind(str(answer))
                and not about_the_cart(tracker)  # "नहीं, रुको, एक ही शॉल चाहिए": one shawl
            ):
                # "never mind, I don't want to buy now" was kept as a tester's address
                dispatcher.utter_message(text=t("checkout_stopped", lang(tracker)))
                return [SlotSet(asked, None), SlotSet("requested_slot", None)]
            moved = moving_on(dispatcher, tracker, domain, asked, str(answer))
            if moved is not None:
                return moved
        events: list[EventType] = []
        for slot in [s for s in FORM_SLOTS if s in given]:
            value = given[slot]
            if value is None or (
                slot == "buyer_postal_code" and not tracker.get_slot("buyer_country")
            ):
                events.append(SlotSet(slot, None))  # cleared, or a code for no country yet
                tracker.slots[slot] = None
                continue
            said = dispatcher if slot == asked else CollectingDispatcher()  # quiet otherwise
            checked = getattr(self, f"validate_{slot}")(value, said, tracker, domain)
            for name, new in checked.items():
                events.append(SlotSet(name, new))
                tracker.slots[name] = new
        return events

    def validate_buyer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if names_a_detail(text):  # "address" after "Change details": the name is asked first
            dispatcher.utter_message(text=t("name_first", lang(tracker)))
            return {"buyer_name": None}
        plausible = 2 <= len(text) <= 100 and re.search(r"[^\W\d_]", text)
        if plausible and not re.search(r"\d", text) and not text.startswith("/"):
            return {"buyer_name": text}
        dispatcher.utter_message(text=t("bad_name", lang(tracker)))
        return {"buyer_name": None}

    def validate_buyer_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        region, text = buyer_country_code(tracker), str(value or "")
        # A local number is read as one of where the buyer is; failing that (or with nothing
        # saying yet: the phone comes before the country), as one of the country the goods
        # come from ("0300 1234567" for chappals from Peshawar), else India's, else Pakistan's
        # (a Lahore buyer of a Kullu shawl learns why not at the address). So a number reads
        # the same before the country is known and after "Change details".
        regions = dict.fromkeys([*([region] if region else []), *cart_origins(tracker), "IN", "PK"])
        phone = next(filter(None, (plausible_phone(text, c) for c in regions)), None)
        if phone is None:
            dispatcher.utter_message(text=bad_phone_text(region, lang(tracker)))
        return {"buyer_phone": phone}

    def validate_buyer_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if 8 <= len(text) <= 500 and not text.startswith("/"):
            found = {"buyer_address": text, **self.country_of_address(text, tracker, domain)}
            country = found.get("buyer_country") or tracker.get_slot("buyer_country")
            return {**found, **postal_in_address(tracker, text, country)}
        dispatcher.utter_message(text=t("bad_address", lang(tracker)))
        return {"buyer_address": None}

    def country_of_address(
        self, address: str, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The country, unasked, when the address names a city of one country ("Gulberg,
        Lahore") that every product in the cart can be sent to; else nothing (it is asked,
        and a refusal explained then). A country already given is kept."""
        code = cities.country_of_address(address)
        if code is None or tracker.get_slot("buyer_country"):
            return {}
        name = shipping.country_name(code)
        found = self.validate_buyer_country(name, CollectingDispatcher(), tracker, domain)
        return found if found.get("buyer_country") else {}

    def validate_buyer_country(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A country we know (kept by its English name), and one that every product in the
        cart can be sent to: otherwise the checkout stops here, with the reason, before any
        summary or order, and the country is asked again (or the buyer cancels). An address
        whose city is in another country ("Karol Bagh, New Delhi" sent to Pakistan) is asked
        again with the country: the parcel would go where the address is."""
        text, language = str(value or "").strip(), lang(tracker)
        code = shipping.country_code(text) if not text.startswith("/") else None
        if code is None and cities.names_only(text):  # "Leeds": the city's country
            code = cities.country_of_address(text)
        postal: dict[str, str] = {}
        if code is None and re.search(r"\d", ascii_digits(text)):  # "171001" at this question
            codes = countries_offered(tracker)
            fits = {c: postal_code(text, shipping.country_name(c)) for c in codes}
            fits = {c: found for c, found in fits.items() if found}
            if len(fits) > 1:  # "10001": Pakistan's or the United States'?
                dispatcher.utter_message(text=t("postal_which_country", language))
                return {"buyer_country": None}
            code, found = next(iter(fits.items()), (None, None))
            postal = {"buyer_postal_code": found} if found else {}
        if code is None:
            dispatcher.utter_message(text=t("bad_country", language))
            return {"buyer_country": None}
        where = cities.country_of_address(tracker.get_slot("buyer_address"))
        if where is not None and where != code:
            names = {
                "country": shipping.country_name(where, language),
                "chosen": shipping.country_name(code, language),
            }
            dispatcher.utter_message(text=t("address_elsewhere", language, **names))
            return {"buyer_country": None, "buyer_address": None, **not_there(tracker, code)}
        with db.factory()() as session:
            refused = refusals(session, read_cart(tracker), code)
            reasons = [refusal_text(reach, language) for reach in refused]
        if reasons:  # with a button to take out each product that stops it
            text = t("country_blocks_cart", language, reasons="\n".join(reasons))
            skus = dict.fromkeys(reach.product.sku for reach in refused)
            dispatcher.utter_message(
                text=text, buttons=[remove_button(sku, language) for sku in skus]
            )
            return {"buyer_country": None, **not_there(tracker, code)}
        country = "India" if code == "IN" else shipping.country_name(code)
        address = tracker.get_slot("buyer_address")
        from_address = postal_in_address(tracker, address, country)
        return {"buyer_country": country, **from_address, **postal}

    def validate_buyer_postal_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        country = tracker.get_slot("buyer_country")
        found = postal_code(str(value or ""), country)
        if found is None:
            dispatcher.utter_message(text=t(BAD_POSTAL[postal_country(country)], lang(tracker)))
        return {"buyer_postal_code": found}


class ActionOrderSummary(Action):
    """What will be ordered, the total (also in the buyer's currency abroad), and Confirm/Cancel."""

    def name(self) -> str:
        return "action_order_summary"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        lines = read_cart(tracker)
        if not lines:
            dispatcher.utter_message(text=t("cart_empty", language))
            return []
        slot = tracker.get_slot
        if any(not slot(s) for s in FORM_SLOTS):  # the buyer left the form (moving_on): no summary
            return []
        code = shipping.country_code(slot("buyer_country"))
        with db.factory()() as session:
            refused = refusals(session, lines, code)
            if refused:  # the form checks this; a cart changed since is checked again here
                reasons = "\n".join(refusal_text(r, language) for r in refused).rstrip(".।۔")
                dispatcher.utter_message(
                    text=t("place_failed", language, reason=reasons),
                    buttons=[button(t("cart_button", language), "view_cart")],
                )
                return []
            quote = orders.quote(session, lines)
            rows = [
                f"{q.quantity} x {display_name(q.product, language)}: {amount(q.subtotal_minor, q.product.currency)}"
                for q in quote.lines
            ]
            fees = shipping_fees(session, quote, code, language)
            totals = dict(quote.totals)
            where = shipping.country_name(code, language) if code else slot("buyer_country")
            for jail, fee, currency in fees:
                label = where if len(fees) == 1 else f"{where} ({jail})"
                rows.append(
                    t("summary_shipping", language, country=label, fee=amount(fee, currency))
                )
                totals[currency] = totals.get(currency, 0) + fee
            jails = list({q.product.jail_id: q.product.jail for q in quote.lines}.values())
            pay = payment_line(jails, channel_of(tracker), slot("buyer_country"), language)
            total = totals_text(totals, session, buyer_currency(tracker))
        phone = slot("buyer_phone")  # in right-to-left Urdu, groups would be shown reordered
        phone = phone if language == "ur" else phones.shown(phone)
        dispatcher.utter_message(
            text=t(
                "summary", language, lines="\n".join(rows), total=total, converted="",
                name=slot("buyer_name"), phone=phone, address=slot("buyer_address"),
                postal_code=slot("buyer_postal_code"), country=where,
                payment=pay,
            ),
            buttons=[button(t("confirm_button", language), "affirm"), button(t("change_button", language), "change_details"),
                     button(t("cancel_button", language), "deny")],
        )  # fmt: skip
        return []


class ActionPlaceOrder(Action):
    """Place the cart as orders, once per checkout id however often this action is retried."""

    def name(self) -> str:
        return "action_place_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language, slot = lang(tracker), tracker.get_slot
        lines = read_cart(tracker)
        if not lines or not slot("checkout_id"):
            dispatcher.utter_message(text=t("cart_empty", language))
            return []
        delivery = orders.Delivery(
            name=slot("buyer_name") or "", phone=slot("buyer_phone") or "",
            address=slot("buyer_address") or "", postal_code=slot("buyer_postal_code") or "",
            country=slot("buyer_country") or "India",
        )  # fmt: skip
        factory = db.factory()
        payment = "cod" if is_india(delivery.country) else "card"
        with factory() as session:  # nothing is taken for a parcel that could never arrive
            refused = refusals(session, lines, shipping.country_code(delivery.country))
            if refused:
                reasons = "\n".join(refusal_text(r, language) for r in refused).rstrip(".।۔")
                dispatcher.utter_message(text=t("place_failed", language, reason=reasons))
                return []
        try:
            ids = orders.place_once(
                factory, tracker.sender_id, lines, delivery, idempotency_key=key(tracker),
                payment_method=payment,
            )  # fmt: skip
        except OutOfStock as exc:  # another buyer took the last ones: in words, and what else
            with factory() as session:
                events = lost_race(dispatcher, session, tracker, lines, exc, language)
            return [*events, SlotSet("checkout_id", None)]
        except CatalogError as exc:
            dispatcher.utter_message(text=t("place_failed", language, reason=str(exc)))
            return []
        with transaction(factory) as session:
            placed = [orders.get_order(session, i) for i in ids]
            for order in placed:  # the fee the summary showed, kept with the order
                if not order.shipping_minor and order.paid_at is None:
                    order.shipping_minor = shipping.order_fee(order)
            total = totals_text(
                {
                    o.currency: sum(
                        p.total_minor + p.shipping_minor for p in placed if p.currency == o.currency
                    )
                    for o in placed
                },
                session,
                buyer_currency(tracker),
            )
            # With payment choices to follow, no Browse button here: a channel that numbers
            # the choices of one answer would make the first way to pay "2" (F32).
            choices = any(offered(order, channel_of(tracker)) for order in placed)
            browse = [] if choices else [button(t("browse_button", language), "browse_catalog")]
            dispatcher.utter_message(
                text=t(
                    "placed" if len(ids) == 1 else "placed_many",
                    language,
                    ids=listed([ref(i) for i in ids], language),
                    total=total,
                ),  # fmt: skip
                buttons=browse,
            )
            for order in placed:
                offer(dispatcher, order, channel_of(tracker), language)
        return [SlotSet("cart", []), SlotSet("checkout_id", None), SlotSet("cart_ready", None)]


def detail_given(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> list[EventType] | None:
    """The answer to the checkout question being asked, whatever the NLU made of it (a rule
    then runs another action, and the form never sees the words): an address to the address
    question ("3 Lake View, Bhopal" read as a shipping question, "H no 45, gali no 3" as a
    "no"), a name to the name question, a number or code to the phone or postal code
    question, checked as the form checks them; or a detail to change ("the phone number"
    read as a wish for a person): the form goes on. None for anything else, or no question."""
    if is_payload(tracker) or not (tracker.active_loop or {}).get("name"):
        return None
    text = (tracker.latest_message.get("text") or "").strip()
    asked, form = tracker.get_slot("requested_slot"), ValidateCheckoutForm()
    changing = change_request(text) or (named_slots(text) if names_a_detail(text) else [])
    if changing and asked in FORM_SLOTS:  # as the form does for "change name" asked the phone
        dispatcher.utter_message(text=t("details_again", lang(tracker)))
        cleared = [SlotSet(s, None) for s in FORM_SLOTS if s in changing or s == asked]
        return [*cleared, FollowupAction("checkout_form")]
    fits = {
        "buyer_address": looks_like_address,
        "buyer_name": looks_like_name,  # "Nahid Khan", "Nomi"
        "buyer_phone": looks_like_code_or_number,
        "buyer_postal_code": looks_like_code_or_number,  # "LE2 1AB" read as a "no"
    }
    if asked not in fits or not fits[asked](text):
        return None
    checked = getattr(form, f"validate_{asked}")(text, dispatcher, tracker, domain)
    return [*(SlotSet(k, v) for k, v in checked.items()), FollowupAction("checkout_form")]


class ActionStopCheckout(Action):
    """The buyer changed their mind mid-form: stop it, keep the cart.

    Rules send every "no" and "cancel" here, as the NLU read it; some answers are not meant
    as one and carry on with the form instead (``FollowupAction``: the form asks its next
    question): an address given to the address question ("H no 45, gali no 3, lajpat nagar":
    "no" is a number there) or a name to the name question ("Nahid Khan"), taken as the
    answer; and a wish to order ("میں آرڈر کرنا چاہتا ہوں", read as cancel_order), answered by
    asking the same question again."""

    def name(self) -> str:
        return "action_stop_checkout"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        text = "" if is_payload(tracker) else (tracker.latest_message.get("text") or "").strip()
        asked = tracker.get_slot("requested_slot")
        given = detail_given(dispatcher, tracker, domain)
        if given is not None:
            return given
        if asked in FORM_SLOTS and wants_checkout(text):
            dispatcher.utter_message(text=t("checkout_go_on", lang(tracker)))
            return [FollowupAction("checkout_form")]
        dispatcher.utter_message(text=t("checkout_stopped", lang(tracker)))
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


def countries_offered(tracker: Tracker) -> list[str]:
    """The country question's choices, in an order that stays put between two asks (a "2"
    typed from the first list must mean the same country the second time): the countries the
    cart's goods come from, then India and Pakistan, where the jails are, then where the buyer
    seems to be if elsewhere (their WhatsApp number's country, else the delivery phone's);
    typed names work too."""
    known = buyer_country_code(tracker) or phones.region(tracker.get_slot("buyer_phone"))
    return list(dict.fromkeys([*cart_origins(tracker), "IN", "PK", *([known] if known else [])]))


def country_buttons(codes: list[str], language: str) -> list[dict[str, str]]:
    return [
        {"title": shipping.country_name(c, language), "payload": shipping.country_name(c)}
        for c in codes
    ]


class ActionAskSlot(Action):
    """Ask for one delivery detail in the buyer's language (``action_ask_<slot>``)."""

    slot = FORM_SLOTS[0]

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        buttons = []
        key = f"ask_{self.slot}"
        if self.slot == "buyer_country":  # only where the whole cart can be sent
            with db.factory()() as session:
                lines = read_cart(tracker)
                codes = [c for c in countries_offered(tracker) if not refusals(session, lines, c)]
            buttons = country_buttons(codes, language)
        elif self.slot == "buyer_postal_code":  # asked after the country: its own kind of code
            key = ASK_POSTAL[postal_country(tracker.get_slot("buyer_country"))]
        dispatcher.utter_message(text=t(key, language), buttons=buttons)
        return []


class ActionAskBuyerPhone(ActionAskSlot):
    """Ask for the phone number."""

    slot = "buyer_phone"


class ActionAskBuyerAddress(ActionAskSlot):
    """Ask for the address."""

    slot = "buyer_address"


class ActionAskBuyerCountry(ActionAskSlot):
    """Ask for the country."""

    slot = "buyer_country"


class ActionAskBuyerPostalCode(ActionAskSlot):
    """Ask for the postal code."""

    slot = "buyer_postal_code"
