"""Issue 12, found by a tester: an invoice shown as text writes its amount for its buyer (as
every amount the actions write), and a turn Rasa took without a word reads back as the menu in
the buyer's language."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.messages import Invoice
from bot.core.rasa_client import FALLBACK_TEXTS, MESSAGE_KEY, replies_after, to_reply
from bot.handlers.whatsapp import render

PKR = ("Kaarigar order KG-0007", "1 x chappal", "p" * 43, "PKR", (("Order KG-0007", 350_000),))


@pytest.mark.parametrize(
    ("language", "country", "shown"),
    [
        ("en", "GB", "PKR 3,500"),  # in the UK "Rs" reads as Indian rupees
        ("ur", "GB", "PKR 3,500"),  # the country decides when known
        ("en", "PK", "Rs 3,500"),
        ("ur", None, "Rs 3,500"),  # Urdu only when no country is known
        ("hi", None, "PKR 3,500"),
    ],
)
def test_an_invoice_as_text_writes_the_amount_for_its_buyer(
    language: str, country: str | None, shown: str
) -> None:
    invoice = Invoice(*PKR, language=language, country=country)
    assert invoice.as_text() == f"Kaarigar order KG-0007: {shown}"


def test_the_invoice_json_names_its_reader_and_whatsapp_knows_the_number() -> None:
    custom = dict(zip(("title", "description", "payload", "currency"), PKR[:4], strict=True))
    custom["prices"] = [["Order KG-0007", 350_000]]
    reply = to_reply({"custom": {"text": "Pay", "invoice": {**custom, "country": "GB"}}})
    assert reply is not None and reply.invoice is not None
    assert reply.invoice.as_text().endswith(": PKR 3,500")
    reply = to_reply({"custom": {"text": "Pay", "invoice": custom}})  # says nobody
    assert reply is not None and reply.invoice is not None
    assert [o.body for o in render([reply], "GB")] == ["Pay\nKaarigar order KG-0007: PKR 3,500"]
    assert [o.body for o in render([reply], "PK")] == ["Pay\nKaarigar order KG-0007: Rs 3,500"]


def _turn(text: str, *before: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        *before,
        {"event": "user", "text": text, "metadata": {MESSAGE_KEY: "whatsapp:M1"}},
        {"event": "action", "name": "action_listen"},
    ]


@pytest.mark.parametrize(
    ("events", "language"),
    [
        (_turn("پشاوری چپل"), "ur"),
        (_turn("चप्पल दिखाओ"), "hi"),
        (_turn("chappal dikhao", {"event": "slot", "name": "language", "value": "hi-Latn"}), "hi-Latn"),
        (_turn("ok", {"event": "slot", "name": "language", "value": "ur"}), "ur"),
        (_turn("hello"), "en"),
    ],
)  # fmt: skip
def test_a_silent_turn_reads_back_as_the_menu_in_the_buyers_language(
    events: list[dict[str, Any]], language: str
) -> None:
    [reply] = replies_after(events, "whatsapp:M1") or []
    assert reply.text == FALLBACK_TEXTS[language]
    if language in ("hi", "ur"):  # category names in the buyer's script, payloads in English
        assert all(not b.title.isascii() and b.payload.isascii() for b in reply.buttons)
