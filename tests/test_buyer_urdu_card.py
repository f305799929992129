"""An Urdu (Nastaliq) buyer reads the product card and the order summary in Urdu (tester
finding, session 8): the town, the programme and the description come from the seed's Urdu
texts, the delivery country's name from the country names; the flood replies live in the
notices catalog with the other texts said outside a chat turn."""

from __future__ import annotations

import re

from sqlalchemy import select

from actions.catalog import describe
from actions.checkout import ActionOrderSummary
from catalog import notices
from catalog.db import transaction
from catalog.models import Jail, Product
from tests.buyer_support import INDIA, PAKISTAN
from tests.rasa_support import run, tracker

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _card(sessions, sku: str, language: str) -> str:
    with sessions() as s:
        product = s.scalars(select(Product).where(Product.sku == sku)).one()
        return describe(s, product, language, None)


def test_urdu_card_has_no_english_words(shop) -> None:
    card = _card(shop, "PC-101", "ur")
    body = card.split("\n", 1)[1]  # the first line names the SKU (PC-101)
    assert "پشاور" in card and "کھدر اور کڑھائی" in card
    assert "ہاتھ سے سلی پشاوری چپل" in card
    assert not LATIN_WORD.findall(body.replace("PKR", "")), card


def test_urdu_card_of_an_indian_jail(shop) -> None:
    card = _card(shop, "KS-101", "ur")
    assert "شملہ" in card and "ہمکارا" in card and "Shimla" not in card and "Himkara" not in card
    assert "ہینڈلوم مارک" in card and "Handloom Mark" not in card


def test_hindi_card_names_town_and_programme_in_devanagari(shop) -> None:
    card = _card(shop, "KS-101", "hi")
    assert "शिमला" in card and "हिमकारा" in card and "Shimla" not in card
    assert "चिह्न: हैंडलूम मार्क" in card


def test_hindi_card_has_its_description_in_devanagari(shop) -> None:
    card = _card(shop, "EP-101", "hi")
    assert "सरसों के तेल में आम का अचार।" in card and "Mango pickle" not in card, card


def test_every_seed_product_has_a_hindi_and_an_urdu_description() -> None:
    import csv

    from catalog.descriptions import SEED, _seed

    with open(SEED / "products.csv", encoding="utf-8") as fh:
        parents = {row["sku"] for row in csv.DictReader(fh) if "/" not in row["sku"]}
    assert set(_seed()) == parents
    for sku, (_, translated) in _seed().items():
        assert re.search("[\u0900-\u097f]", translated["hi"]), sku
        assert re.search("[\u0600-\u06ff]", translated["ur"]), sku


def test_english_card_is_unchanged(shop) -> None:
    card = _card(shop, "PC-101", "en")
    assert "Peshawar" in card and "Khaddar and Embroidery Heirloom" in card
    assert "Hand-stitched Peshawari chappal from Central Jail Peshawar." in card


def test_a_renamed_town_or_edited_description_is_shown_as_stored(shop) -> None:
    with transaction(shop) as s:
        jail = s.scalars(select(Jail).where(Jail.code == "PSW")).one()
        jail.town = "Peshawar Cantt"
        product = s.scalars(select(Product).where(Product.sku == "PC-101")).one()
        product.description = "New stitching, softer sole."
    card = _card(shop, "PC-101", "ur")
    assert "Peshawar Cantt" in card and "New stitching, softer sole." in card


async def test_urdu_summary_names_the_country_in_urdu(shop) -> None:
    slots = {**PAKISTAN, "cart": ["PC-101/9:1"], "language": "ur"}
    _, msgs = await run(ActionOrderSummary(), tracker("", slots=slots))
    text = msgs[0]["text"]
    assert "پاکستان" in text and "Pakistan" not in text


async def test_english_summary_keeps_the_english_name(shop) -> None:
    _, msgs = await run(ActionOrderSummary(), tracker("", slots={**INDIA, "cart": ["KS-101:1"]}))
    assert "India" in msgs[0]["text"]


def test_flood_texts_are_in_the_notices_catalog() -> None:
    import bot.core.conversation as conversation

    assert not hasattr(conversation, "BURST_TEXTS") and not hasattr(conversation, "FLOOD_TEXTS")
    for kind in ("flood_burst", "flood_minute"):
        assert set(notices.TEXTS[kind]) == set(notices.LANGUAGES)
    assert "چند سیکنڈ" in notices.TEXTS["flood_burst"]["ur"]


def test_every_seed_product_has_a_name_in_each_script() -> None:
    """Urdu lists mixed English names ("Kullu Shawl (Nahan weave)") for the 41 products
    without an Urdu name."""
    import csv

    from catalog.descriptions import SEED

    with open(SEED / "products.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert re.search("[\\u0900-\\u097f]", row["name_hi"]), row["sku"]
            assert re.search("[\\u0600-\\u06ff]", row["name_ur"]), row["sku"]
