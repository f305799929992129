"""Replies in the buyer's script, end to end (issue 12) on WhatsApp through the web app and the
real Rasa and action servers: a buyer writing romanized Hindi gets Latin-script replies, never
Devanagari; a buyer writing Urdu gets Urdu (Arabic script) replies, down to the size question."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions.texts import TEXTS
from tests.fixtures_channels import FakeRasa, FakeTwilio
from tests.fixtures_rasa import RunningRasa
from tests.test_e2e_channels import WhatsAppBuyer
from tests.web_support import running_app, settings_for

pytestmark = pytest.mark.rasa

DEVANAGARI = re.compile(r"[\u0900-\u097f]")
ARABIC = re.compile(r"[\u0600-\u06ff]")


async def test_a_hinglish_buyer_reads_latin_and_an_urdu_buyer_reads_urdu(
    rasa_stack: RunningRasa, fake_twilio: FakeTwilio, fake_rasa: FakeRasa
) -> None:
    sessions: sessionmaker[Session] = rasa_stack.sessions
    settings = settings_for(
        rasa_stack.database_url, fake_rasa, None, fake_twilio, RASA_URL=rasa_stack.rasa_url
    )
    async with running_app(settings, sessions) as (_, client):
        asha = WhatsAppBuyer(client, fake_twilio, "+919811100001")
        await asha.say("namaste, kullu shawl dikhao")
        text, choices = asha.last()
        assert text.startswith(TEXTS["results"]["hi-Latn"]), text
        assert any("Kullu Shawl" in choice for choice in choices), choices
        await asha.press(0)
        await asha.say("kitne ka hai?")
        for body in asha.mine():
            assert not DEVANAGARI.search(body) and not ARABIC.search(body), body

        bilal = WhatsAppBuyer(client, fake_twilio, "+923001112233")
        await bilal.say("پشاوری چپل دکھائیں")
        text, choices = bilal.last()
        assert text.startswith(TEXTS["results"]["ur"]), text
        pick = next(i for i, choice in enumerate(choices) if choice.startswith("پشاوری چپل"))
        await bilal.press(pick)
        _, buttons = bilal.last()
        add_one = TEXTS["add_button"]["ur"].format(n=1)
        await bilal.press(buttons.index(add_one))
        question = bilal.last()[0]
        size_question = TEXTS["which_size"]["ur"].split("{sizes}")[0].format(name="پشاوری چپل")
        assert question.startswith(size_question), question
        for body in bilal.mine():
            assert ARABIC.search(body) and not DEVANAGARI.search(body), body
