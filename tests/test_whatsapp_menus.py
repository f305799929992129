"""WhatsApp shows buttons as a numbered list: how to answer is said once, under the last
message with choices, covering every number of the answer, in the script the buyer reads
(a tester saw English "Reply 1, 2 or 3." under Urdu and Hindi replies, and "Reply 1." under
the first of two messages whose choices ran 1 to 3)."""

from __future__ import annotations

from bot.core.messages import Button, Reply
from bot.handlers.whatsapp import render


def _reply(text: str, *titles: str) -> Reply:
    return Reply(text=text, buttons=tuple(Button(t, f"/p{t}") for t in titles))


def test_an_english_menu_says_reply_in_english() -> None:
    (out,) = render([_reply("Here is what I found:", "Wool", "Pashmina")])
    assert out.body == "Here is what I found:\n1. Wool\n2. Pashmina\nReply 1 or 2."


def test_an_urdu_menu_says_how_to_answer_in_urdu() -> None:
    (out,) = render([_reply("یہ ملا:", "پشاوری چپل", "کپتان چپل", "ٹوپی")])
    assert out.body.endswith("جواب میں 1، 2 یا 3 لکھیں۔") and "Reply" not in out.body


def test_a_hindi_menu_says_how_to_answer_in_hindi() -> None:
    (out,) = render([_reply("यह मिला:", "कुल्लू शॉल")])
    assert out.body.endswith("जवाब में 1 लिखें।") and "Reply" not in out.body


def test_choices_over_two_messages_are_explained_once_under_the_last() -> None:
    first, second = render([
        _reply("Order KG-0001 placed.", "Checkout"),
        _reply("How will you pay for KG-0002?", "UPI", "Cash on delivery"),
    ])  # fmt: skip
    assert "Reply" not in first.body and first.body.endswith("1. Checkout")
    assert second.body.endswith("2. UPI\n3. Cash on delivery\nReply 1, 2 or 3.")
