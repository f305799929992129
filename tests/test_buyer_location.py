"""F33: a buyer who shares a location pin (at the address question, or any time) got no reply
at all: Telegram's update had no text, so it was dropped, and a WhatsApp location went to Rasa as
an empty message. Now both are a neutral ``Inbound`` with ``location`` and are answered in the
buyer's language: thank you, and please type the address with its PIN or postal code (couriers
need it written). Rasa is not asked, so an open checkout still waits for the address; the
coordinates are not kept."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from telegram import Update

from bot.core.conversation import Conversation
from bot.core.messages import Inbound
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers import telegram as tg
from bot.handlers import whatsapp as wa
from catalog import customers
from catalog.db import make_sessionmaker, transaction
from catalog.notices import TEXTS as NOTICES
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio
from tests.web_support import (
    post_tg,
    post_wa,
    running_app,
    settings_for,
    tg_text_update,
    wa_form,
)

LAT, LON = "31.1048", "77.1734"  # Shimla
NUMBER = "+919812000222"


def tg_location_update(user_id: int, venue: bool = False) -> dict[str, Any]:
    update = tg_text_update(user_id, "")
    message = update["message"]
    del message["text"]
    message["location"] = {"latitude": float(LAT), "longitude": float(LON)}
    if venue:  # a place picked from the map: Telegram sends its location too
        message["venue"] = {
            "location": message["location"], "title": "Mall Road", "address": "The Mall, Shimla"
        }  # fmt: skip
    return update


def wa_location_form(number: str = NUMBER) -> dict[str, str]:
    """What Twilio posts for a shared WhatsApp location: no Body, its coordinates as fields."""
    return wa_form(number, "", Latitude=LAT, Longitude=LON, MessageType="location")


@pytest.mark.parametrize("venue", [False, True])
def test_a_telegram_location_is_a_message(venue: bool) -> None:
    inbound = tg.to_inbound(Update.de_json(tg_location_update(4401, venue), None))
    assert inbound is not None and inbound.location and inbound.text == ""
    # read for staff talking to the buyer (bot/core/relay.py); nothing else keeps them
    assert inbound.coordinates == (float(LAT), float(LON))


def test_a_whatsapp_location_is_a_message() -> None:
    inbound = wa.to_inbound(wa_location_form())
    assert inbound.location and inbound.text == ""
    assert inbound.coordinates == (float(LAT), float(LON))
    assert LAT not in str(asdict(replace(inbound, coordinates=None)))  # the text has none
    assert not wa.to_inbound(wa_form(NUMBER, "hello")).location


@pytest.mark.parametrize("kept", [None, "hi", "hi-Latn", "ur"])
async def test_a_location_asks_for_the_written_address(sessions, fake_rasa: FakeRasa, kept) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", sessions=sessions)
        inbound = Inbound("whatsapp", NUMBER, "m1", location=True,
                          coordinates=(float(LAT), float(LON)))  # fmt: skip
        if kept:
            with transaction(sessions) as s:
                customers.ensure(s, "whatsapp", NUMBER, "s")
                customers.set_language(s, conv.sender(inbound), kept)
        replies = await conv.handle(inbound)
    assert replies is not None and [r.text for r in replies] == [
        NOTICES["location_only"][kept or "en"]
    ]
    assert fake_rasa.messages() == []  # the checkout's address question stays open
    assert NOTICES["location_only"]["en"] == (
        "Thank you for the location. A courier needs the address in writing, so please type "
        "it: house number, street, area, city and the PIN or postal code."
    )


async def test_a_location_with_words_goes_to_rasa(sessions, fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", sessions=sessions)
        await conv.handle(Inbound("whatsapp", NUMBER, "m1", text="12 Mall Road", location=True))
    assert fake_rasa.messages() == ["12 Mall Road"]


async def test_both_channels_answer_a_location_through_the_web_app(
    sqlite_engine: Engine,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    settings = settings_for(str(sqlite_engine.url), fake_rasa, fake_telegram, fake_twilio)
    async with running_app(settings, make_sessionmaker(sqlite_engine)) as (_, client):
        assert (await post_tg(client, tg_location_update(4402))).status_code == 200
        assert (await post_wa(client, wa_location_form())).status_code == 200
        await fake_telegram.wait_for("sendMessage")
        await fake_twilio.wait_for(1)
    (sent,) = fake_telegram.sent()
    assert str(sent["chat_id"]) == "4402"
    assert sent["text"] == NOTICES["location_only"]["en"]
    assert [m["Body"] for m in fake_twilio.messages] == [NOTICES["location_only"]["en"]]
    assert fake_rasa.messages() == []
