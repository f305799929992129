"""WhatsApp shows buttons as a numbered list: how to answer is said once, under the last
message with choices, covering every number of the answer, in the script the buyer reads
(a tester saw English "Reply 1, 2 or 3." under Urdu and Hindi replies, and "Reply 1." under
the first of two messages whose choices ran 1 to 3)."""

from __future__ import annotations

import httpx
import pytest

from bot.core.conversation import Conversation
from bot.core.messages import Button, Inbound, Reply
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers.whatsapp import render
from catalog import customers
from catalog.db import transaction


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


def test_a_hinglish_menu_says_how_to_answer_in_hinglish() -> None:
    """Issue 12, F8: under a Hinglish conversation the line was English "Reply 1, 2 or 3."."""
    menu = Reply(text="Aap kya dekhna chahenge?", buttons=tuple(Button(t, f"/p{t}") for t in
                 ("Handloom (5)", "Kapde (4)", "Achaar (3)")), language="hi-Latn")  # fmt: skip
    (out,) = render([menu])
    assert out.body.endswith("\nJawab mein 1, 2 ya 3 likhiye.") and "Reply" not in out.body
    (one,) = render([Reply(text="Order karo?", buttons=(Button("Order karo", "/c"),),
                           language="hi-Latn")])  # fmt: skip
    assert one.body.endswith("\nJawab mein 1 likhiye."), one.body
    # an English reader, or one whose language the core did not say, reads English
    for language in ("en", None):
        (en,) = render([Reply(text="Pick one:", buttons=(Button("A", "/a"), Button("B", "/b")),
                              language=language)])  # fmt: skip
        assert en.body.endswith("\nReply 1 or 2."), en.body


async def test_the_core_tells_whatsapp_the_buyers_kept_language(fake_rasa, sessions) -> None:
    """A menu in Latin letters may be English or Hinglish: the conversation puts the language
    kept on the customer on the replies, so render() ends a Hinglish one in Hinglish."""

    async def menu(sender: str, message: str) -> list[dict]:
        return [{"text": "Aap kya dekhna chahenge?",
                 "buttons": [{"title": "Kapde (4)", "payload": "/x"},
                             {"title": "Achaar (3)", "payload": "/y"}]}]  # fmt: skip

    fake_rasa.respond = menu
    bodies = {}
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", sessions=sessions)
        for number, kept in (("+919876500001", "hi-Latn"), ("+447700900001", "en")):
            inbound = Inbound("whatsapp", number, f"m-{number}", text="kuch dikhao",
                              numbered=True)  # fmt: skip
            with transaction(sessions) as s:
                customers.ensure(s, "whatsapp", number, "s")
                customers.set_language(s, conv.sender(inbound), kept)
            replies = await conv.handle(inbound)
            assert replies is not None
            bodies[kept] = render(replies)[-1].body
    assert bodies["hi-Latn"].endswith("Jawab mein 1 ya 2 likhiye."), bodies
    assert bodies["en"].endswith("Reply 1 or 2."), bodies


@pytest.mark.parametrize(
    ("text", "kept", "start"),
    [("order karna hai", "hi-Latn", "Main order private chat mein leta hoon"),
     ("ऑर्डर करना है", None, "मैं ऑर्डर निजी चैट में लेता हूँ"),
     ("آرڈر کرنا ہے", None, "میں آرڈر نجی چیٹ میں لیتا ہوں"),
     ("I want to order", None, "I take orders in a private chat")],
)
async def test_a_group_message_is_told_to_write_privately_in_the_buyers_language(
    fake_rasa, sessions, text: str, kept: str | None, start: str
) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", sessions=sessions)
        inbound = Inbound("telegram", "4242", "g1", text=text, private=False)
        if kept:
            with transaction(sessions) as s:
                customers.ensure(s, "telegram", "4242", "s")
                customers.set_language(s, conv.sender(inbound), kept)
        replies = await conv.handle(inbound)
    assert replies is not None and replies[0].text.startswith(start), replies
    assert not fake_rasa.calls  # never sent to Rasa
