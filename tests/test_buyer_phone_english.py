"""Phone-style English keeps an English buyer in English (notes/tester_findings.md B6): "do u
sell matress" switched a Telegram buyer to Hinglish ("do" is also Hindi, "u" was no English
word). Telegram's language_code decides a first message that says nothing either way."""

from __future__ import annotations

from unittest.mock import patch

import httpx
import pytest
from telegram import Update

from actions.language import ActionSetLanguage, detect
from bot.core.conversation import Conversation
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers.telegram import to_inbound
from tests.fixtures_channels import FakeRasa
from tests.rasa_support import run, tracker
from tests.web_support import tg_text_update


@pytest.mark.parametrize(
    "said",
    ["do u sell matress", "hv u got shawls", "pls send the price", "plz tell me the price",
     "ur bot is useless", "do u deliver to dubai", "r u open", "can u send it"],
)  # fmt: skip
def test_phone_english_is_english(said: str) -> None:
    assert detect(said, "en") == "en"
    assert detect(said, None) == "en"


@pytest.mark.parametrize(
    ("said", "current"),
    [("2 kar do", "en"), ("kullu shawl dikhao", "en"), ("mujhe shawl chahiye", "en"),
     ("shawl 2 kar do", "hi-Latn"), ("kya do u have shawls, mujhe chahiye", "en")],
)  # fmt: skip
def test_hindi_words_still_make_hinglish(said: str, current: str) -> None:
    assert detect(said, current) == "hi-Latn"


@pytest.mark.parametrize(
    ("said", "code", "language"),
    [("kullu shawl", "hi", "hi-Latn"), ("kullu shawl", "en", "en"), ("kullu shawl", "ur", "hi-Latn"),
     ("kullu shawl", "en-GB", "en"), ("namaste shawl please", "en", "en"),
     ("namaste shawl please", "hi", "hi-Latn"), ("kullu shawl", None, None)],
)  # fmt: skip
def test_the_apps_language_decides_a_message_without_a_sign(
    said: str, code: str | None, language: str | None
) -> None:
    assert detect(said, "en", code) == language


def _slot(events: list[dict]) -> str | None:
    return next((e["value"] for e in events if e.get("name") == "language"), None)


async def test_the_hint_is_used_for_the_first_message_only() -> None:
    first = tracker("kullu shawl", slots={"language": "en"}, events=[{"event": "user"}])
    first.latest_message["metadata"] = {"channel": "telegram", "language_code": "hi"}
    later = tracker("kullu shawl", slots={"language": "en"},
                    events=[{"event": "user"}, {"event": "bot"}, {"event": "user"}])  # fmt: skip
    later.latest_message["metadata"] = {"channel": "telegram", "language_code": "hi"}
    with patch("actions.language.remember"):
        assert _slot((await run(ActionSetLanguage(), first))[0]) == "hi-Latn"
        assert _slot((await run(ActionSetLanguage(), later))[0]) is None  # kept


async def test_telegrams_language_code_goes_to_rasa(fake_rasa: FakeRasa) -> None:
    update = tg_text_update(5551, "do u sell matress")
    update["message"]["from"]["language_code"] = "en"
    inbound = to_inbound(Update.de_json(update, None))
    assert inbound is not None and inbound.language == "en"
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret")
        await conv.handle(inbound)
    (_, _, _, body) = fake_rasa.calls[0]
    assert body["metadata"]["language_code"] == "en"
