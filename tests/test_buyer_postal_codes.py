"""Issue 12 (a new-user try-out of the buyer conversation): the postal code asked and checked per delivery country."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.checkout import (
    ActionAskBuyerPostalCode,
    ValidateCheckoutForm,
)
from tests.rasa_support import run, tracker
from tests.test_buyer_checkout_fixes import asked


@pytest.mark.parametrize(
    ("country", "asked"),
    [("India", "The 6-digit PIN code?"), ("Pakistan", "The 5-digit postal code?"),
     ("United Kingdom", "The postcode (e.g. SW1A 1AA)?"), ("Germany", "The postal code?")],
)  # fmt: skip
async def test_the_postal_code_is_asked_per_country(shop, country: str, asked: str) -> None:
    _, msgs = await run(ActionAskBuyerPostalCode(), tracker("", slots={"buyer_country": country}))
    assert msgs[0]["text"] == asked


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [
        ("Pakistan", "25000", "25000"),
        ("Pakistan", "۲۵۰۰۰", "25000"),
        ("Pakistan", "250001", None),
        ("United Kingdom", "sw1a1aa", "SW1A 1AA"),
        ("United Kingdom", "M1 1AE", "M1 1AE"),
        ("United Kingdom", "12345", None),
        ("India", "171 001", "171001"),
        ("Germany", "10115", "10115"),
    ],
)
async def test_postal_codes_are_checked_per_country(shop, country, value, expected) -> None:
    slots = {"requested_slot": "buyer_postal_code", "buyer_postal_code": value,
             "buyer_country": country}  # fmt: skip
    events = [{"event": "user", "text": value}, SlotSet("buyer_postal_code", value)]
    trk = tracker(value, slots=slots, active_loop="checkout_form", events=events)
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_postal_code", expected) in result
    if expected is None and country == "Pakistan":
        assert msgs[0]["text"] == "A Pakistani postal code has 5 digits, e.g. 25000."


@pytest.mark.parametrize(
    ("typed", "cart", "phone", "country", "code"),
    [("171001", "KS-101:1", None, "India", "171001"),
     ("171 001", "KS-101:1", None, "India", "171001"),
     ("54000", "PC-101/9:1", None, "Pakistan", "54000"),
     ("۵۴۰۰۰", "PC-101/9:1", None, "Pakistan", "54000"),
     ("SW1A 1AA", "KS-101:1", "+447400123456", "United Kingdom", "SW1A 1AA")],
)  # fmt: skip
async def test_a_postal_code_typed_at_the_country_question_names_the_country(
    shop, typed: str, cart: str, phone: str | None, country: str, code: str
) -> None:
    """ "171001" at "Which country should it go to?" got "Please type the country's name":
    a code that only one of the offered countries' postal codes fits gives both."""
    slots = {"cart": [cart], "buyer_phone": phone, "buyer_address": "House 12, Lakkar Bazar"}
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_country", typed, slots))
    assert SlotSet("buyer_country", country) in result, (result, msgs)
    assert SlotSet("buyer_postal_code", code) in result and msgs == []


async def test_a_postal_code_that_fits_two_offered_countries_asks_which(shop) -> None:
    """A United States buyer's "10001" is also a Pakistani code: asked which country, not
    sent to Pakistan."""
    slots = {"cart": ["KS-101:1"], "buyer_phone": "+12025550143"}
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_country", "10001", slots))
    assert SlotSet("buyer_country", None) in result
    assert msgs[0]["text"].startswith("That looks like a postal code. Which country")


async def test_a_pin_for_goods_that_cannot_go_to_india_says_why(shop) -> None:
    slots = {"cart": ["PC-101/9:1"]}
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_country", "110001", slots))
    assert SlotSet("buyer_country", None) in result
    assert "India" in msgs[0]["text"] and "Pakistan" in msgs[0]["text"], msgs


@pytest.mark.parametrize(("typed", "country"), [("Leeds", "United Kingdom"), ("Shimla", "India")])
async def test_a_city_typed_at_the_country_question_is_its_country(
    shop, typed: str, country: str
) -> None:
    """ "Leeds" at "Which country should it go to?" got "Please type the country's name"."""
    slots = {"cart": ["KS-101:1"], "buyer_address": "14 Park Row"}
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_country", typed, slots))
    assert SlotSet("buyer_country", country) in result and msgs == [], (result, msgs)
