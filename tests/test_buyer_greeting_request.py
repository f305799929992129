"""A greeting with a request in one message (notes/tester_findings.md B7): "السلام علیکم، پشاوری
چپل چاہیے" got only the welcome. The web app sends Rasa the request and the greeting as
metadata; the action server greets back briefly, in the buyer's language, before the answer."""

from __future__ import annotations

from unittest.mock import patch

import httpx
import pytest

from actions.info import ActionFallback
from actions.language import ActionSetLanguage
from actions.server import Executor
from actions.texts import t
from bot.core import greeting
from bot.core.conversation import Conversation
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers.whatsapp import to_inbound
from tests.fixtures_channels import FakeRasa
from tests.rasa_support import load_domain, run, tracker


@pytest.mark.parametrize(
    ("said", "hello", "asked"),
    [
        ("السلام علیکم، پشاوری چپل چاہیے", "السلام علیکم", "پشاوری چپل چاہیے"),
        ("नमस्ते, आम का अचार चाहिए", "नमस्ते", "आम का अचार चाहिए"),
        ("hi, do you have shawls", "hi", "do you have shawls"),
        ("namaste, kullu shawl dikhao", "namaste", "kullu shawl dikhao"),
        ("assalam o alaikum bhai, chappal hai?", "assalam o alaikum bhai", "chappal hai?"),
        ("Hello, I'm looking for a hand knotted carpet", "Hello", "I'm looking for a hand knotted carpet"),
    ],
)  # fmt: skip
def test_a_greeting_and_a_request_are_told_apart(said: str, hello: str, asked: str) -> None:
    assert greeting.split(said) == (hello, asked)


@pytest.mark.parametrize(
    "said",
    ["hi", "namaste ji", "hello, how are you?", "سلام، آپ کیسے ہیں؟", "Hi!", "hey there",
     "hiking boots", "history books", "namaste ji, kaise hain aap", "salaam"],
)  # fmt: skip
def test_a_greeting_alone_or_no_greeting_stays_as_it_is(said: str) -> None:
    assert greeting.split(said) is None


async def test_rasa_reads_the_request_and_the_greeting_goes_as_metadata(
    fake_rasa: FakeRasa,
) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret")
        body = "السلام علیکم، پشاوری چپل چاہیے"
        await conv.handle(
            to_inbound({"From": "whatsapp:+923001234567", "Body": body, "MessageSid": "SM1"})
        )
        await conv.handle(
            to_inbound({"From": "whatsapp:+923001234567", "Body": "سلام", "MessageSid": "SM2"})
        )
    (_, _, _, first), (_, _, _, second) = fake_rasa.calls[:2]
    assert first["message"] == "پشاوری چپل چاہیے"
    assert first["metadata"]["greeting"] == "السلام علیکم"
    assert second["message"] == "سلام" and "greeting" not in second["metadata"]


def call(
    language: str, metadata: dict, events: list[dict], action: str = "action_fallback"
) -> dict:
    """What Rasa posts to the action server to run ``action`` (its domain sent along)."""
    return {
        "next_action": action,
        "sender_id": "b1",
        "domain": load_domain(),
        "tracker": {
            "sender_id": "b1", "slots": {"language": language}, "events": events,
            "latest_message": {"text": "x", "intent": {"name": "search_product"},
                               "entities": [], "metadata": metadata},
            "latest_action_name": "action_listen", "active_loop": {}, "paused": False,
        },
    }  # fmt: skip


USER = {"event": "user", "text": "x"}


@pytest.mark.parametrize(
    ("language", "greeted", "events", "said"),
    [
        ("ur", "السلام علیکم", [USER], ["greet_short", "the answer"]),
        ("hi", "नमस्ते", [USER], ["greet_short", "the answer"]),
        ("hi-Latn", "namaste", [USER], ["greet_short", "the answer"]),
        ("en", None, [USER], ["the answer"]),  # no greeting with the message
        ("en", "hi", [USER, {"event": "bot", "text": "Hello..."}], ["the answer"]),  # once
    ],
)
async def test_the_first_answer_of_the_turn_opens_with_a_short_greeting(
    language: str, greeted: str | None, events: list[dict], said: list[str]
) -> None:
    """Through the action server's executor: Rasa drops what the language slot's mapping
    action says, so the greeting is the first answering action's."""
    executor = Executor()
    executor.register_action(ActionFallback())  # (it says "Sorry, I did not get that...")
    metadata = {"channel": "whatsapp", **({"greeting": greeted} if greeted else {})}
    result = await executor.run(call(language, metadata, events))
    assert result is not None
    texts = [r["text"] for r in result.responses]
    answer = t("fallback", language)
    assert texts == [t("greet_short", language) if s == "greet_short" else answer for s in said]


async def test_the_greeting_words_tell_the_language_when_the_request_does_not() -> None:
    trk = tracker("PC-101", intent="product_details", slots={"language": "en"})
    trk.latest_message["metadata"] = {"channel": "whatsapp", "greeting": "namaste"}
    with patch("actions.language.remember"):
        events, msgs = await run(ActionSetLanguage(), trk)
    assert msgs == []  # (Rasa would drop it)
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "hi-Latn"}]


@pytest.mark.parametrize(
    ("said", "sent"),
    [
        ("چیک آؤٹ", "/checkout"),  # the NLU reads a yes (affirm 0.48): the menu, before
        ("hi, checkout", "/checkout"),
        ("چیک آؤٹ کیسے کریں؟", "چیک آؤٹ کیسے کریں؟"),  # a question about it: for the NLU
        ("order cancel karna hai", "order cancel karna hai"),
    ],
)
async def test_order_words_alone_go_as_the_checkout_button(
    fake_rasa: FakeRasa, said: str, sent: str
) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret")
        await conv.handle(
            to_inbound({"From": "whatsapp:+923001234567", "Body": said, "MessageSid": "SM9"})
        )
    (_, _, _, body) = fake_rasa.calls[0]
    assert body["message"] == sent
    assert body["metadata"].get("typed") == (said.removeprefix("hi, ") if sent != said else None)


async def test_the_words_behind_the_checkout_button_tell_the_language() -> None:
    trk = tracker("/checkout", intent="checkout", slots={"language": "en"})
    trk.latest_message["metadata"] = {"channel": "whatsapp", "typed": "چیک آؤٹ"}
    with patch("actions.language.remember"):
        events, _ = await run(ActionSetLanguage(), trk)
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "ur"}]
