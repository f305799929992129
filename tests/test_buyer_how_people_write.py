"""Issue 12, tester findings F28, F14 and F7, against the real Rasa server (marked ``rasa``): the
cheapest one after a list, a misspelt checkout, "by tomorrow?" before buying, gift questions, where
the goods are made (an Urdu "where are these made" is not an order-status question), and a message
about something outside the shop, which is told so. The messages here are the tester's words or
written for these tests; none is a training sentence."""

from __future__ import annotations

import pytest

from tests.fixtures_rasa import RunningRasa
from tests.test_rasa_buyer_fixes import DELIVERY, payloads, texts

pytestmark = pytest.mark.rasa
# Misread by session 14's model (two runs, 60eca11d): "by tmrw?" (shipping_info 0.60, under the 0.7
# threshold: the menu instead of the delivery times), and still by session 15's (9145350676d8b4e1,
# threshold 0.55). Session 15's model also sends the bare brand "Baidyanath" to the menu. Kept as
# targets. "add a note for my mother", misread by the models before 14, is read right since then.
MISREAD = pytest.mark.xfail(reason="misread by the NLU model", strict=False)


def test_the_cheapest_one_after_a_list_shows_the_prices(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-how-cheapest"
    listed = chat(sender, "show me shawls")
    assert "Here is what I found:" in texts(listed), listed
    reply = chat(sender, "ok show me the cheapest one")
    assert "Which one? Here are their prices:" in texts(reply), reply
    assert all("product_details" in b["payload"] for r in reply for b in r.get("buttons") or [])


@pytest.mark.parametrize("said", ["chkout", "chekout", "check out karo"])
def test_a_misspelt_checkout_starts_the_checkout(rasa_stack: RunningRasa, said: str) -> None:
    chat, sender = rasa_stack.chat, f"e2e-how-checkout-{said.replace(' ', '-')}"
    chat(sender, '/add_to_cart{"product":"KS-101","quantity":"1"}')
    reply = texts(chat(sender, said))
    asked = ("Whose name should the parcel carry?", "Parcel kis naam par bhejein?")
    assert any(question in reply for question in asked), reply


@pytest.mark.parametrize(
    ("said", "expected"),
    [pytest.param("by tmrw?", "5-8 days", marks=MISREAD), ("kal tak aa jayega?", "5-8 din")],
)
def test_by_tomorrow_before_buying_gets_delivery_times(
    rasa_stack: RunningRasa, said: str, expected: str
) -> None:
    reply = rasa_stack.chat(f"e2e-how-when-{abs(hash(said))}", said)
    assert expected in texts(reply), reply


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("can you gift wrap it?", "We can't gift-wrap"),
        ("is it good as a gift", "make good gifts"),
        ("add a note for my mother", "talk to a person"),
        ("kya aap gift pack karte ho?", "gift wrap ya card nahi"),
        ("क्या यह तोहफ़े में देने लायक है?", "तोहफ़े के लिए अच्छा"),
        ("کیا آپ تحفہ پیک کرتے ہیں؟", "گفٹ ریپ"),
    ],
)
def test_a_gift_question_gets_the_gift_answer(
    rasa_stack: RunningRasa, said: str, expected: str
) -> None:
    reply = rasa_stack.chat(f"e2e-how-gift-{abs(hash(said))}", said)
    assert expected in texts(reply), reply


def test_a_gift_question_mid_checkout_keeps_the_checkout(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-how-gift-mid-checkout"
    chat(sender, '/add_to_cart{"product":"KS-101","quantity":"1"}')
    chat(sender, "/checkout")
    chat(sender, DELIVERY[0])
    said = texts(chat(sender, "can you gift wrap it?"))
    assert "We can't gift-wrap" in said, said
    assert "phone" in said.lower(), said  # the checkout asks its next question again


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("یہ کہاں بنی ہیں؟", "کاریگر جیلوں کی ورکشاپس"),
        ("where is this made", "prison workshops"),
        ("ye kahan bana hai", "jail ki workshops"),
        ("kisne banaya", "prison workshops"),  # no word the language check knows: English
    ],
)
def test_where_it_is_made_is_the_story_not_an_order(
    rasa_stack: RunningRasa, said: str, expected: str
) -> None:
    reply = rasa_stack.chat(f"e2e-how-origin-{abs(hash(said))}", said)
    assert expected in texts(reply), reply


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("can u track my flipkart parcel", "I can't help with that"),
        ("mera jio recharge nahi hua", "madad nahi kar sakta"),
    ],
)
def test_outside_the_shop_is_said_plainly(
    rasa_stack: RunningRasa, said: str, expected: str
) -> None:
    reply = rasa_stack.chat(f"e2e-how-oos-{abs(hash(said))}", said)
    assert expected in texts(reply), reply


@pytest.mark.parametrize(
    "said", ["Spirulina", "cough syrup", pytest.param("Baidyanath", marks=MISREAD), "Zandu balm"]
)
def test_a_bare_name_of_something_we_do_not_make_is_searched(
    rasa_stack: RunningRasa, said: str
) -> None:
    """A product or brand name sent alone (none of these is in the training data) is a search:
    not the "did not get that" menu; the categories we have come with the answer."""
    reply = rasa_stack.chat(f"e2e-how-bare-{abs(hash(said))}", said)
    said_back = texts(reply)
    assert "We don't have" in said_back or "I found nothing" in said_back, reply
    assert "Sorry, I did not get that" not in said_back, reply
    assert any("browse_catalog" in p for p in payloads(reply)), reply
