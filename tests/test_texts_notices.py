"""Notifications to buyers (shipped, cancelled, payments) in the language stored on the customer,
with amounts as that buyer reads them."""

from __future__ import annotations

import re
import string

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog import customers, notices, orders, outbox
from catalog.db import transaction
from catalog.models import Notification
from catalog.orders import CartLine, Delivery, place_once
from catalog.refs import ref

DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_notice_in_four_languages_with_the_same_placeholders() -> None:
    for kind, by_language in notices.TEXTS.items():
        assert set(by_language) == set(notices.LANGUAGES), kind
        for code in notices.LANGUAGES:
            assert fields(by_language[code]) == fields(by_language["en"]), (kind, code)
        assert not DEVANAGARI.search(by_language["hi-Latn"] + by_language["ur"]), kind


def _order(sessions: sessionmaker[Session], sender: str, language: str, sku: str, to: Delivery):
    with transaction(sessions) as s:
        customers.set_language(s, sender, language)
    oid = place_once(sessions, sender, [CartLine(sku, 1)], to, idempotency_key=sender)[0]
    with transaction(sessions) as s:
        order = orders.get_order(s, oid)
        order.tracking = "EK123456789IN"
        outbox.order_shipped(s, order)
        outbox.payment_receipt(s, order, order.total_minor, "cod", "R-1")
    with sessions() as s:
        texts = s.scalars(
            select(Notification.text)
            .join(Notification.customer)
            .where(Notification.customer.has(sender_id=sender))
            .order_by(Notification.id)
        ).all()
    return oid, list(texts)


PESHAWAR = Delivery("Sana Khan", "+923001234567", "5 Saddar Road, Peshawar", "25000", "Pakistan")
SHIMLA = Delivery("Asha Verma", "+919876543210", "12 Mall Road, Shimla", "171001", "India")


@pytest.mark.parametrize(
    ("language", "sku", "to", "shipped", "receipt"),
    [
        ("ur", "PC-101/9", PESHAWAR,
         "آپ کا کاریگر آرڈر {id} بھیج دیا گیا ہے۔ ٹریکنگ: EK123456789IN۔",
         "آرڈر {id} کی ادائیگی مل گئی: Rs 3,500 (کیش آن ڈلیوری)۔ ریفرنس: R-1۔ شکریہ!"),
        ("hi-Latn", "PC-101/9", PESHAWAR,  # romanized Urdu in Pakistan: Latin letters, "Rs"
         "Aapka Kaarigar order {id} bhej diya gaya hai. Tracking: EK123456789IN.",
         "Order {id} ka payment mil gaya: Rs 3,500 (cash on delivery). Ref: R-1. Shukriya!"),
        ("hi-Latn", "KS-102", SHIMLA,
         "Aapka Kaarigar order {id} bhej diya gaya hai. Tracking: EK123456789IN.",
         "Order {id} ka payment mil gaya: ₹4,200 (cash on delivery). Ref: R-1. Shukriya!"),
        ("en", "KS-102", SHIMLA,
         "Your Kaarigar order {id} has been shipped. Tracking: EK123456789IN.",
         "Payment received for Kaarigar order {id}: ₹4,200 by cash on delivery. Ref: R-1. Thank you!"),
    ],
)  # fmt: skip
def test_buyers_are_told_in_their_language(seeded, language, sku, to, shipped, receipt) -> None:
    oid, texts = _order(seeded, f"n-{language}-{sku}", language, sku, to)
    assert texts == [shipped.format(id=ref(oid)), receipt.format(id=ref(oid))]


def test_an_unknown_stored_language_reads_as_english(seeded) -> None:
    oid, texts = _order(seeded, "n-xx", "xx", "KS-102", SHIMLA)
    assert texts[0] == f"Your Kaarigar order {ref(oid)} has been shipped. Tracking: EK123456789IN."
