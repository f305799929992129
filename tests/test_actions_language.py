"""Language detection and the language slot."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.language import ActionSetLanguage, detect
from catalog import customers
from tests.rasa_support import run, tracker


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("मुझे शॉल चाहिए", "hi"),
        ("mujhe 2 kullu shawl chahiye", "hi"),
        ("kitne ka hai?", "hi"),
        ("show me shawls please", "en"),
        ("پشاوری چپل", "ur"),
        ("2", None),
        ('/product_details{"product":"KS-101"}', None),
    ],
)
def test_detect(text: str, lang: str | None) -> None:
    assert detect(text) == lang


@pytest.mark.parametrize(
    ("text", "current", "lang"),
    [
        ("order 2", "hi", None),  # Hinglish loanwords alone keep Hindi
        ("checkout please", "hi", None),
        ("order 2", "en", "en"),
        ("what is the price of this", "hi", "en"),  # real English still switches
    ],
)
def test_loanwords_do_not_switch_a_hindi_buyer(text: str, current: str, lang: str | None) -> None:
    assert detect(text, current) == lang


async def test_language_follows_the_buyer_and_is_stored(seeded: sessionmaker[Session]) -> None:
    db.use(seeded)
    try:
        events, _ = await run(ActionSetLanguage(), tracker("shawl dikhao", sender="b-9"))
        assert events == [SlotSet("language", "hi")]
        with seeded() as s:
            assert customers.find(s, "b-9").language == "hi"
        events, _ = await run(
            ActionSetLanguage(), tracker("2", slots={"language": "hi"}, sender="b-9")
        )
        assert events == []
    finally:
        db.use(None)
