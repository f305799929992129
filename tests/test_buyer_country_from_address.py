"""Checkout does not ask the country when the address names a known city of one country
(tester finding, session 8): "House 5, Gulberg, Lahore" is Pakistan, "Karol Bagh, New Delhi"
India. An ambiguous city (Hyderabad), an address naming two countries' cities, a country the
cart cannot go to, or a country already given: asked (or kept) as before."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.checkout import ValidateCheckoutForm
from catalog.cities import country_of_address
from tests.rasa_support import run, tracker


@pytest.mark.parametrize(
    ("address", "country"),
    [
        ("House 5, Gulberg, Lahore", "PK"),
        ("Karol Bagh, New Delhi", "IN"),
        ("12 Mall Road, Shimla", "IN"),
        ("مکان 5، گلبرگ، لاہور", "PK"),
        ("करोल बाग, नई दिल्ली", "IN"),
        ("मकान 5, सेक्टर 3, नोएडा", "IN"),  # was asked the country (English "Noida" was not)
        ("गली 4, कुल्लू", "IN"),
        ("Flat 3, 10 Oxford Street, London W1", "GB"),
        ("Banjara Hills, Hyderabad", None),  # Hyderabad is in India and in Pakistan
        ("Flat 2, Delhi Road, Lahore", None),  # two countries' cities
        ("House 4, Street 9, University Town", None),
        ("Lahorewala Street 5", None),  # a city's name inside a word is not the city
    ],
)
def test_country_of_address(address: str, country: str | None) -> None:
    assert country_of_address(address) == country


async def _address(address: str, cart: list[str], **slots: str) -> tuple[list, list]:
    values = {"requested_slot": "buyer_address", "buyer_address": address, "cart": cart,
              "buyer_name": "Sana Khan", "buyer_phone": "+923001234567", **slots}  # fmt: skip
    events = [{"event": "user", "text": address}, SlotSet("buyer_address", address)]
    trk = tracker(address, slots=values, active_loop="checkout_form", events=events)
    return await run(ValidateCheckoutForm(), trk)


async def test_lahore_address_sets_pakistan_unasked(shop) -> None:
    result, msgs = await _address("House 5, Gulberg, Lahore", ["PC-101/9:1"])
    assert SlotSet("buyer_address", "House 5, Gulberg, Lahore") in result
    assert SlotSet("buyer_country", "Pakistan") in result
    assert msgs == []


async def test_new_delhi_address_sets_india_unasked(shop) -> None:
    result, _ = await _address("Karol Bagh, New Delhi", ["KS-101:1"])
    assert SlotSet("buyer_country", "India") in result


async def test_a_country_the_cart_cannot_reach_is_still_asked(shop) -> None:
    # Indian shawls to Lahore: nothing goes between India and Pakistan; the country question
    # (and its refusal with the reason) comes as before
    result, msgs = await _address("House 5, Gulberg, Lahore", ["KS-101:1"])
    assert SlotSet("buyer_address", "House 5, Gulberg, Lahore") in result
    assert not [e for e in result if e.get("name") == "buyer_country"]
    assert msgs == []


async def test_an_ambiguous_city_is_asked(shop) -> None:
    result, _ = await _address("Banjara Hills, Hyderabad", ["KS-101:1"])
    assert not [e for e in result if e.get("name") == "buyer_country"]


async def test_a_country_already_given_is_kept(shop) -> None:
    result, _ = await _address("12 Oxford Street, London", ["KS-101:1"], buyer_country="India")
    assert not [e for e in result if e.get("name") == "buyer_country"]
