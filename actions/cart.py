"""The cart, kept in a slot as "SKU:quantity" strings: add, view, remove."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import db
from actions.catalog import find_product, list_products
from actions.common import asked_how_many, display_name, entity, is_payload, lang, quantity
from actions.quantity import new_quantity
from actions.reach import refusal_text, unreachable
from actions.texts import button, t
from catalog import money, orders
from catalog.orders import CartLine


def read_cart(tracker: Tracker) -> list[CartLine]:
    """The cart slot as lines; malformed entries (the slot is client-visible) are dropped."""
    lines = []
    for item in tracker.get_slot("cart") or []:
        sku, _, qty = str(item).partition(":")
        if qty.isdecimal() and len(qty) <= 4 and int(qty) > 0:
            lines.append(CartLine(sku, int(qty)))
    return orders.merge(lines)


def say_cart_empty(dispatcher: CollectingDispatcher, language: str) -> None:
    dispatcher.utter_message(
        text=t("cart_empty", language),
        buttons=[button(t("browse_button", language), "browse_catalog")],
    )


def cart_slot(lines: list[CartLine]) -> SlotSet:
    return SlotSet("cart", [f"{line.sku}:{line.quantity}" for line in lines if line.quantity > 0])


def totals_text(totals: dict[str, int]) -> str:
    return " + ".join(money.fmt(v, c) for c, v in sorted(totals.items())) or money.fmt(0, "INR")


def add(dispatcher: CollectingDispatcher, tracker: Tracker, ref: str | None, qty: int | None):  # type: ignore[no-untyped-def]
    """Add ``qty`` of a product, keeping the cart within the stock."""
    language = lang(tracker)
    ref = ref or tracker.get_slot("current_sku")
    with db.factory()() as session:
        product = find_product(session, ref)
        if product is None or not product.active:
            dispatcher.utter_message(text=t("which_product", language))
            return []
        name, sku = display_name(product, language), product.sku
        refused = unreachable(session, tracker, product)
        if refused is not None:  # it could never be delivered to the buyer: not orderable
            dispatcher.utter_message(
                text=refusal_text(refused, language),
                buttons=[button(t("browse_button", language), "browse_catalog")],
            )
            return []
        if qty is None:
            dispatcher.utter_message(text=t("how_many", language))
            return [SlotSet("current_sku", sku)]
        if qty < 1:
            dispatcher.utter_message(text=t("bad_quantity", language))
            return [SlotSet("current_sku", sku)]
        lines = read_cart(tracker)
        have = sum(line.quantity for line in lines if line.sku == sku)
        setting = have > 0 and new_quantity(tracker) == qty  # "make it 2": 2, not 2 more
        if setting:
            lines, have = [line for line in lines if line.sku != sku], 0
        limit = product.stock if product.lead_time_days == 0 else orders.MAX_LINE_QUANTITY
        if limit == 0:
            dispatcher.utter_message(
                text=t("out_of_stock", language, name=name),
                buttons=[
                    button(
                        t("browse_button", language), "browse_catalog", category=product.category
                    )
                ],
            )
            return [SlotSet("current_sku", sku)]
        if have + qty > limit:
            dispatcher.utter_message(text=t("too_many", language, n=limit - have, name=name))
            return [SlotSet("current_sku", sku)]
        lines = orders.merge([*lines, CartLine(sku, qty)])
        total = totals_text(orders.quote(session, lines).totals)
    dispatcher.utter_message(
        text=t("quantity_set" if setting else "added", language, qty=qty, name=name, total=total),
        buttons=[
            button(t("checkout_button", language), "checkout"),
            button(t("browse_button", language), "browse_catalog"),
        ],
    )
    return [cart_slot(lines), SlotSet("current_sku", sku), SlotSet("quantity", None)]


class ActionAddToCart(Action):
    """Add the product named (or being looked at) in the quantity given, or ask how many."""

    def name(self) -> str:
        return "action_add_to_cart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        return add(
            dispatcher, tracker, entity(tracker, "product"), quantity(tracker) or new_quantity(tracker)
        )


class ActionInform(Action):
    """A bare answer: a number adds the product being looked at; words search."""

    def name(self) -> str:
        return "action_inform"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        qty, setting = quantity(tracker), new_quantity(tracker)
        if setting is not None or (qty is not None and tracker.get_slot("current_sku") and asked_how_many(tracker)):
            qty = setting if setting is not None else qty
            return add(dispatcher, tracker, None, qty)
        if qty is not None and entity(tracker, "product") is None:  # a number, but no question
            dispatcher.utter_message(text=t("which_product", lang(tracker)))
            return []
        text = "" if is_payload(tracker) else tracker.latest_message.get("text") or ""
        return list_products(dispatcher, tracker, entity(tracker, "product") or text, 0)


class ActionViewCart(Action):
    """The cart's lines, total and what to do next."""

    def name(self) -> str:
        return "action_view_cart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        lines = read_cart(tracker)
        if not lines:
            say_cart_empty(dispatcher, language)
            return []
        with db.factory()() as session:
            quote = orders.quote(session, lines)
            rows = [
                f"{q.quantity} x {display_name(q.product, language)} ({q.product.sku}): "
                f"{money.fmt(q.subtotal_minor, q.product.currency)}"
                for q in quote.lines
            ]
            skus = [q.product.sku for q in quote.lines]
        text = "\n".join(
            [t("cart", language), *rows, t("total", language, total=totals_text(quote.totals))]
        )
        buttons = [button(t("checkout_button", language), "checkout")]
        buttons += [
            button(t("remove_button", language, sku=s), "remove_from_cart", product=s) for s in skus
        ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionRemoveFromCart(Action):
    """Take a product (or some of it) out of the cart."""

    def name(self) -> str:
        return "action_remove_from_cart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        lines = read_cart(tracker)
        ref = entity(tracker, "product") or tracker.get_slot("current_sku")
        with db.factory()() as session:
            product = find_product(session, ref)
            in_cart = {line.sku for line in lines}
            if product is None or product.sku not in in_cart:
                # "remove the shawl": match the words against what is in the cart
                product = None
                for line in lines:
                    candidate = find_product(session, line.sku)
                    if ref and candidate is not None and ref.lower() in candidate.name.lower():
                        product = candidate
                        break
            if product is None:
                dispatcher.utter_message(text=t("not_in_cart", language))
                return []
            name, sku = display_name(product, language), product.sku
        qty = quantity(tracker) if entity(tracker, "quantity") else None
        kept = []
        for line in lines:
            if line.sku == sku:
                line = CartLine(sku, line.quantity - qty) if qty else CartLine(sku, 0)
            kept.append(line)
        dispatcher.utter_message(
            text=t("removed", language, name=name),
            buttons=[
                button(t("checkout_button", language), "checkout"),
                button(t("browse_button", language), "browse_catalog"),
            ],
        )
        return [cart_slot(kept)]
