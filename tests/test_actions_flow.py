"""Action unit tests: rasa_sdk trackers, the real domain, a seeded database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import (
    ActionAddToCart,
    ActionInform,
    ActionProductDetails,
    ActionRemoveFromCart,
    ActionViewCart,
)
from actions.checkout import (
    ActionOrderSummary,
    ActionPlaceOrder,
    ActionStartCheckout,
    ValidateCheckoutForm,
    plausible_phone,
)
from actions.info import ActionHumanHandoff, ActionShippingInfo
from actions.orders import ActionCancelOrder, ActionOrderStatus
from actions.search import ActionBrowseCatalog, ActionSearchProducts
from catalog import products
from catalog.models import Notification, Order
from catalog.refs import ref
from catalog.staff import add as add_staff
from tests.rasa_support import load_domain, run, tracker

DELIVERY = {
    "buyer_name": "Asha Verma",
    "buyer_phone": "+919876543210",
    "buyer_address": "12 Mall Road, Shimla",
    "buyer_country": "India",
    "buyer_postal_code": "171001",
}


# the turn before: the bot showed a product and asked how many; then the buyer typed a number
ASKED_HOW_MANY = [
    {"event": "user", "text": "1"},
    {"event": "bot", "text": "Kullu Shawl (Wool)\n...\nHow many would you like? Type a number."},
    {"event": "user", "text": "2"},
]


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


def stock_of(sessions: sessionmaker[Session], sku: str) -> int:
    with sessions() as s:
        return products.get(s, sku).stock


async def test_browse_lists_categories_as_buttons(shop) -> None:
    events, msgs = await run(
        ActionBrowseCatalog(), tracker("show catalog", intent="browse_catalog")
    )
    assert events == []
    payloads = [b["payload"] for b in msgs[0]["buttons"]]
    assert '/browse_catalog{"category":"handloom"}' in payloads
    assert all(len(p.encode()) <= 64 for p in payloads)


async def test_search_in_romanized_hindi_pages_results(shop) -> None:
    trk = tracker(
        "kullu shawl dikhao",
        intent="search_product",
        entities={"jail": "Kullu", "product": "shawl"},  # what the model tags
        slots={"language": "hi"},
    )
    events, msgs = await run(ActionSearchProducts(), trk)
    payloads = [b["payload"] for b in msgs[0]["buttons"]]
    assert '/product_details{"product":"KS-101"}' in payloads
    assert msgs[0]["text"] == "यह मिला:"
    assert SlotSet("page", 0) in events


async def test_a_product_we_do_not_make_is_named_and_the_categories_offered(shop) -> None:
    trk = tracker(
        "I want to order a steam iron",
        intent="search_product",
        entities={"product": "steam iron"},
    )
    events, msgs = await run(ActionSearchProducts(), trk)
    assert msgs[0]["text"].startswith("We don't have steam iron.")
    payloads = [b["payload"] for b in msgs[0]["buttons"]]
    assert '/browse_catalog{"category":"handloom"}' in payloads
    assert SlotSet("page", 0) in events


async def test_keys_struck_at_random_are_not_named_back(shop) -> None:
    trk = tracker("asdkjh qwpoe", intent="search_product", entities={"product": "asdkjh qwpoe"})
    _, msgs = await run(ActionSearchProducts(), trk)
    assert msgs[0]["text"].startswith("I found nothing for that.")
    assert '/browse_catalog{"category":"handloom"}' in [b["payload"] for b in msgs[0]["buttons"]]


async def test_details_show_provenance_marks_and_no_person(shop) -> None:
    trk = tracker(
        '/product_details{"product":"KS-101"}',
        intent="product_details",
        entities={"product": "KS-101"},
    )
    events, msgs = await run(ActionProductDetails(), trk)
    text = msgs[0]["text"]
    assert "Made at Model Central Jail Kanda, Shimla, under Himkara" in text
    assert "Handloom Mark" in text and "₹2,400" in text
    assert events == [SlotSet("current_sku", "KS-101")]
    assert msgs[0]["buttons"][0]["payload"] == '/add_to_cart{"product":"KS-101","quantity":"1"}'


async def test_a_bare_number_adds_the_product_being_viewed(shop) -> None:
    trk = tracker("2", intent="inform", slots={"current_sku": "KS-101"}, events=ASKED_HOW_MANY)
    events, msgs = await run(ActionInform(), trk)
    assert SlotSet("cart", ["KS-101:2"]) in events
    assert msgs[0]["text"] == "Added 2 x Kullu Shawl (Wool) to your cart. Cart total: ₹4,800."


async def test_a_quantity_said_while_searching_is_offered_on_the_product(shop) -> None:
    trk = tracker(
        '/product_details{"product":"KS-101"}',
        intent="product_details",
        entities={"product": "KS-101"},
        slots={"quantity": "2"},  # from "mujhe 2 kullu shawl chahiye"
    )
    _, msgs = await run(ActionProductDetails(), trk)
    assert msgs[0]["buttons"][0]["title"] == "Add 2 to cart"
    assert msgs[0]["buttons"][0]["payload"] == '/add_to_cart{"product":"KS-101","quantity":"2"}'


@pytest.mark.parametrize(
    ("text", "said", "kept"),
    [("mujhe 2 kullu shawl chahiye", "2", True), ("do you have shawls", "do", False)],
)
async def test_a_search_keeps_a_quantity_but_not_the_english_do(shop, text, said, kept) -> None:
    trk = tracker(text, intent="search_product", slots={"quantity": "2"})
    start = text.index(said)
    trk.latest_message["entities"] = [
        {"entity": "quantity", "value": "2", "start": start, "end": start + len(said)}
    ]
    events, _ = await run(ActionSearchProducts(), trk)
    assert (SlotSet("quantity", None) not in events) is kept


async def test_order_2_on_a_product_offers_two_of_it_when_no_such_order(shop) -> None:
    trk = tracker(
        "order 2", intent="order_status", entities={"order_id": "2"},
        slots={"current_sku": "KS-101"},
    )  # fmt: skip
    _, msgs = await run(ActionOrderStatus(), trk)
    assert msgs[0]["text"].startswith("I found no order KG-0002 of yours. Did you mean 2 x Kullu")
    assert msgs[0]["buttons"][0]["payload"] == '/add_to_cart{"product":"KS-101","quantity":"2"}'


async def test_quantity_is_kept_within_stock(shop) -> None:
    stock = stock_of(shop, "KS-101")
    trk = tracker(
        "add", intent="add_to_cart", entities={"product": "KS-101", "quantity": str(stock + 1)}
    )
    events, msgs = await run(ActionAddToCart(), trk)
    assert msgs[0]["text"].startswith(f"Only {stock} of Kullu Shawl (Wool) available")
    assert not any(e.get("name") == "cart" for e in events)


async def test_out_of_stock_is_said_clearly(shop) -> None:
    from catalog.db import transaction
    from catalog.stock import set_stock

    with transaction(shop) as s:
        set_stock(s, "KS-102", 0, reason="test", actor="test")
    trk = tracker("add", intent="add_to_cart", entities={"product": "KS-102", "quantity": "1"})
    _, msgs = await run(ActionAddToCart(), trk)
    assert msgs[0]["text"] == "Sorry, Kullu Shawl (Pashmina blend) is sold out right now."


async def test_view_and_remove(shop) -> None:
    cart = {"cart": ["KS-101:2", "KS-201:1"]}
    _, msgs = await run(ActionViewCart(), tracker("cart", intent="view_cart", slots=cart))
    assert "Total: ₹5,750" in msgs[0]["text"]
    trk = tracker("remove", intent="remove_from_cart", entities={"product": "KS-201"}, slots=cart)
    events, _ = await run(ActionRemoveFromCart(), trk)
    assert events == [SlotSet("cart", ["KS-101:2"])]


async def test_checkout_needs_a_cart(shop) -> None:
    events, _ = await run(ActionStartCheckout(), tracker("checkout", intent="checkout"))
    assert events == [SlotSet("cart_ready", False)]
    events, _ = await run(
        ActionStartCheckout(), tracker("checkout", intent="checkout", slots={"cart": ["KS-101:1"]})
    )
    assert events[0] == SlotSet("cart_ready", True) and events[1]["name"] == "checkout_id"


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("buyer_phone", "98765 43210", "+919876543210"),
        ("buyer_phone", "12345", None),
        ("buyer_postal_code", "171001", "171001"),
        ("buyer_postal_code", "17100", None),
        ("buyer_postal_code", "071001", None),
        ("buyer_country", "bharat", "India"),
        ("buyer_name", "1234", None),
    ],
)
async def test_form_validation(shop, slot: str, value: str, expected: str | None) -> None:
    slots = {"requested_slot": slot, slot: value, "buyer_country": "India"}
    events = [{"event": "user", "text": value}, SlotSet(slot, value)]
    trk = tracker(value, slots=slots, active_loop="checkout_form", events=events)
    dispatcher_events, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet(slot, expected) in dispatcher_events
    assert bool(msgs) == (expected is None)


def test_phone_numbers() -> None:
    assert plausible_phone("+44 7700 900123") == "+447700900123"
    assert plausible_phone("0091 98765-43210") == "+919876543210"
    assert plausible_phone("55555") is None


async def test_summary_shows_total_and_abroad_currency(shop) -> None:
    from catalog.db import transaction
    from catalog.money import set_rate

    with transaction(shop) as s:
        set_rate(s, "INR", "GBP", "0.0094")
    slots = {
        **DELIVERY,
        "buyer_country": "UK",
        "buyer_postal_code": "SW1A 1AA",
        "cart": ["KS-101:2"],
    }
    _, msgs = await run(ActionOrderSummary(), tracker("", slots=slots))
    assert "2 x Kullu Shawl (Wool): ₹4,800\nShipping to United Kingdom: ₹1,500" in msgs[0]["text"]
    assert "Total: ₹6,300 (about £59.22)" in msgs[0]["text"]  # the shipping abroad included
    assert [b["payload"] for b in msgs[0]["buttons"]] == ["/affirm", "/change_details", "/deny"]


async def test_place_order_once_even_when_retried(shop) -> None:
    before = stock_of(shop, "KS-101")
    slots = {**DELIVERY, "cart": ["KS-101:2"], "checkout_id": "c1"}
    events, msgs = await run(ActionPlaceOrder(), tracker("yes", intent="affirm", slots=slots))
    again, msgs2 = await run(ActionPlaceOrder(), tracker("yes", intent="affirm", slots=slots))
    assert stock_of(shop, "KS-101") == before - 2
    with shop() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 1
        order_id = s.scalar(select(Order.id))
        assert s.scalar(select(Order.shipping_minor)) == 8_000  # ₹80 within India, kept
    assert (
        msgs[0]["text"]
        == msgs2[0]["text"]
        == (
            f"Thank you! Order {ref(order_id)} is placed. Total ₹4,880. We will tell you when it ships."
        )
    )
    assert SlotSet("cart", []) in events and events == again


async def test_orders_are_visible_and_cancellable_by_their_buyer_only(shop) -> None:
    slots = {**DELIVERY, "cart": ["KS-101:1"], "checkout_id": "c2"}
    await run(ActionPlaceOrder(), tracker("yes", intent="affirm", slots=slots, sender="buyer-1"))
    with shop() as s:
        order_id = s.scalar(select(Order.id))
    forged = tracker(f'/order_status{{"order_id":"{order_id}"}}', intent="order_status",
                     entities={"order_id": str(order_id)}, sender="someone-else")  # fmt: skip
    _, msgs = await run(ActionOrderStatus(), forged)
    assert msgs[0]["text"] == f"I found no order {ref(order_id)} of yours."
    _, msgs = await run(ActionCancelOrder(), forged)
    assert msgs[0]["text"] == f"I found no order {ref(order_id)} of yours."
    mine = tracker("status", intent="order_status", entities={"order_id": str(order_id)})
    _, msgs = await run(ActionOrderStatus(), mine)
    # ₹2,400 and ₹80 shipping in India; the order's lines under it
    assert msgs[0]["text"] == f"Order {ref(order_id)}: placed, ₹2,480\n1 x Kullu Shawl (Wool)"
    before = stock_of(shop, "KS-101")
    _, msgs = await run(ActionCancelOrder(), mine)
    assert msgs[0]["text"].startswith(f"Cancel order {ref(order_id)} (")  # asked first
    yes = tracker("yes", intent="affirm", slots={"cancel_pending": ref(order_id)})
    _, msgs = await run(ActionCancelOrder(), yes)
    assert msgs[0]["text"] == f"Order {ref(order_id)} is cancelled. Any payment will be refunded."
    assert stock_of(shop, "KS-101") == before + 1
    _, msgs = await run(ActionCancelOrder(), mine)
    assert msgs[0]["text"] == f"Order {ref(order_id)} was already cancelled."


@pytest.mark.parametrize("typed", ["KG-{padded}", "kg {id}", "#{id}", "Kg{id}", "{id}"])
async def test_a_buyer_names_an_order_by_its_reference_in_any_form(shop, typed: str) -> None:
    slots = {**DELIVERY, "cart": ["KS-101:1"], "checkout_id": "c-ref"}
    _, placed = await run(ActionPlaceOrder(), tracker("yes", intent="affirm", slots=slots))
    with shop() as s:
        order_id = s.scalar(select(Order.id))
    assert ref(order_id) in placed[0]["text"]  # the thank-you names the reference
    value = typed.format(id=order_id, padded=f"{order_id:04d}")
    asked = tracker(f"status {value}", intent="order_status", entities={"order_id": value})
    _, msgs = await run(ActionOrderStatus(), asked)
    assert msgs[0]["text"] == f"Order KG-{order_id:04d}: placed, ₹2,480\n1 x Kullu Shawl (Wool)"
    events, msgs = await run(ActionCancelOrder(), asked)
    assert msgs[0]["text"].startswith(f"Cancel order KG-{order_id:04d} (Kullu Shawl (Wool) x1, ")
    assert events == [SlotSet("cancel_pending", f"KG-{order_id:04d}")]


@pytest.mark.parametrize("typed", ["KG-0002", "kg 2", "#2", "0002"])
async def test_a_reference_on_a_product_is_never_read_as_a_quantity(shop, typed: str) -> None:
    trk = tracker(
        f"order {typed}", intent="order_status", entities={"order_id": typed},
        slots={"current_sku": "KS-101"},
    )  # fmt: skip
    _, msgs = await run(ActionOrderStatus(), trk)
    assert msgs[0]["text"] == "I found no order KG-0002 of yours."
    assert not msgs[0].get("buttons")


async def test_shipping_abroad_in_the_buyers_currency(shop) -> None:
    from catalog.db import transaction
    from catalog.money import set_rate

    with transaction(shop) as s:
        set_rate(s, "INR", "GBP", "0.0094")
    events, msgs = await run(
        ActionShippingInfo(),
        tracker("ship to uk?", intent="shipping_info", entities={"country": "UK"}),
    )
    assert "Abroad (UK): ₹1,500 (about £14.10) per parcel" in msgs[0]["text"]  # both, never £ alone
    assert events == [SlotSet("currency", "GBP")]


async def test_handoff_goes_to_staff_through_the_outbox(shop) -> None:
    from catalog.db import transaction

    with transaction(shop) as s:
        add_staff(s, "telegram", "111", role="admin", jail_code=None)
    _, msgs = await run(
        ActionHumanHandoff(),
        tracker("I want to talk to someone about a bulk order", intent="human_handoff"),
    )
    assert msgs[0]["custom"]["text"].startswith("I have passed your message")
    assert msgs[0]["custom"]["handoff"] is True  # the web app opens the relay window
    with shop() as s:
        note = s.scalars(select(Notification).where(Notification.kind == "handoff")).one()
    assert note.text.endswith(
        "asks for a person: I want to talk to someone about a bulk order "
        f"Answer with /reply #{note.text.split('#')[1].split()[0]} your message"
    )


def test_domain_has_every_action_the_server_serves() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = load_domain()
    declared = set(domain["actions"])
    assert set(executor.actions) - {"action_listen"} <= declared | {"validate_checkout_form"}
    assert "checkout_form" in domain["forms"]
