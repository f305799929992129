"""Where a buyer is, as the channel tells it: a WhatsApp number's prefix reaches the actions as
message metadata, so prices read "Rs 3,500" to a buyer in Pakistan before any form asks."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionProductDetails
from actions.common import buyer_country_code
from bot.core.conversation import Conversation
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers.whatsapp import to_inbound
from tests.fixtures_channels import FakeRasa
from tests.rasa_support import run, tracker


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


@pytest.mark.parametrize(
    ("number", "country"),
    [("+923001234567", "PK"), ("+919812345678", "IN"), ("+447700900123", "GB"), ("12", None)],
)
def test_a_whatsapp_number_tells_the_country(number: str, country: str | None) -> None:
    assert to_inbound({"From": f"whatsapp:{number}", "Body": "hi"}).country == country


async def test_the_country_goes_to_rasa_as_metadata(fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret")
        await conv.handle(
            to_inbound({"From": "whatsapp:+923001234567", "Body": "hi", "MessageSid": "SM1"})
        )
    (_, _, _, body) = fake_rasa.calls[0]
    assert body["metadata"]["country"] == "PK"


def _from(country: str | None, **slots: str):  # type: ignore[no-untyped-def]
    trk = tracker("PC-101", intent="product_details", entities={"product": "PC-101"}, slots=slots)
    trk.latest_message["metadata"] = {"channel": "whatsapp", "country": country}
    return trk


def test_the_country_given_in_the_form_comes_first() -> None:
    assert buyer_country_code(_from("PK")) == "PK"
    assert buyer_country_code(_from("PK", buyer_country="India")) == "IN"
    assert buyer_country_code(_from("not a country")) is None


async def test_a_buyer_in_pakistan_reads_rs_and_one_in_the_uk_reads_pkr(shop) -> None:
    _, pakistan = await run(ActionProductDetails(), _from("PK"))
    _, uk = await run(ActionProductDetails(), _from("GB"))
    assert "Rs 3,500" in pakistan[0]["text"] and "PKR" not in pakistan[0]["text"]
    assert "PKR 3,500" in uk[0]["text"]


@pytest.mark.parametrize(
    ("typed", "country", "kept"),
    [
        ("0300 1234567", "PK", "+923001234567"),  # a Pakistani buyer's own way of writing it
        ("۰۳۰۰۱۲۳۴۵۶۷", "PK", "+923001234567"),  # in Urdu digits
        ("98765 43210", "IN", "+919876543210"),
        ("98765 43210", None, "+919876543210"),  # nothing says where: Indian
        ("+44 7700 900123", "PK", "+447700900123"),  # a country code always wins
    ],
)
def test_a_local_phone_number_is_read_in_the_buyers_country(
    typed: str, country: str | None, kept: str
) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.checkout import ValidateCheckoutForm

    found = ValidateCheckoutForm().validate_buyer_phone(
        typed, CollectingDispatcher(), _from(country), {}
    )
    assert found == {"buyer_phone": kept}


@pytest.mark.parametrize(
    ("country", "cart", "language", "titles"),
    [
        # only where the whole cart can go: no India for Peshawar's chappals, nor Pakistan
        # for a Kullu shawl
        ("PK", ["PC-101/9:1"], "en", ["Pakistan"]),
        ("PK", ["PC-101/9:1"], "ur", ["پاکستان"]),
        ("IN", ["PC-101/9:1"], "en", ["Pakistan"]),  # the same whoever asks
        (None, ["PC-101/9:1"], "en", ["Pakistan"]),
        ("PK", ["KS-101:1"], "en", ["India"]),
        ("GB", ["KS-101:1"], "en", ["India", "United Kingdom"]),
        (None, ["KS-101:1"], "en", ["India"]),
        ("GB", ["PC-101/9:1", "KS-101:1"], "en", ["United Kingdom"]),
        ("GB", ["EP-101:1"], "en", ["India"]),  # pickles stay in India
    ],
)
async def test_the_country_question_keeps_its_order_between_asks(
    shop, country: str | None, cart: list[str], language: str, titles: list[str]
) -> None:
    """The cart's own country first, then India and Pakistan, then the buyer's if elsewhere: the
    order moved between two asks ("India, Pakistan", then "Pakistan, India" once the phone said
    Pakistan), so a "2" typed from the first list picked the other country."""
    from actions.checkout import ActionAskBuyerCountry

    trk = _from(country, language=language)
    trk.slots["cart"] = cart
    _, msgs = await run(ActionAskBuyerCountry(), trk)
    assert [b["title"] for b in msgs[0]["buttons"]] == titles
    assert msgs[0]["buttons"][0]["payload"] in ("Pakistan", "India", "United Kingdom")


def test_country_names_do_not_load_the_phone_librarys_place_names() -> None:
    """Reading a country name ("Pakistan") loaded every phone prefix's place names with it
    (phonenumbers.geodata: ~100 MB in the action server once anyone typed a country)."""
    import subprocess
    import sys

    code = (
        "import sys; from catalog import shipping; "
        "assert shipping.country_code('Pakistan') == 'PK'; "
        "assert shipping.country_name('GB', 'hi') == 'ब्रिटेन'; "
        "print('phonenumbers.geodata' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out
