"""Shared by the issue 12 buyer tests (tests/test_buyer_*.py): delivery details, placing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.checkout import ActionPlaceOrder
from catalog.models import Jail
from catalog.refs import parse_ref
from tests.rasa_support import run, tracker

ROOT = Path(__file__).resolve().parents[1]
FORM = ["buyer_name", "buyer_phone", "buyer_address", "buyer_country", "buyer_postal_code"]
INDIA = {
    "buyer_name": "Asha Verma",
    "buyer_phone": "+919876543210",
    "buyer_address": "12 Mall Road, Shimla",
    "buyer_country": "India",
    "buyer_postal_code": "171001",
}
UK = {**INDIA, "buyer_country": "United Kingdom", "buyer_postal_code": "SW1A 1AA"}
PAKISTAN = {
    "buyer_name": "Sana Khan",
    "buyer_phone": "+923001234567",
    "buyer_address": "House 4, Street 9, University Town",
    "buyer_country": "Pakistan",
    "buyer_postal_code": "25000",
}


def psw_sku(sessions: sessionmaker[Session]) -> str:
    with sessions() as s:
        jail = s.scalars(select(Jail).where(Jail.code == "PSW")).one()
        plain = [p for p in jail.products if p.variant_kind is None and p.parent_id is None]
        return next(p.sku for p in plain if p.active and p.stock > 5)


async def place(slots: dict, sender: str = "te-buyer1") -> tuple[int, list[dict]]:
    _, msgs = await run(
        ActionPlaceOrder(), tracker("yes", intent="affirm", slots=slots, sender=sender)
    )
    number = parse_ref(msgs[0]["text"].split("Order ")[1].split(" ")[0])
    assert number is not None, msgs
    return number, msgs


def methods_in(msg: dict) -> list[str]:
    return [b["payload"].split('"method":"')[1].split('"')[0] for b in msg.get("buttons") or []]
