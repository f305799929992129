"""Two buyers, one last unit: the one whose order came second is told in words, has the cart
put right and gets what they can have instead (another size or colour, or similar goods in
stock that can reach them), never "KS-102: only 0 left, 1 wanted"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.cart import cart_slot
from actions.catalog import listed_title
from actions.common import buyer_currency, name_and_code
from actions.reach import buyer_country
from actions.sizes import variant_choices
from actions.texts import button, t
from catalog import search, skus, variants
from catalog.errors import NotFound, OutOfStock
from catalog.models import Product
from catalog.orders import CartLine

SIMILAR = 3  # products offered instead of one just sold


def in_stock(product: Product) -> bool:
    return product.active and (product.stock > 0 or product.lead_time_days > 0)


def similar(session: Session, product: Product, country: str | None) -> list[Product]:
    """Up to SIMILAR products like ``product`` (its name's words, else its category) that are
    in stock and can reach ``country``; never the product itself."""
    base = product.parent or product
    filters = search.SearchFilters(in_stock=True, ship_to=country)
    found = search.search(session, base.name, filters, limit=SIMILAR + 1).products
    if len(found) <= 1:
        more = search.search(
            session, "", search.SearchFilters(category=base.category, in_stock=True,
                                              ship_to=country), limit=SIMILAR + 1,
        ).products  # fmt: skip
        found += [p for p in more if p.id not in {f.id for f in found}]
    return [p for p in found if p.id != base.id][:SIMILAR]


def lost_race(
    dispatcher: CollectingDispatcher,
    session: Session,
    tracker: Tracker,
    lines: list[CartLine],
    exc: OutOfStock,
    language: str,
) -> list[dict[str, Any]]:
    """The order could not take ``exc.sku``'s units (another buyer was faster): say so, set
    its cart line to what is left (none: out of the cart), offer the other sizes in stock or
    similar products, and a Checkout button while the cart holds anything. Nothing was
    ordered (placing is all or nothing). Returns the cart's new slot."""
    try:
        product = skus.get(session, exc.sku)
    except NotFound:
        product = None
    if product is None:  # gone from the catalog meanwhile: the plain reason, cart as it was
        dispatcher.utter_message(text=t("place_failed", language, reason=str(exc)))
        return []
    left = max(exc.available, 0)
    kept = [
        CartLine(line.sku, min(line.quantity, left), line.variant)
        if skus.normalize_sku(line.sku) == product.sku else line
        for line in lines
    ]  # fmt: skip
    kept = [line for line in kept if line.quantity > 0]
    name = name_and_code(product, language)  # "Kullu Shawl (Pashmina blend, KS-102)"
    said = [
        t("just_sold", language, name=name)
        if left == 0
        else t("just_sold_some", language, name=name, n=left)
    ]
    if not kept:
        said.append(t("sold_cart_empty", language))
    else:
        said.append(t("sold_removed" if left == 0 else "sold_reduced", language, n=left))
    buttons = alternatives(session, tracker, product, language, said)
    if kept:
        buttons.append(button(t("checkout_button", language), "checkout"))
    dispatcher.utter_message(text="\n".join(said), buttons=buttons)
    return [cart_slot(kept)]


def alternatives(
    session: Session, tracker: Tracker, product: Product, language: str, said: list[str]
) -> list[dict[str, str]]:
    """The other sizes or colours in stock ("Sizes still in stock: 7, 10"), else similar
    products in stock that can reach the buyer: a line in ``said`` and a button each."""
    parent = product.parent
    if parent is not None:
        others = [c for c in variants.of(session, parent) if c.id != product.id and in_stock(c)]
        if others:
            listed, buttons = variant_choices(others, language, 1)
            colour = variants.kind_of(parent) == variants.COLOUR
            key, values = ("colours", listed) if colour else ("sizes", listed)
            said.append(t(f"{key}_in_stock", language, **{key: values}))
            return buttons
    found = similar(session, product, buyer_country(session, tracker))
    if not found:
        return [button(t("browse_button", language), "browse_catalog")]
    said.append(t("similar_in_stock", language))
    currency = buyer_currency(tracker)
    return [
        button(listed_title(session, p, language, currency), "product_details", product=p.sku)
        for p in found
    ]
