"""The size or colour question: the sizes as the buyer reads them and a button for each in
stock (used by the cart, and by browsing when a buyer types a product code)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    display_name,
    is_payload,
    variant_label,
    variant_price,
    variant_question,
    variant_value,
)
from actions.texts import button, t
from catalog import variants
from catalog.models import Product


def message(tracker: Tracker) -> str:
    """The buyer's words; "" for a button's payload."""
    return "" if is_payload(tracker) else tracker.latest_message.get("text") or ""


def variant_choices(
    children: list[Product], language: str, qty: int | None
) -> tuple[str, list[dict[str, str]]]:
    """The sizes or colours as the buyer reads them ("7, 8, 9 (only 1 left), 10, 11 (sold
    out)") and one button per one in stock."""
    shown, buttons = [], []
    for child in children:
        if not child.active:
            continue
        value = variant_value(child, language)
        if child.stock <= 0 and child.lead_time_days == 0:
            shown.append(t("variant_sold_out", language, value=value))
            continue
        few = child.lead_time_days == 0 and child.stock <= child.low_stock_threshold
        shown.append(t("variant_left", language, value=value, n=child.stock) if few else value)
        title = variant_label(child, language)
        own = variant_price(child, children)  # "size 9 - Rs 3,600" when sizes differ in price
        buttons.append(
            button(f"{title} - {own}" if own else title, "add_to_cart", product=child.sku,
                   quantity=qty or 1)
        )  # fmt: skip
    return ", ".join(shown), buttons


def ask_variant(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    parent: Product,
    children: list[Product],
    qty: int | None,
    language: str,
    text: str | None = None,
) -> None:
    """ "Which size of Peshawari Chappal? 7, 8, 9 (only 1 left), 10, 11", a button for each
    in stock; or, when the buyer named one we do not have, "We have sizes 7, ... of ...".
    ``text``: the words to read a size from (default: the message)."""
    listed, buttons = variant_choices(children, language, qty)
    colour = variants.kind_of(parent) == variants.COLOUR
    said = message(tracker) if text is None else text
    named = variants.asked(said, bare=variant_question(tracker) is not None)
    named_colour = named is not None and named.lower() in variants.COLOURS.values()
    key = ("no_such_" if named and named_colour == colour else "which_") + (
        "colour" if colour else "size"
    )
    values = {"colours" if colour else "sizes": listed}
    dispatcher.utter_message(
        text=t(key, language, name=display_name(parent, language), **values), buttons=buttons
    )
