"""Money as its reader reads it: Indian digit grouping for rupees of India, "Rs" for rupees of
Pakistan only in Pakistan or Urdu ("PKR" elsewhere), staff formatting unchanged."""

from __future__ import annotations

import asyncio

import pytest

from actions.common import lang
from catalog import money
from catalog.money import Reader, fmt
from tests.rasa_support import tracker


@pytest.mark.parametrize(
    ("minor", "shown"),
    [
        (0, "₹0"),
        (45_000, "₹450"),
        (240_000, "₹2,400"),
        (9_999_900, "₹99,999"),
        (10_000_000, "₹1,00,000"),
        (123_456_750, "₹12,34,567.50"),
        (1_000_000_000, "₹1,00,00,000"),
        (100_000_000_000, "₹1,00,00,00,000"),
        (5, "₹0.05"),
    ],
)
def test_indian_rupees_use_indian_grouping_for_everyone(minor: int, shown: str) -> None:
    assert fmt(minor, "INR") == shown
    assert fmt(minor, "INR", Reader("en", "GB")) == shown
    assert fmt(minor, "INR", Reader("ur", "PK")) == shown


@pytest.mark.parametrize(
    ("reader", "shown"),
    [
        (None, "Rs 3,500"),  # staff and logs: the jail's own way
        (Reader("ur"), "Rs 3,500"),
        (Reader("en", "PK"), "Rs 3,500"),
        (Reader("hi-Latn", "PK"), "Rs 3,500"),
        (Reader("en"), "PKR 3,500"),
        (Reader("hi"), "PKR 3,500"),
        (Reader("hi-Latn", "IN"), "PKR 3,500"),
        (Reader("en", "GB"), "PKR 3,500"),
    ],
)
def test_pakistani_rupees_say_rs_only_in_pakistan_or_urdu(reader, shown) -> None:
    assert fmt(350_000, "PKR", reader) == shown


def test_other_currencies_and_grouping() -> None:
    assert fmt(10_000_000, "PKR", Reader("ur")) == "Rs 100,000"  # thousands, as Pakistan prints
    assert fmt(12_550, "GBP") == "£125.50"
    assert fmt(10_000_000, "USD", Reader("hi")) == "$100,000"
    assert fmt(123_400, "AED") == "AED 1,234"
    assert fmt(100, "XYZ") == "XYZ 1"


def test_the_reader_set_for_a_context_is_used_and_restored() -> None:
    with money.reading(Reader("en", "IN")):
        assert fmt(350_000, "PKR") == "PKR 3,500"
        assert fmt(350_000, "PKR", Reader("ur")) == "Rs 3,500"  # an explicit reader wins
        with money.reading(Reader("ur")):
            assert fmt(350_000, "PKR") == "Rs 3,500"
        assert fmt(350_000, "PKR") == "PKR 3,500"
    assert money.current_reader() is None and fmt(350_000, "PKR") == "Rs 3,500"


def test_asking_the_buyers_language_sets_the_reader() -> None:
    async def one(slots: dict) -> tuple[str, str]:
        language = lang(tracker("", slots=slots))
        return language, fmt(350_000, "PKR")

    async def both() -> list[tuple[str, str]]:
        return await asyncio.gather(
            one({"language": "hi-Latn"}),
            one({"language": "en", "buyer_country": "Pakistan"}),
            one({"language": "ur"}),
            one({"language": "xx"}),
        )

    assert asyncio.run(both()) == [
        ("hi-Latn", "PKR 3,500"),
        ("en", "Rs 3,500"),
        ("ur", "Rs 3,500"),
        ("en", "PKR 3,500"),  # an unknown language reads as English
    ]
    assert money.current_reader() is None  # each request's reader stays in its own task
