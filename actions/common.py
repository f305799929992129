"""Small helpers every action module uses: the buyer's language, names, prices, quantities."""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions import db
from actions.texts import EN, HI, LANGUAGES, TEXTS, UR, t
from catalog import customers, money, shipping, variants
from catalog.errors import NotFound
from catalog.models import Product

HINDI_NUMBERS = {"ek": 1, "do": 2, "teen": 3, "char": 4, "chaar": 4, "paanch": 5, "panch": 5,
                 "एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाँच": 5,
                 "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}  # fmt: skip


COUNTRY_CURRENCY = {
    "uk": "GBP", "united kingdom": "GBP", "england": "GBP", "britain": "GBP",
    "usa": "USD", "us": "USD", "america": "USD", "united states": "USD",
    "uae": "AED", "dubai": "AED", "saudi arabia": "SAR", "saudi": "SAR",
    "canada": "CAD", "australia": "AUD", "pakistan": "PKR",
    "germany": "EUR", "france": "EUR", "netherlands": "EUR", "ireland": "EUR",
}  # fmt: skip
CURRENCY_OF_CODE = {"GB": "GBP", "US": "USD", "AE": "AED", "SA": "SAR", "CA": "CAD",
                    "AU": "AUD", "PK": "PKR", "IN": "INR", "DE": "EUR", "FR": "EUR",
                    "NL": "EUR", "IE": "EUR", "IT": "EUR", "ES": "EUR"}  # fmt: skip


def currency_for(country: str | None) -> str | None:
    found = COUNTRY_CURRENCY.get((country or "").strip().lower())
    return found or CURRENCY_OF_CODE.get(shipping.country_code(country) or "")


def buyer_currency(tracker: Tracker) -> str | None:
    """The currency shown beside prices: the one the buyer asked for, else their country's."""
    asked = str(tracker.get_slot("currency") or "").upper()
    return asked or currency_for(buyer_country_code(tracker))


def lang(tracker: Tracker) -> str:
    """The buyer's reply language (en, hi, hi-Latn or ur). Every action asks this first, so it
    also sets the reader of the money this request formats (``catalog.money.set_reader``): the
    language and the country the buyer gave, which decide "Rs 3,500" or "PKR 3,500"."""
    language = tracker.get_slot("language") or EN
    if language not in LANGUAGES:
        language = EN
    money.set_reader(money.Reader(language, buyer_country_code(tracker)))
    return language


def buyer_country_code(tracker: Tracker) -> str | None:
    """Where the buyer is: the delivery country they gave (this checkout), else the place they
    said they are in ("I live in London": actions.place), else their latest order's, else the
    one their channel tells (a WhatsApp number's prefix, sent by the web app
    as message metadata), else the one they asked shipping for; None when nothing says."""
    code = stated_country(tracker)
    if code:
        return code
    code = shipping.country_code(last_order_country(tracker))
    if code:
        return code  # "do you deliver to Dubai?" after an order to India: still India
    told = (tracker.latest_message.get("metadata") or {}).get("country")
    if isinstance(told, str) and len(told) == 2 and told.isalpha():
        return told.upper()  # before the shipping question: "to Dubai?" is not where they are
    return shipping.country_code(tracker.get_slot("country"))


def stated_country(tracker: Tracker) -> str | None:
    """The country the buyer gave: this checkout's delivery country, else the place they said
    they are in ("I live in London": actions.place); None when they gave neither."""
    return shipping.country_code(tracker.get_slot("buyer_country")) or shipping.country_code(
        tracker.get_slot("home_country")
    )


# The last order's country, looked up once per action (by ``lang``, which every action calls
# before it opens a session: a second connection inside one would wait on SQLite's lock).
_LAST_ORDER: ContextVar[tuple[Tracker, str | None] | None] = ContextVar("last_order", default=None)


def last_order_country(tracker: Tracker) -> str | None:
    """The country the buyer's latest order went to; None without one (or a database)."""
    cached = _LAST_ORDER.get()
    if cached is not None and cached[0] is tracker:
        return cached[1]
    try:
        with db.reading() as session:
            found = customers.last_ship_country(session, tracker.sender_id)
    except SQLAlchemyError:
        found = None
    _LAST_ORDER.set((tracker, found))
    return found


CHANNEL_OF_PREFIX = {"te": "telegram", "wh": "whatsapp", "co": "console"}
NUMBERED = ("whatsapp", "console")  # channels that show buttons as a numbered list


def channel_of(tracker: Tracker) -> str:
    """The buyer's channel: the front end's metadata, else the sender id's prefix."""
    meta = tracker.latest_message.get("metadata")
    channel = meta.get("channel") if isinstance(meta, dict) else None
    if channel in CHANNEL_OF_PREFIX.values():
        return str(channel)
    return CHANNEL_OF_PREFIX.get(tracker.sender_id.split("-", 1)[0], "rest")


def is_payload(tracker: Tracker) -> bool:
    return (tracker.latest_message.get("text") or "").startswith("/")


def entity(tracker: Tracker, name: str) -> str | None:
    """The latest message's entity value, else None."""
    value = next(tracker.get_latest_entity_values(name), None)
    return None if value is None else str(value)


def display_name(product: Product, language: str, *, row: bool = False) -> str:
    """The product's name in the buyer's script: Devanagari for hi, Urdu for ur when the
    catalog has one; otherwise (and always for en and hi-Latn) the Latin-script name. A size
    or colour says which: "Peshawari Chappal (size 9)"; in a ``row`` that brackets the SKU
    after it, "Peshawari Chappal, size 9" (one pair of brackets, not two)."""
    if language == HI and product.name_hi:
        name = product.name_hi
    elif language == UR and product.name_ur:
        name = product.name_ur
    else:
        name = product.name
    if product.parent_id is not None and product.variant:
        label = variant_label(product, language)
        comma = "،" if language == UR else ","
        name += f"{comma} {label}" if row else f" ({label})"
    return name


def name_and_code(product: Product, language: str) -> str:
    """The product's name with its code in one pair of brackets: "Kullu Shawl (Pashmina
    blend, KS-102)" for a name that ends in brackets, "Peshawari Chappal, size 9 (PC-101/9)"
    for a size, "Nahan Kurta (NK-1)" otherwise; never "(Pashmina blend) (KS-102)"."""
    name = display_name(product, language, row=True)
    if name.endswith(")") and "(" in name:
        inside = name[name.rindex("(") :]  # an English name read by an Urdu reader keeps ","
        comma = "،" if any("\u0600" <= ch <= "\u06ff" for ch in inside) else ","
        return f"{name[:-1]}{comma} {product.sku})"
    return f"{name} ({product.sku})"


def variant_label(child: Product, language: str) -> str:
    """ "size 9" / "साइज़ 9" / "سائز 9" for a size; the colour in the buyer's language ("Red",
    "लाल", "سرخ") for a colour."""
    if variants.kind_of_child(child) == variants.COLOUR:
        return variant_value(child, language)
    return t("size_label", language, value=child.variant or "")


def variant_value(child: Product, language: str) -> str:
    """A size as written ("9", "M"); a colour we know in the buyer's language ("लाल" for Red),
    any other colour as written."""
    value = child.variant or ""
    key = f"colour_{value.lower()}"
    if variants.kind_of_child(child) != variants.COLOUR or key not in TEXTS:
        return value
    return t(key, language)


def listed(items: list[str], language: str) -> str:
    """ "A", "A and B", "A, B and C" (and: और, aur, اور)."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('and', language)} {items[-1]}"


def status_name(status: str, language: str) -> str:
    """An order status in the buyer's language ("placed", "मिल गया", "mil gaya", ...)."""
    key = f"status_{status}"
    return t(key, language) if key in TEXTS else str(status)


def amount(
    minor: int, currency: str, session: Session | None = None, target: str | None = None
) -> str:
    """Every amount a buyer reads goes through here: ``minor`` of ``currency`` written for the
    reader ``lang`` set ("Rs 3,500" in Pakistan, "PKR 3,500" elsewhere, "₹1,00,000"), and,
    when ``target`` is another currency with a rate set, that amount beside it:
    "PKR 3,500 (about £9.94)", never the converted amount alone."""
    text = money.fmt(minor, currency)
    return text + (converted(session, minor, currency, target) if session is not None else "")


def amounts(
    totals: dict[str, int], session: Session | None = None, target: str | None = None
) -> str:
    """Totals in several currencies: "₹2,400 + PKR 3,500" (each with ``target`` beside it)."""
    shown = [amount(v, c, session, target) for c, v in sorted(totals.items())]
    return " + ".join(shown) or amount(0, "INR")


def price(session: Session, product: Product, currency: str | None = None) -> str:
    """The price, with the buyer's currency beside it when one is known and a rate is set.
    A product whose sizes or colours are priced differently is "from" its cheapest one ("from
    Rs 3,500", in the language of the current money reader): only a size can be bought."""
    children = variants.of(session, product)
    low_high = variants.price_range(children)
    if low_high is None:
        return amount(product.price_minor, product.currency, session, currency)
    low, high = low_high
    text = amount(low, product.currency, session, currency)
    if low == high:
        return text
    reader = money.current_reader()
    return t("price_from", reader.language if reader else EN, amount=text)


def variant_price(child: Product, children: list[Product]) -> str | None:
    """A size's own price for its button ("size 9 - Rs 3,600") when the sizes are not all
    priced the same; None when they are."""
    low_high = variants.price_range(children)
    if low_high is None or low_high[0] == low_high[1]:
        return None
    return amount(child.price_minor, child.currency)


WHOLE_UNITS = frozenset({"INR", "PKR"})  # estimates in rupees need no paise


def converted(
    session: Session, minor: int, source: str, target: str | None, language: str | None = None
) -> str:
    """The suffix ' (about £22.10)' in ``target`` when a rate is set, in ``language`` (default:
    the language of the current money reader, set by ``lang``); '' otherwise."""
    if not target or target.upper() == source:
        return ""
    reader = money.current_reader()
    language = language or (reader.language if reader else EN)
    try:
        estimate = money.convert(session, minor, source, target.upper())
    except NotFound:
        return ""
    if target.upper() in WHOLE_UNITS:  # "about ₹1,051", not "about ₹1,051.05"
        estimate = round(estimate, -2)
    value = money.fmt(estimate, target.upper())
    return f" ({t('about', language, amount=value)})"


QUANTITY_QUESTIONS = (
    "how_many",
    "how_many_numbered",
    "how_many_of",
    "too_many",
    "too_many_one",
    "bad_quantity",
)  # texts that wait for a number
SHOWS_ONE_PRODUCT = ("action_product_details", "action_ask_price")  # "1 add to cart" follows


def text_patterns(keys: tuple[str, ...], end: str = "") -> tuple[re.Pattern[str], ...]:
    """The texts of ``keys`` in every language as patterns, each {placeholder} matching
    anything: to recognise what the bot said."""
    return tuple(
        re.compile(".*".join(re.escape(part) for part in re.split(r"\{\w+\}", text)) + end, re.S)
        for key in keys
        for text in TEXTS[key].values()
    )


def last_turn(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the bot's turn before the latest message, latest first."""
    events: list[dict[str, Any]] = []
    seen_user = False
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif seen_user:
            events.append(event)
    return events


# each quantity question, in every language, as a pattern for the end of what the bot said
_NUMBER_QUESTIONS = text_patterns(QUANTITY_QUESTIONS, end=r"\s*$")


def _asks_for_a_number(said: str) -> bool:
    return any(q.search(said) for q in _NUMBER_QUESTIONS)


def asked_how_many(tracker: Tracker) -> bool:
    """Whether the bot's last turn showed one product (details, its price) or asked for a
    quantity: only then does a bare number mean a quantity of the product looked at (once the
    buyer moves on, "1" is not one)."""
    return _shows_one(last_turn(tracker))


def _shows_one(turn: list[dict[str, Any]]) -> bool:
    for event in turn:
        kind = event.get("event")
        if kind == "action" and event.get("name") in SHOWS_ONE_PRODUCT:
            return True
        if kind == "bot" and _asks_for_a_number((event.get("text") or "").rstrip()):
            return True
    return False


# Answers to a question that leave the product looked at as it was: "how long to London?",
# "how can I pay?", "return policy?" between its card and "sirf 1" do not change what "1" is of.
ANSWERS_ONLY = frozenset(
    ["action_shipping_info", "action_payment_methods", "action_order_status",
     "utter_returns_policy", "utter_about_initiative", "action_info_answer"]
)  # fmt: skip
LOOK_BACK = 3  # turns of such answers a product stays looked at through
# actions that are no answer of the bot's: listening, a session's start, a policy's doubt
NOT_STEPS = frozenset(["action_listen", "action_session_start", "action_unlikely_intent"])


def summary_again(tracker: Tracker) -> list[dict[str, Any]]:
    """A question answered right after the order summary, before Confirm ("do you take UPI?",
    "how long will delivery take?", "is there any discount?", one not understood or not the
    shop's): the summary follows the answer again, so its Confirm button and a typed "confirm"
    still place the order (the rule wants the summary just before them; "confirm" got the help
    menu). Nothing otherwise."""
    events = tracker.events or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    ran = [e.get("name") for e in events[:last_user]
           if e.get("event") == "action" and e.get("name") not in NOT_STEPS]  # fmt: skip
    if ran and ran[-1] == "action_order_summary":
        return [FollowupAction("action_order_summary")]
    return []


def bot_turns(tracker: Tracker, most: int) -> list[list[dict[str, Any]]]:
    """The bot's turns before the latest message, latest first (at most ``most``), each its
    events latest first."""
    turns: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] | None = None
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            if current is not None:
                turns.append(current)
                if len(turns) >= most:
                    return turns
            current = []
        elif current is not None:
            current.append(event)
    return turns


def still_looking_at(tracker: Tracker) -> bool:
    """Whether the product looked at was shown (or a quantity of it asked) in the bot's last
    turn, or before it with only answers to questions since (``ANSWERS_ONLY``): the product
    card, "how long to London?", then "sirf 1" is one of that product."""
    for turn in bot_turns(tracker, LOOK_BACK + 1):
        if _shows_one(turn):
            return True
        ran = {str(e.get("name")) for e in turn if e.get("event") == "action"}
        ran -= NOT_STEPS
        if not ran or not ran <= ANSWERS_ONLY:
            return False
    return False


def handed_over(tracker: Tracker) -> str | None:
    """The action that handed this turn over to the one running (``FollowupAction``: a search
    naming a size or colour, "laal wala shawl", hands the product it picked to the add), or
    None when the buyer's message itself led here."""
    followed = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            return None
        if kind == "followup":
            followed = True
        elif kind == "action" and followed:
            return str(event.get("name") or "") or None
    return None


VARIANT_QUESTIONS = ("which_size", "which_colour", "no_such_size", "no_such_colour")
_VARIANT_QUESTIONS = text_patterns(VARIANT_QUESTIONS)


def variant_question(tracker: Tracker) -> dict[str, Any] | None:
    """The bot's "which size?" (or "we have sizes ...") if its last turn asked it: then the
    buyer's "9" is a size, not a quantity. Returns that bot event (its buttons carry the
    quantity asked for); None otherwise."""
    for event in last_turn(tracker):
        said = (event.get("text") or "").strip()
        if event.get("event") == "bot" and any(q.fullmatch(said) for q in _VARIANT_QUESTIONS):
            return event
    return None


def asked_quantity_of(question: dict[str, Any]) -> int | None:
    """The quantity the buyer gave before being asked which size (from the question's buttons)."""
    for found in (question.get("data") or {}).get("buttons") or []:
        _, _, entities = str(found.get("payload") or "").partition("{")
        try:
            value = str(json.loads("{" + entities).get("quantity", ""))
        except ValueError:
            continue
        if value.isdecimal() and 0 < int(value) <= 100:
            return int(value)
    return None


def quantity(tracker: Tracker) -> int | None:
    """A quantity from the entity, or a message that is just a number ("2", "do", "दो")."""
    value = entity(tracker, "quantity")
    text = (tracker.latest_message.get("text") or "").strip().lower()
    for candidate in (value, text):
        if candidate is None:
            continue
        if re.fullmatch(r"\d{1,4}", candidate):
            return int(candidate)
        if candidate in HINDI_NUMBERS:
            return HINDI_NUMBERS[candidate]
    return None


def wanted(tracker: Tracker) -> int:
    """The quantity the buyer asked for while searching ("mujhe 2 shawl chahiye"), else 1."""
    value = str(tracker.get_slot("quantity") or "")
    return int(value) if value.isdigit() and 0 < int(value) <= 99 else 1
