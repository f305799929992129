"""The message catalogs (every key in all four languages, the same placeholders, each in its own
script) and button payloads kept whole whatever their length."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.catalog import PAGE
from actions.search import ActionSearchProducts
from actions.texts import CATALOGS, LANGUAGES, TEXTS, payload, t
from bot.core.state import MemoryStore
from bot.handlers.telegram import CALLBACK_LIMIT, CallbackTokens
from catalog import search
from tests.rasa_support import run, tracker

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
ARABIC = re.compile(r"[\u0600-\u06FF]")
LONG_QUERY = "कुल्लू का ऊनी शॉल और स्टोल और टोपी दिखाओ सर्दियों के लिए"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_four_languages_with_every_key() -> None:
    assert LANGUAGES == ("en", "hi", "hi-Latn", "ur")
    keys = set(CATALOGS["en"])
    for code in LANGUAGES:
        assert set(CATALOGS[code]) == keys, code
    assert all(set(TEXTS[key]) == set(LANGUAGES) for key in keys)


@pytest.mark.parametrize("code", ["hi", "hi-Latn", "ur"])
def test_placeholders_match_english(code: str) -> None:
    for key, english in CATALOGS["en"].items():
        assert fields(CATALOGS[code][key]) == fields(english), (code, key)


def test_each_catalog_is_in_its_script() -> None:
    for key, text in CATALOGS["hi-Latn"].items():  # a Latin-script reader never gets Devanagari
        assert not DEVANAGARI.search(text) and not ARABIC.search(text), key
    for key, text in CATALOGS["ur"].items():
        assert not DEVANAGARI.search(text), key
    for key, text in CATALOGS["hi"].items():
        assert not ARABIC.search(text), key
    # every sentence a buyer reads is translated (names, codes and "Menu" may stay alike)
    assert sum(ARABIC.search(text) is not None for text in CATALOGS["ur"].values()) >= 90
    assert sum(v != CATALOGS["en"][k] for k, v in CATALOGS["hi-Latn"].items()) >= 80


def test_text_fills_values_and_falls_back_to_english() -> None:
    assert t("results", "hi-Latn") == "Yeh mila:"
    assert t("how_many", "hi-Latn") == "Kitne chahiye? Number likhiye."
    assert t("results", "ur") == "یہ ملا:"
    assert t("added", "en", qty=2, name="Cap", total="₹700") == (
        "Added 2 x Cap to your cart. Cart total: ₹700."
    )
    assert t("results", "ta") == t("results", None) == "Here is what I found:"


def test_payloads_are_never_cut() -> None:
    long = payload("search_product", product="bhadohi hand-knotted silk wool carpet extra", page=3)
    assert json.loads(long.removeprefix("/search_product")) == {
        "product": "bhadohi hand-knotted silk wool carpet extra",
        "page": "3",
    }
    devanagari = payload("search_product", product=LONG_QUERY, page=1)
    assert len(devanagari.encode()) > CALLBACK_LIMIT
    assert json.loads(devanagari.removeprefix("/search_product"))["product"] == LONG_QUERY
    assert payload("product_details", product="KS-101") == '/product_details{"product":"KS-101"}'


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


async def test_more_for_a_long_devanagari_query_searches_the_whole_query(shop) -> None:
    trk = tracker(LONG_QUERY, intent="search_product", slots={"language": "hi"})
    _, msgs = await run(ActionSearchProducts(), trk)
    more = msgs[0]["buttons"][-1]
    assert more["title"] == "और दिखाओ"
    assert more["payload"].startswith("/search_product{")
    entities = json.loads(more["payload"].removeprefix("/search_product"))
    assert entities == {"product": LONG_QUERY, "page": "1"}

    # pressing it: the second page of the whole query, not of its first word
    pressed = tracker(more["payload"], intent="search_product", entities=entities,
                      slots={"language": "hi"})  # fmt: skip
    _, page2 = await run(ActionSearchProducts(), pressed)
    with shop() as s:
        whole = search.search(s, LONG_QUERY, limit=PAGE, offset=PAGE).products
        first_word = search.search(s, LONG_QUERY.split()[0], limit=PAGE, offset=PAGE).products
    skus = [json.loads(b["payload"].removeprefix("/product_details"))["product"]
            for b in page2[0]["buttons"] if b["payload"].startswith("/product_details")]  # fmt: skip
    assert skus == [p.sku for p in whole] and skus
    assert skus != [p.sku for p in first_word]


async def test_telegram_carries_a_payload_of_any_length_through_a_token() -> None:
    tokens = CallbackTokens(MemoryStore(), "test")
    for text in (payload("search_product", product=LONG_QUERY, page=1),
                 payload("search_product", product="शॉल " * 300, page=2)):  # fmt: skip
        data = await tokens.encode(text)
        assert len(data.encode()) <= CALLBACK_LIMIT and data != text
        assert await tokens.decode(data) == text
    short = payload("product_details", product="KS-101")
    assert await tokens.encode(short) == short
