"""Where the buyer is and what can reach them: the country (form, else WhatsApp number), the
currency prices are shown in beside the source, and why a product cannot be sent there."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.common import (
    COUNTRY_CURRENCY,
    CURRENCY_OF_CODE,
    buyer_country_code,
    currency_for,
    display_name,
    stated_country,
)
from actions.texts import button, t
from catalog import customers, jail_names, shipping
from catalog.models import Product
from catalog.orders import Quote

__all__ = ["COUNTRY_CURRENCY", "CURRENCY_OF_CODE", "currency_for"]


def buyer_country(session: Session, tracker: Tracker) -> str | None:
    """Where the buyer is (ISO code), best source first: the delivery country the checkout
    form took, else the place they said they are in, else their latest order's, else the
    prefix of their WhatsApp number; None when we cannot tell."""
    code = stated_country(tracker)
    if code:
        return code
    code = shipping.country_code(customers.last_ship_country(session, tracker.sender_id))
    if code:
        return code
    customer = customers.find(session, tracker.sender_id)
    if customer is not None and customer.channel == "whatsapp":
        return shipping.country_of_phone(customer.channel_user_id)
    return None


def refusal_text(reach: shipping.Reach, language: str) -> str:
    """Why ``reach.product`` cannot be sent to the buyer, in the buyer's language."""
    jail = reach.product.jail
    return t(
        f"cannot_reach_{reach.refusal}", language, name=display_name(reach.product, language),
        jail=jail_names.display_name(jail, language), origin=shipping.country_name(reach.origin, language),
        country=shipping.country_name(reach.destination, language),
    )  # fmt: skip


def refusal_line(reach: shipping.Reach, language: str, more: int = 0) -> str:
    """Why ``reach.product`` is missing from a list, in one line: "Peshawar Embroidered Shawl
    from Central Jail Peshawar cannot be sent to India."; with ``more`` others from the same
    country missing too, "Kullu Shawl (Nahan weave) and 2 more from India cannot be sent to
    Pakistan."."""
    return t(
        "cannot_reach_listed_many" if more else "cannot_reach_listed", language,
        name=display_name(reach.product, language), more=more,
        jail=jail_names.display_name(reach.product.jail, language),
        origin=shipping.country_name(reach.origin, language),
        country=shipping.country_name(reach.destination, language),
    )  # fmt: skip


def unreachable(session: Session, tracker: Tracker, product: Product) -> shipping.Reach | None:
    """The refusal when the buyer's country is known and ``product`` cannot be sent there."""
    country = buyer_country(session, tracker)
    if country is None:
        return None
    reach = shipping.can_reach(product, country)
    return None if reach.ok else reach


def split_cart(
    session: Session, tracker: Tracker, quote: Quote, language: str, key: str = "cart_split"
) -> tuple[str, list[dict[str, str]]] | None:
    """A cart with goods from two countries that cannot send parcels to each other (India and
    Pakistan): the sentence ``key`` naming each side's items and a remove button per item,
    unless the buyer is known to be somewhere both can reach (a buyer in the UK orders both).
    None for any other cart."""
    sides: dict[str, list[tuple[str, str]]] = {}
    for line in quote.lines:
        origin = line.product.jail.country.upper()
        sides.setdefault(origin, []).append(
            (line.product.sku, display_name(line.product, language))
        )
    pair = next(
        (
            (a, b)
            for a in sorted(sides)
            for b in sorted(sides)
            if a < b and shipping.never_between(a, b)
        ),
        None,
    )
    if pair is None:
        return None
    where = buyer_country(session, tracker) or buyer_country_code(tracker)
    if where and all(shipping.can_reach(q.product, where).ok for q in quote.lines):
        return None
    a, b = sorted(pair, key=lambda code: code != "IN")  # India first, as the jails are listed
    text = t(
        key, language,
        items_a=", ".join(name for _, name in sides[a]), country_a=shipping.country_name(a, language),
        items_b=", ".join(name for _, name in sides[b]), country_b=shipping.country_name(b, language),
    )  # fmt: skip
    buttons = [
        button(t("remove_button", language, sku=sku), "remove_from_cart", product=sku)
        for side in (a, b)
        for sku, _ in sides[side]
    ]
    return text, buttons
