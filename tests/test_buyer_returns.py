"""A buyer asks about returns (before buying, or in the middle of the checkout) and gets the
shop's policy in their script, against the real Rasa server (marked ``rasa``)."""

from __future__ import annotations

import pytest

from tests.fixtures_rasa import RunningRasa
from tests.test_rasa_buyer_fixes import DELIVERY, texts

pytestmark = pytest.mark.rasa


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("what is your return policy?", "within 7 days of delivery"),
        ("return ho jayega kya?", "7 din ke andar"),
        ("क्या सामान वापस हो सकता है?", "7 दिन के अंदर"),
        ("کیا چیز واپس ہو سکتی ہے؟", "7 دن کے اندر"),
    ],
)
def test_a_buyer_is_told_the_returns_policy(rasa_stack: RunningRasa, said: str, expected: str) -> None:
    reply = rasa_stack.chat(f"e2e-returns-{abs(hash(said))}", said)
    assert expected in texts(reply), reply


def test_a_returns_question_mid_checkout_keeps_the_checkout(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-returns-mid-checkout"
    chat(sender, '/add_to_cart{"product":"KS-101","quantity":"1"}')
    chat(sender, "/checkout")
    chat(sender, DELIVERY[0])
    reply = chat(sender, "can I return it if it doesn't fit?")
    said = texts(reply)
    assert "within 7 days of delivery" in said, reply
    assert "phone" in said.lower(), reply  # the checkout asks its next question again
