"""A message in a script we do not read, or in Latin letters but a European language we do not
read (French, Spanish...), gets a short English reply naming the ones we do."""

from __future__ import annotations

import httpx
import pytest

from bot.core.conversation import Conversation
from bot.core.messages import Inbound
from bot.core.rasa_client import RasaClient
from bot.core.scripts import UNSERVED_REPLY_TEXT, other_latin_language, unserved
from bot.core.state import MemoryStore
from tests.fixtures_channels import FakeRasa


@pytest.mark.parametrize(
    "text",
    ["வணக்கம், சால்வை வேண்டும்", "আমি একটি শাল চাই", "ਮੈਨੂੰ ਜੁੱਤੀ ਚਾਹੀਦੀ", "我要买披肩", "Мне нужна шаль"],
)
def test_scripts_we_do_not_read(text: str) -> None:
    assert unserved(text)


@pytest.mark.parametrize(
    "text",
    [
        "kullu shawl dikhao",
        "मुझे शॉल चाहिए",
        "مجھے چپل چاہیے",
        "2",
        "👍",
        "",
        "hello 你好 shawl please",
    ],
)
def test_scripts_we_read_or_no_letters_at_all(text: str) -> None:
    assert not unserved(text)


async def test_the_reply_names_our_languages_and_rasa_is_not_asked(fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret")
        tamil = await conv.handle(Inbound("telegram", "42", "1", text="வணக்கம், சால்வை வேண்டும்"))
        hinglish = await conv.handle(Inbound("telegram", "42", "2", text="kullu shawl dikhao"))
    assert tamil is not None and [r.text for r in tamil] == [UNSERVED_REPLY_TEXT]
    for language in ("English", "Hindi", "Urdu"):
        assert language in UNSERVED_REPLY_TEXT
    assert hinglish is not None and fake_rasa.messages() == ["kullu shawl dikhao"]


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("Bonjour, je cherche un châle en laine", True),  # a tester's: "did not get that"
        ("vous livrez en France?", True),  # a tester's: "I can't help with that"
        ("Hola, quiero un chal por favor", True),
        ("Ich suche einen Schal, bitte", True),
        ("do you deliver to France?", False),
        ("main Lahore mein rehta hoon", False),
        ("123 Avenida de las Americas, Los Angeles", False),  # an address abroad
        ("Résidence les Pins, 4 avenue de la gare, Paris", False),
        ("Grazie", False),  # one word: the assistant decides
    ],
)
def test_european_languages_in_latin_letters(text: str, other: bool) -> None:
    assert other_latin_language(text) is other


async def test_french_gets_the_reply_and_rasa_is_not_asked(fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret")
        said = Inbound("whatsapp", "+33612345678", "1", text="vous livrez en France?")
        french = await conv.handle(said)
    assert french is not None and [r.text for r in french] == [UNSERVED_REPLY_TEXT]
    assert fake_rasa.messages() == []
