"""Issue 12 (a new-user try-out of the buyer conversation): the postal code asked and checked per delivery country."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.checkout import (
    ActionAskBuyerPostalCode,
    ValidateCheckoutForm,
)
from tests.rasa_support import run, tracker


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
