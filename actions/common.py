"""Small helpers every action module uses: the buyer's language, names, prices, quantities."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from catalog import money
from catalog.errors import NotFound
from catalog.models import Product

HINDI_NUMBERS = {"ek": 1, "do": 2, "teen": 3, "char": 4, "chaar": 4, "paanch": 5, "panch": 5,
                 "एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाँच": 5,
                 "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}  # fmt: skip


def lang(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "en"


def is_payload(tracker: Tracker) -> bool:
    return (tracker.latest_message.get("text") or "").startswith("/")


def entity(tracker: Tracker, name: str) -> str | None:
    """The latest message's entity value, else None."""
    value = next(tracker.get_latest_entity_values(name), None)
    return None if value is None else str(value)


def display_name(product: Product, language: str) -> str:
    if language == "hi" and product.name_hi:
        return product.name_hi
    if language == "ur" and product.name_ur:
        return product.name_ur
    return product.name


def price(session: Session, product: Product, currency: str | None = None) -> str:
    """The price, with the buyer's currency beside it when one is known and a rate is set."""
    text = money.fmt(product.price_minor, product.currency)
    return text + converted(session, product.price_minor, product.currency, currency)


def converted(session: Session, minor: int, source: str, target: str | None) -> str:
    if not target or target.upper() == source:
        return ""
    try:
        return f" (about {money.fmt(money.convert(session, minor, source, target.upper()), target.upper())})"
    except NotFound:
        return ""


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
