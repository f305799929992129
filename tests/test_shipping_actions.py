"""What can reach the buyer, through the actions (rasa_sdk trackers, the real domain, a seeded
database): a product that could never be delivered is not orderable and the bot says why; a
delivery country the cart cannot go to stops the checkout before the summary, nothing taken."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionAddToCart, ActionInform, ActionProductDetails
from actions.catalog import ActionAskPrice
from actions.checkout import ActionOrderSummary, ActionPlaceOrder, ValidateCheckoutForm
from actions.info import ActionShippingInfo
from catalog import customers, products
from catalog.db import transaction
from catalog.models import Order
from tests.rasa_support import run, tracker

DELIVERY = {
    "buyer_name": "Asha Verma",
    "buyer_phone": "+919876543210",
    "buyer_address": "12 Mall Road, Delhi",
    "buyer_country": "India",
    "buyer_postal_code": "110001",
}
REASON = "Parcels between India and Pakistan are suspended, so it cannot be sent to India."


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


def whatsapp_buyer(sessions: sessionmaker[Session], number: str) -> str:
    """The sender id Rasa sees for a WhatsApp buyer with this number."""
    with transaction(sessions) as s:
        return customers.ensure(s, "whatsapp", number, "test-secret").sender_id


def stock_of(sessions: sessionmaker[Session], sku: str) -> int:
    with sessions() as s:
        return products.get(s, sku).stock


def orders_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Order)) or 0


def details(sku: str, sender: str, language: str = "en"):  # type: ignore[no-untyped-def]
    return tracker(
        f'/product_details{{"product":"{sku}"}}', intent="product_details",
        entities={"product": sku}, sender=sender, slots={"language": language},
    )  # fmt: skip


async def test_an_indian_number_sees_peshawar_goods_but_cannot_order_them(shop) -> None:
    sender = whatsapp_buyer(shop, "+919812345678")
    _, msgs = await run(ActionProductDetails(), details("PC-101", sender))
    assert "Made at Central Jail Peshawar" in msgs[0]["text"]
    assert msgs[0]["text"].endswith(
        "Peshawari Chappal is made at Central Jail Peshawar in Pakistan. " + REASON
    )
    assert msgs[0]["buttons"] == []  # no add button
    assert "How many" not in msgs[0]["text"]
    _, msgs = await run(
        ActionAskPrice(), tracker("kitne ka hai", intent="ask_price", sender=sender,
                                  slots={"current_sku": "PC-101"})
    )  # fmt: skip
    assert msgs[0]["buttons"] == [] and REASON in msgs[0]["text"]


async def test_in_hindi_the_reason_is_in_hindi(shop) -> None:
    sender = whatsapp_buyer(shop, "+919812345678")
    _, msgs = await run(ActionProductDetails(), details("PC-101", sender, "hi"))
    assert "भारत और पाकिस्तान के बीच पार्सल बंद हैं" in msgs[0]["text"]
    assert "पेशावरी चप्पल पाकिस्तान की सेंट्रल जेल पेशावर में बना है" in msgs[0]["text"]


async def test_adding_is_refused_with_the_reason_and_the_cart_unchanged(shop) -> None:
    sender = whatsapp_buyer(shop, "+919812345678")
    trk = tracker(
        "add", intent="add_to_cart", entities={"product": "PC-101/9", "quantity": "1"},
        sender=sender, slots={"cart": ["KS-101:1"]},
    )  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert (
        msgs[0]["text"]
        == "Peshawari Chappal (size 9) is made at Central Jail Peshawar in Pakistan. " + REASON
    )
    assert not any(e.get("name") == "cart" for e in events)
    # a bare number while looking at it is refused the same way
    shown = [
        {"event": "user", "text": "PC-101"},
        {"event": "action", "name": "action_product_details"},
        {"event": "bot", "text": "Peshawari Chappal ... " + REASON},
        {"event": "user", "text": "1"},
    ]
    trk = tracker(
        "1", intent="inform", sender=sender, slots={"current_sku": "PC-101"}, events=shown
    )
    events, msgs = await run(ActionInform(), trk)
    assert REASON in msgs[0]["text"] and not any(e.get("name") == "cart" for e in events)


async def test_food_is_not_orderable_from_abroad(shop) -> None:
    sender = whatsapp_buyer(shop, "+447700900123")
    _, msgs = await run(ActionProductDetails(), details("EP-101", sender))
    assert msgs[0]["buttons"] == []
    assert msgs[0]["text"].endswith(
        "Etah Mango Pickle (500 g) is food: District Jail Etah sends food only within India, "
        "so it cannot be sent to United Kingdom."
    )
    _, msgs = await run(ActionProductDetails(), details("KS-101", sender))
    assert msgs[0]["buttons"][0]["payload"] == '/add_to_cart{"product":"KS-101","quantity":"1"}'


async def test_a_pakistani_number_orders_chappals_and_not_kullu_shawls(shop) -> None:
    sender = whatsapp_buyer(shop, "+923001234567")
    events, msgs = await run(
        ActionAddToCart(),
        tracker("add", intent="add_to_cart", entities={"product": "PC-101/9", "quantity": "1"},
                sender=sender),
    )  # fmt: skip
    assert SlotSet("cart", ["PC-101/9:1"]) in events
    _, msgs = await run(ActionProductDetails(), details("KS-101", sender))
    assert msgs[0]["buttons"] == [] and "cannot be sent to Pakistan" in msgs[0]["text"]


async def test_a_buyer_whose_country_is_unknown_may_add_anything(shop) -> None:
    trk = tracker("add", intent="add_to_cart", entities={"product": "PC-101/9", "quantity": "1"},
                  sender="te-unknown")  # fmt: skip
    events, _ = await run(ActionAddToCart(), trk)
    assert SlotSet("cart", ["PC-101/9:1"]) in events


async def test_the_delivery_country_decides_once_the_form_has_it(shop) -> None:
    sender = whatsapp_buyer(shop, "+919812345678")  # an Indian number sending a gift to Lahore
    trk = tracker(
        "add", intent="add_to_cart", entities={"product": "PC-101/9", "quantity": "1"},
        sender=sender, slots={"buyer_country": "Pakistan"},
    )  # fmt: skip
    events, _ = await run(ActionAddToCart(), trk)
    assert SlotSet("cart", ["PC-101/9:1"]) in events


async def validate_country(value: str, cart: list[str], language: str = "en"):  # type: ignore[no-untyped-def]
    slots = {"requested_slot": "buyer_country", "buyer_country": value, "cart": cart,
             "language": language}  # fmt: skip
    events = [{"event": "user", "text": value}, SlotSet("buyer_country", value)]
    trk = tracker(value, slots=slots, active_loop="checkout_form", events=events)
    return await run(ValidateCheckoutForm(), trk)


async def test_a_country_the_cart_cannot_reach_stops_the_checkout_before_the_summary(
    shop,
) -> None:
    before = stock_of(shop, "PC-101")
    events, msgs = await validate_country("India", ["KS-101:1", "PC-101:1"])
    assert SlotSet("buyer_country", None) in events  # asked again; no summary, no order
    [said] = [m["text"] for m in msgs]
    assert said.startswith("Peshawari Chappal is made at Central Jail Peshawar in Pakistan. ")
    assert "Remove it from your cart, or type another country" in said
    assert "Kullu" not in said  # only what cannot go is named
    assert [b["payload"] for b in msgs[0]["buttons"]] == ['/remove_from_cart{"product":"PC-101"}']
    assert (stock_of(shop, "PC-101"), orders_count(shop)) == (before, 0)
    events, msgs = await validate_country("भारत", ["PC-101/9:1"], "hi")
    assert SlotSet("buyer_country", None) in events and "इसे कार्ट से हटाएँ" in msgs[0]["text"]


async def test_food_abroad_stops_the_checkout(shop) -> None:
    events, msgs = await validate_country("United Kingdom", ["EP-101:2"])
    assert SlotSet("buyer_country", None) in events
    assert "sends food only within India, so it cannot be sent to United Kingdom" in msgs[0]["text"]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("United Kingdom", "United Kingdom"), ("uk", "United Kingdom"), ("bharat", "India"),
     ("Pakistan", "Pakistan"), ("Narnia", None), ("12345", None)],
)  # fmt: skip
async def test_a_country_the_cart_can_reach_is_kept_by_its_name(shop, typed, kept) -> None:
    cart = ["PK-101:1"] if typed == "Pakistan" else ["KS-101:1"]
    events, msgs = await validate_country(typed, cart)
    assert SlotSet("buyer_country", kept) in events
    assert bool(msgs) == (kept is None)


async def test_placing_is_refused_and_nothing_is_taken(shop) -> None:
    """Even if a refused cart reaches the confirmation (the cart changed after the form)."""
    before = stock_of(shop, "PC-101")
    slots = {**DELIVERY, "cart": ["PC-101/9:1"], "checkout_id": "c-refused"}
    events, msgs = await run(ActionPlaceOrder(), tracker("yes", intent="affirm", slots=slots))
    assert msgs[0]["text"].startswith("The order could not be placed: Peshawari Chappal")
    assert REASON.rstrip(".") in msgs[0]["text"] and events == []
    assert (stock_of(shop, "PC-101"), orders_count(shop)) == (before, 0)
    _, msgs = await run(ActionOrderSummary(), tracker("", slots=slots))
    assert "Confirm?" not in msgs[0]["text"] and REASON.rstrip(".") in msgs[0]["text"]


async def test_the_summary_adds_each_jails_fee_from_the_data(shop) -> None:
    slots = {**DELIVERY, "buyer_country": "Pakistan", "buyer_address": "5 Mall Road, Lahore",
             "buyer_postal_code": "54000", "cart": ["PK-101:1"]}  # fmt: skip
    _, msgs = await run(ActionOrderSummary(), tracker("", slots=slots))
    assert (
        "1 x Khaddar Kurta: Rs 2,800\nShipping to Pakistan: Rs 250\nTotal: Rs 3,050"
        in (msgs[0]["text"])
    )
    slots = {**DELIVERY, "cart": ["KS-101:1", "EP-101:1"]}  # two jails, two parcels
    _, msgs = await run(ActionOrderSummary(), tracker("", slots=slots))
    text = msgs[0]["text"]
    assert "Shipping to India (Model Central Jail Kanda): ₹80" in text
    assert "Shipping to India (District Jail Etah): ₹80" in text
    assert "Total: ₹2,740" in text  # 2,400 + 180 + 80 + 80


async def test_placed_orders_keep_the_fee_and_the_total_says_it(shop) -> None:
    slots = {**DELIVERY, "buyer_country": "United Kingdom", "buyer_postal_code": "LE2 1AB",
             "cart": ["KS-101:1"], "checkout_id": "c-uk"}  # fmt: skip
    _, msgs = await run(ActionPlaceOrder(), tracker("yes", intent="affirm", slots=slots))
    assert "Total ₹3,900 (about £36.66)." in msgs[0]["text"]  # the pound beside the rupee
    with shop() as s:
        order = s.scalars(select(Order)).one()
        assert (order.ship_country, order.shipping_minor) == ("United Kingdom", 150_000)
    # the jail takes cash on delivery only, not for a parcel abroad: staff arrange the payment
    assert msgs[1]["text"].endswith("our team will contact you here about paying ₹3,900.")


async def test_shipping_info_for_an_indian_number_says_peshawar_cannot_send(shop) -> None:
    sender = whatsapp_buyer(shop, "+919812345678")
    _, msgs = await run(
        ActionShippingInfo(), tracker("shipping?", intent="shipping_info", sender=sender)
    )
    text = msgs[0]["text"]
    assert text.startswith("From jails in India:\nWithin India: ₹80 per parcel; 5-8 days.")
    # a buyer in India reads "Rs" as Indian rupees: Pakistani ones are written PKR
    assert "From jails in Pakistan:\nWithin Pakistan: PKR 250 per parcel; 5-8 days." in text
    assert text.endswith(
        "Nothing can be sent to India: parcels between India and Pakistan are suspended."
    )
    trk = tracker("shipping?", intent="shipping_info", sender=sender,
                  slots={"current_sku": "PC-101"})  # fmt: skip
    _, msgs = await run(ActionShippingInfo(), trk)
    assert "From jails" not in msgs[0]["text"] and "Within Pakistan" in msgs[0]["text"]


@pytest.mark.parametrize(
    ("text", "country"), [("how long to London?", "United Kingdom"), ("dubai tak kitne din", "United Arab Emirates")]
)
async def test_shipping_to_a_city_abroad_names_its_country(shop, text, country) -> None:
    sender = whatsapp_buyer(shop, "+919812345678")  # an Indian number: the city wins
    _, msgs = await run(ActionShippingInfo(), tracker(text, intent="shipping_info", sender=sender))
    said = msgs[0]["text"]
    assert f"Abroad ({country})" in said and "10-20 days" in said, said
    assert "Nothing can be sent to India" not in said, said



@pytest.mark.parametrize("tapped", [True, False])
async def test_a_refused_country_tap_is_not_taken_for_where_the_buyer_is(shop, tapped) -> None:
    """A Lahore buyer of chappals taps "India" at the country question: refused, and "India"
    (put in the country slot by the tap's entity) goes too, so no rupee estimate follows; a
    country slot this message did not set (asked shipping for before) is kept."""
    slots = {"requested_slot": "buyer_country", "buyer_country": "India",
             "cart": ["PC-101/9:1"], "country": "India"}  # fmt: skip
    entities = {"country": "India"} if tapped else {}
    said = [{"event": "user", "text": "India"}, SlotSet("buyer_country", "India")]
    trk = tracker("India", slots=slots, entities=entities, active_loop="checkout_form",
                  events=said)  # fmt: skip
    events, _ = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_country", None) in events
    assert (SlotSet("country", None) in events) == tapped
