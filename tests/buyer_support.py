"""Shared by the issue 12 buyer tests (tests/test_buyer_*.py): delivery details, placing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.checkout import ActionPlaceOrder
from actions.payment import use_settings
from bot.ops.settings import load
from catalog import payment_methods
from catalog.db import transaction
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


@pytest.fixture
def shop(seeded: sessionmaker[Session], tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The seeded shop with the demo payment defaults (no gateway): Indian jails COD,
    Peshawar COD and a manual transfer to the seed's details."""
    with transaction(seeded) as s:
        payment_methods.apply_defaults(s, gateway=False)
    db.use(seeded)
    use_settings(load(KAARIGAR_MEDIA_DIR=str(tmp_path)))
    yield seeded
    db.use(None)
    use_settings(None)
