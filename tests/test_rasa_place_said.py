"""A place said in words, through the real Rasa server (marked ``rasa``): whatever intent the
model reads in "I live in London" or "لاہور بھیج دیں", the buyer is told where we will deliver,
and the next list shows prices for that country."""

from __future__ import annotations

import pytest

from tests.fixtures_rasa import RunningRasa
from tests.test_rasa_buyer_fixes import texts

pytestmark = pytest.mark.rasa


def test_i_live_in_london_shows_prices_in_pounds(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "te-e2e-place-london"
    reply = texts(chat(sender, "I live in London"))
    assert "United Kingdom" in reply and "GBP" in reply, reply
    listed = chat(sender, "show me shawls")
    titles = [b["title"] for r in listed for b in r.get("buttons") or []]
    assert any("£" in title for title in titles), listed


@pytest.mark.parametrize(
    ("sender", "said", "country"),
    [
        ("wh-e2e-place-lahore-ur", "لاہور بھیج دیں", "پاکستان"),
        ("wh-e2e-place-lahore-hl", "main lahore mein rehta hoon", "Pakistan"),
    ],
)
def test_a_place_in_urdu_or_hinglish_is_noted(
    rasa_stack: RunningRasa, sender: str, said: str, country: str
) -> None:
    reply = texts(rasa_stack.chat(sender, said))
    assert country in reply and "PKR" in reply, reply
