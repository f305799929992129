"""The tester's colour-and-place finding through the real Rasa server (marked ``rasa``): "the
red peshawar shawl please, to London", "red peshawar shawl" and "laal wala shawl" add the red
Peshawar shawl (never a Kullu shawl after a nameless "how many?"), and a "1" after them never
puts a Kullu shawl in the cart."""

from __future__ import annotations

import pytest

from tests.fixtures_rasa import RunningRasa
from tests.test_rasa_buyer_fixes import texts

pytestmark = pytest.mark.rasa


@pytest.mark.parametrize(
    ("sender", "said"),
    [
        ("te-e2e-f11-london", "the red peshawar shawl please, to London"),
        ("te-e2e-f11-red", "red peshawar shawl"),
        ("wh-e2e-f11-laal", "laal wala shawl"),
        ("te-e2e-f11-plain", "red shawl"),
    ],
)
def test_a_colour_and_a_place_add_the_red_peshawar_shawl(
    rasa_stack: RunningRasa, sender: str, said: str
) -> None:
    reply = texts(rasa_stack.chat(sender, said))
    assert "Peshawar Embroidered Shawl (Red)" in reply, reply
    assert "Kullu" not in reply, reply
    after = texts(rasa_stack.chat(sender, "1"))
    cart = texts(rasa_stack.chat(sender, "/view_cart"))
    assert "Kullu" not in after and "KS-" not in cart, (after, cart)
    assert "PE-101/RED" in cart, cart
