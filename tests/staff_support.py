"""Fixtures for the staff command tests: registered staff, a buyer, StaffDeps, a `say` helper."""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.messages import Inbound
from bot.core.state import MemoryStore
from bot.staff.route import StaffDeps, handle
from catalog import staff as staffing
from catalog.db import transaction
from catalog.models import AuditEntry, Product, StockMove
from catalog.orders import CartLine, Delivery, place_once

KND_TG = "1001"  # staff of Model Central Jail Kanda on Telegram
KND_WA = "+919800000001"  # the same jail's staff on WhatsApp
NHN_TG = "2002"  # staff of Model Jail Nahan
NHN_WA = "+919800000003"  # Nahan's staff on WhatsApp
ADMIN_TG = "9009"
BUYER_TG = "5555"
BUYER_WA = "+447700900123"

DELIVERY = Delivery("A Buyer", "+919811111111", "1 Mall Road, Shimla", "171001")

# Whole images (photos.check parses the file, not only its magic bytes).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b550000000a49444154789c63"
    "6000000002000148afa4710000000049454e44ae426082"
)
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b"
    "0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e3334"
    "32ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708"
    "090a0bffc400b5100002010303020403050504040000017d0102030004110512213141061351610722711432"
    "8191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a43444546474849"
    "4a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3"
    "a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9ea"
    "f1f2f3f4f5f6f7f8f9faffda0008010100003f00f9febfffd9"
)


def variant(image: bytes, n: int) -> bytes:
    """The same PNG or JPEG with a one-byte comment, so each has its own hash and stored name."""
    if image.startswith(b"\xff\xd8"):
        return image[:2] + b"\xff\xfe\x00\x03" + bytes([n]) + image[2:]
    chunk = b"tEXtn\x00" + bytes([n])
    crc = zlib.crc32(chunk).to_bytes(4, "big")
    return image[:33] + (len(chunk) - 4).to_bytes(4, "big") + chunk + crc + image[33:]

_ids = itertools.count(1)


@dataclass
class FakeMedia:
    """What a front end's media download would return, by URL."""

    files: dict[str, bytes] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    async def __call__(self, inbound: Inbound) -> bytes:
        assert inbound.media_url is not None
        self.fetched.append(inbound.media_url)
        if inbound.media_url not in self.files:
            raise OSError("404")
        return self.files[inbound.media_url]


@dataclass
class StaffEnv:
    deps: StaffDeps
    media: FakeMedia

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.deps.sessions

    async def say(
        self,
        text: str,
        user: str = KND_TG,
        channel: str | None = None,
        media_url: str | None = None,
    ) -> str | None:
        """Send one message through ``handle``; the reply text (lines joined) or None."""
        channel = channel or ("whatsapp" if user.startswith("+") else "telegram")
        inbound = Inbound(
            channel=channel,
            user_id=user,
            message_id=str(next(_ids)),
            text=text,
            media_url=media_url,
            media_type="image/jpeg" if media_url else None,
        )
        replies = await handle(inbound, self.deps)
        if replies is None:
            return None
        assert len(replies) == 1
        return replies[0].text

    def product(self, sku: str) -> Product:
        with self.sessions() as s:
            return s.scalars(select(Product).where(Product.sku == sku)).one()

    def snapshot(self) -> tuple[int, int, int]:
        """Counts of ledger rows, audit rows and the stock total: equal means nothing changed."""
        with self.sessions() as s:
            return (
                s.scalar(select(func.count(StockMove.id))) or 0,
                s.scalar(select(func.count(AuditEntry.id))) or 0,
                s.scalar(select(func.sum(Product.stock))) or 0,
            )


@pytest.fixture
def staff_env(seeded: sessionmaker[Session], tmp_path: Path) -> StaffEnv:
    """The seeded catalog with KND staff (Telegram and WhatsApp), NHN staff and an admin."""
    with transaction(seeded) as s:
        staffing.add(s, "telegram", KND_TG, role="staff", jail_code="KND")
        staffing.add(s, "whatsapp", KND_WA, role="staff", jail_code="KND")
        staffing.add(s, "telegram", NHN_TG, role="staff", jail_code="NHN")
        staffing.add(s, "whatsapp", NHN_WA, role="staff", jail_code="NHN")
        staffing.add(s, "telegram", ADMIN_TG, role="admin", jail_code=None)
    media = FakeMedia()
    deps = StaffDeps(
        sessions=seeded, state=MemoryStore(), fetch_media=media, media_dir=tmp_path / "media"
    )
    return StaffEnv(deps, media)


def buyer_order(sessions: sessionmaker[Session], sku: str, quantity: int = 1, sid: str = "tg-b1") -> int:
    """A buyer's order placed as the bot would place it; returns its id."""
    ids = place_once(
        sessions, sid, [CartLine(sku, quantity)], DELIVERY, idempotency_key=f"k-{next(_ids)}"
    )
    return ids[0]
