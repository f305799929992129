"""A buyer's own orders: status by number, cancellation before shipping. Authorized by sender."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import db
from actions.asked import about_arrival, about_returns
from actions.catalog import listed_pick, show_product
from actions.common import amount, display_name, entity, lang, status_name
from actions.form_words import checkout_instead
from actions.texts import button, t
from catalog import customers, orders, payments, products, shipping
from catalog.db import transaction
from catalog.errors import InvalidTransition, NotFound
from catalog.models import Order, OrderStatus
from catalog.refs import is_bare, parse_ref, ref


def status_text(order: Order, language: str) -> str:
    """ "Order KG-0003: shipped, ₹2,480; tracking number EE123456789IN" (the number staff gave
    with /ship, when there is one)."""
    line = t(
        "order_line",
        language,
        id=ref(order.id),
        status=status_name(order.status, language),
        total=amount(payments.amount_due(order), order.currency),  # goods and shipping
    )
    if order.tracking and order.status != OrderStatus.CANCELLED:
        line = t("with_tracking", language, line=line, tracking=order.tracking)
    return line


def items(order: Order, language: str) -> str:
    """An order's lines, one a line: "\n1 x Peshawari Chappal (size 9)"."""
    return "".join(
        f"\n{line.quantity} x {display_name(line.product, language)}" for line in order.lines
    )


def order_number(tracker: Tracker) -> int | None:
    """The order number the buyer gave: a reference (KG-1042, kg 42, #42, 42: see
    catalog.refs.parse_ref), else the ASCII digits in what was extracted ("no. 42"; ids past
    the database's integers are simply not found); None without any, or with more digits
    than a message would hold."""
    value = entity(tracker, "order_id") or typed_ref(tracker) or ""
    found = parse_ref(value)
    if found is not None:
        return found
    digits = "".join(ch for ch in value if "0" <= ch <= "9")
    return int(digits) if digits and len(digits) <= 30 else None


TYPED_REF = re.compile(r"(?i)(?<![a-z])KG\s*[-‐‑–—#]?\s*\d{1,12}(?!\d)")


def typed_ref(tracker: Tracker) -> str | None:
    """A reference typed in the message ("KG-0006 cancel karo") that the NLU did not extract:
    only with its KG prefix, so a number is never taken for an order on its own."""
    found = TYPED_REF.search(tracker.latest_message.get("text") or "")
    return found.group() if found else None


def typed_bare(tracker: Tracker) -> bool:
    """The buyer typed a plain number ("order 2"), which may be a quantity; a reference
    ("KG-0002", "#2", the zero-padded "0002") never is."""
    value = (entity(tracker, "order_id") or typed_ref(tracker) or "").strip()
    if is_bare(value):
        return not value.startswith("0")
    return parse_ref(value) is None and not re.search(r"(?i)kg|#", value)  # "no. 2": as before


def not_found(
    dispatcher: CollectingDispatcher, session: Session, tracker: Tracker, number: int, language: str
) -> None:
    """No such order; if a product is being looked at, "order 2" may have meant two of it
    (only a bare small number: "order KG-0002" names an order, never a quantity)."""
    sku = tracker.get_slot("current_sku")
    try:
        bare = typed_bare(tracker) and number <= 99
        product = products.get(session, sku) if sku and bare else None
    except NotFound:
        product = None
    if product is None or not product.active:
        dispatcher.utter_message(text=t("no_such_order", language, id=ref(number)))
        return
    name = display_name(product, language)
    dispatcher.utter_message(
        text=t("no_such_order", language, id=ref(number))
        + " "
        + t("meant_quantity", language, n=number, name=name),
        buttons=[
            button(t("add_button", language, n=number), "add_to_cart", product=sku, quantity=number)
        ],
    )


class ActionOrderStatus(Action):
    """The status of one of the buyer's orders, or their latest orders."""

    def name(self) -> str:
        return "action_order_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        picked = listed_pick(tracker)  # "order 2" right after a list: its second product
        if picked is not None:
            return show_product(dispatcher, tracker, picked)
        language, number = lang(tracker), order_number(tracker)
        with db.reading() as session:
            customer = customers.find(session, tracker.sender_id)
            if number is not None:
                try:
                    if customer is None:
                        raise NotFound(str(number))
                    order = orders.get_order(session, number, customer=customer)
                except NotFound:
                    not_found(dispatcher, session, tracker, number, language)
                    return [SlotSet("order_id", None)]
                text = status_text(order, language) + items(order, language)
                if about_arrival(tracker):
                    text += "\n" + arrival(order, language)
                dispatcher.utter_message(text=text)
                return []
            mine = orders.for_customer(session, customer) if customer else []
            if not mine:
                said = [t("no_orders", language)]
                if about_arrival(tracker):  # "when will it come" before any order
                    said.append(t("delivery_times", language))
                dispatcher.utter_message(text="\n".join(said))
                return []
            lines = [status_text(o, language) for o in mine]
            if about_arrival(tracker):
                lines += [arrival(o, language) for o in mine if o.status != OrderStatus.CANCELLED]
            text = "\n".join(lines)
        dispatcher.utter_message(text=text)
        return []


def arrival(order: Order, language: str) -> str:
    """When an order should arrive: "KG-0042 should arrive about 5-8 days after it ships
    (Pakistan)", from where the jail is and where it goes; or that it has."""
    if order.status == OrderStatus.DELIVERED:
        return t("delivery_arrived", language, id=ref(order.id))
    dest = shipping.country_code(order.ship_country) or order.jail.country
    days = shipping.delivery_days(order.jail.country, dest)
    country = shipping.country_name(dest, language)
    return t("delivery_estimate", language, id=ref(order.id), days=days, country=country)


SENT = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


def shipped(dispatcher: CollectingDispatcher, order: Order, language: str) -> None:
    """It has shipped: it cannot be cancelled, and a person can help if something is wrong."""
    dispatcher.utter_message(
        text=t("cancel_shipped", language, id=ref(order.id)),
        buttons=[button(t("person_button", language), "human_handoff")],
    )


class ActionCancelOrder(Action):
    """Cancel one of the buyer's orders before it ships: asking which when no number is given,
    then "Cancel order KG-0042 (...)? Yes / No"; only a yes to that question cancels (the
    order waits in ``cancel_pending``; rules send the answer back here)."""

    def name(self) -> str:
        return "action_cancel_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        ordering = checkout_instead(tracker)
        if ordering is not None:  # "میں آرڈر کرنا چاہتا ہوں" with a cart, read as a cancel
            return ordering
        answer = (tracker.latest_message.get("intent") or {}).get("name")
        pending = parse_ref(tracker.get_slot("cancel_pending") or "")
        picked = listed_pick(tracker) if pending is None else None
        if picked is not None:  # "dusra wala dikhao" right after a list, read as a cancel
            return show_product(dispatcher, tracker, picked)
        if pending is None and about_returns(tracker) and order_number(tracker) is None:
            # "can I return it?", "return karna hai": the returns policy, not "which order?"
            dispatcher.utter_message(response="utter_returns_policy")
            return [SlotSet("cancel_pending", None)]
        if answer in ("affirm", "deny") and pending is not None:
            if answer == "deny":
                dispatcher.utter_message(text=t("cancel_kept", language, id=ref(pending)))
            else:
                self.cancel(dispatcher, tracker, pending, language)
            return [SlotSet("cancel_pending", None)]
        number = None if answer in ("affirm", "deny") else order_number(tracker)
        if number is None:
            with db.reading() as session:
                customer = customers.find(session, tracker.sender_id)
                mine = orders.for_customer(session, customer) if customer else []
                open_ = [o for o in mine if OrderStatus.CANCELLED in orders.TRANSITIONS[o.status]]
                buttons = [button(ref(o.id), "cancel_order", order_id=ref(o.id)) for o in open_]
                sent = [o for o in mine if o.status in SENT]
                if not open_ and sent:  # "you have no order" would deny the one on its way
                    shipped(dispatcher, sent[0], language)
                    return [SlotSet("cancel_pending", None)]
                if not open_ and mine:  # the latest is cancelled already (or past cancelling)
                    self.cancellable(dispatcher, session, tracker, mine[0].id, language)
                    return [SlotSet("cancel_pending", None)]
            if len(open_) == 1 and answer not in ("affirm", "deny"):
                number = open_[0].id  # the one order: "cancel it?", not "which order?" (F9)
            else:
                dispatcher.utter_message(
                    text=t("which_order" if open_ else "no_orders", language), buttons=buttons
                )
                return [SlotSet("cancel_pending", None)]
        with db.reading() as session:
            order = self.cancellable(dispatcher, session, tracker, number, language)
            if order is None:
                return [SlotSet("order_id", None), SlotSet("cancel_pending", None)]
            items = ", ".join(f"{display_name(ln.product, language)} x{ln.quantity}" for ln in order.lines)
            total = amount(payments.amount_due(order), order.currency)
            dispatcher.utter_message(
                text=t("cancel_confirm", language, id=ref(order.id), items=items, total=total),
                buttons=[button(t("yes_button", language), "affirm"), button(t("no_button", language), "deny")],
            )  # fmt: skip
        return [SlotSet("cancel_pending", ref(number))]

    @staticmethod
    def cancellable(
        dispatcher: CollectingDispatcher, session: Session, tracker: Tracker, number: int, language: str
    ) -> Order | None:
        """The sender's order ``number`` if it can still be cancelled; else why not, said."""
        customer = customers.find(session, tracker.sender_id)
        try:
            if customer is None:
                raise NotFound(str(number))
            order = orders.get_order(session, number, customer=customer)
        except NotFound:
            dispatcher.utter_message(text=t("no_such_order", language, id=ref(number)))
            return None
        if order.status == OrderStatus.CANCELLED:
            dispatcher.utter_message(text=t("already_cancelled", language, id=ref(order.id)))
            return None
        if order.status in SENT:
            shipped(dispatcher, order, language)
            return None
        if OrderStatus.CANCELLED not in orders.TRANSITIONS[order.status]:
            status = status_name(order.status, language)
            dispatcher.utter_message(text=t("cannot_cancel", language, id=ref(order.id), status=status))
            return None
        return order

    def cancel(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, number: int, language: str
    ) -> None:
        """The buyer said yes: cancel it, if it still can be."""
        with transaction(db.factory()) as session:
            order = self.cancellable(dispatcher, session, tracker, number, language)
            if order is None:
                return
            try:
                orders.cancel(
                    session, order, reason=orders.BUYER_CANCEL_REASON,
                    actor=f"customer:{order.customer_id}", channel="chat",
                )  # fmt: skip
            except InvalidTransition:
                status = status_name(order.status, language)
                dispatcher.utter_message(text=t("cannot_cancel", language, id=ref(order.id), status=status))
                return
        dispatcher.utter_message(text=t("cancelled", language, id=ref(number)))
