"""/photo with an attached image and the guided /add, with its draft in the StateStore."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from bot.staff import flows as staff_flows
from catalog import photos
from catalog.models import AuditEntry, Product
from catalog.photos import MAX_PHOTO_BYTES
from tests.staff_support import ADMIN_TG, BUYER_WA, JPEG, KND_TG, KND_WA, PNG, StaffEnv


@pytest.mark.parametrize(("user", "text"), [(KND_TG, "/photo KS-101"), (KND_WA, "photo KS-101")])
async def test_photo_is_stored_by_hash(staff_env: StaffEnv, user: str, text: str):
    staff_env.media.files["https://m/1"] = PNG
    assert await staff_env.say(text, user, media_url="https://m/1") == "Photo set for KS-101."
    name = staff_env.product("KS-101").photo
    assert name == hashlib.sha256(PNG).hexdigest()[:32] + ".png"
    assert (staff_env.deps.media_dir / name).read_bytes() == PNG
    with staff_env.sessions() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.after) == ("photo", {"photo": name})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.4 not an image", "Photo refused: that is not a JPEG, PNG, WebP or GIF image."),
        (JPEG + b"0" * MAX_PHOTO_BYTES, "Photo refused: the photo is over 5 MB."),
        (None, "Couldn't fetch the photo; please send it again."),
    ],
    ids=["not-image", "too-big", "fetch-fails"],
)
async def test_photo_refused(staff_env: StaffEnv, data: bytes | None, expected: str):
    if data is not None:
        staff_env.media.files["u"] = data
    before = staff_env.snapshot()
    assert await staff_env.say("/photo KS-101", media_url="u") == expected
    assert staff_env.product("KS-101").photo is None
    assert staff_env.snapshot() == before
    assert not staff_env.deps.media_dir.exists() or not any(staff_env.deps.media_dir.iterdir())


async def test_photo_unknown_sku_fetches_nothing_from_buyers(staff_env: StaffEnv):
    staff_env.media.files["u"] = PNG
    assert await staff_env.say("photo KS-101", BUYER_WA, media_url="u") is None
    assert staff_env.media.fetched == []


async def test_add_guided_flow_on_whatsapp_with_photo(staff_env: StaffEnv):
    say = staff_env.say
    assert await say("add", KND_WA) == "New product for KND. Name? (/cancel to stop)"
    assert (await say("Himachali Cap", KND_WA)).startswith("Category? handloom, furniture")
    assert await say("hats", KND_WA) == (
        "Category must be one of: " + ", ".join(__import__("catalog.products").products.CATEGORIES)
    )
    assert await say("Handloom", KND_WA) == "Price? (e.g. 450)"
    assert (await say("0", KND_WA)).startswith("A price must be more than zero. Price?")
    assert await say("450", KND_WA) == "How many in stock?"
    assert (await say("-1", KND_WA)).startswith("Stock cannot go below zero")
    assert await say("10", KND_WA) == "Send a photo, or 'skip'."
    staff_env.media.files["p"] = JPEG
    reply = await say("", KND_WA, media_url="p")
    assert reply == "Added KND-101 Himachali Cap, ₹450, stock 10. /undo removes it."
    p = staff_env.product("KND-101")
    assert (p.category, p.price_minor, p.stock, p.currency) == ("handloom", 45000, 10, "INR")
    assert p.photo.endswith(".jpg")
    # The draft is gone: plain chat goes to Rasa again.
    assert await say("Himachali Cap", KND_WA) is None


async def test_add_on_telegram_skip_photo_then_undo(staff_env: StaffEnv):
    for text in ("/add", "Sheesham Chair", "furniture", "1800", "4"):
        await staff_env.say(text)
    assert await staff_env.say("skip") == (
        "Added KND-101 Sheesham Chair, ₹1,800, stock 4. /undo removes it."
    )
    assert await staff_env.say("/undo") == "Undone: new product KND-101 taken off sale, stock 0."
    p = staff_env.product("KND-101")
    assert (p.active, p.stock) == (False, 0)
    assert await staff_env.say("/undo") == "Can't undo: there is nothing of yours to undo."


async def test_add_cancel_and_commands_still_work_midway(staff_env: StaffEnv):
    await staff_env.say("/add")
    await staff_env.say("Woollen Socks")
    assert await staff_env.say("/stock KS-101 11") == "KS-101 stock 12 → 11."  # slash: a command
    assert (await staff_env.say("handloom")) == "Price? (e.g. 450)"  # draft kept
    assert await staff_env.say("/cancel") == "New product abandoned; nothing was added."
    assert await staff_env.say("100") is None
    with staff_env.sessions() as s:
        assert s.scalar(select(Product).where(Product.sku.startswith("KND-"))) is None


async def test_add_draft_times_out(staff_env: StaffEnv, monkeypatch: pytest.MonkeyPatch):
    import asyncio

    monkeypatch.setattr(staff_flows, "DRAFT_TTL", 0.05)
    await staff_env.say("/add")
    await asyncio.sleep(0.1)
    assert await staff_env.say("Woollen Socks") is None  # to Rasa; nothing pending


async def test_admin_add_needs_jail_code(staff_env: StaffEnv):
    assert (await staff_env.say("/add", ADMIN_TG)).startswith("Give the jail code")
    assert await staff_env.say("/add PSW", ADMIN_TG) == "New product for PSW. Name? (/cancel to stop)"
    for text in ("Peshawari Chappal", "leather", "3500", "6"):
        await staff_env.say(text, ADMIN_TG)
    assert (await staff_env.say("skip", ADMIN_TG)).startswith("Added PSW-101 Peshawari Chappal, Rs 3,500")
    assert staff_env.product("PSW-101").currency == "PKR"


def test_photo_urls_for_buyers(tmp_path):
    name = photos.store(PNG, tmp_path)
    base = "https://shop.example.org/"
    assert photos.public_url(name, base) == f"https://shop.example.org/media/{name}"
    assert photos.public_url(name, None) is None  # nothing to serve it from: send no image
    assert photos.public_url("https://cdn.example.org/a.jpg", None) == "https://cdn.example.org/a.jpg"
    assert photos.public_url("/static/a.jpg", base) == "https://shop.example.org/static/a.jpg"
    assert photos.path_of(name, tmp_path) == tmp_path / name
    for bad in ("../x.png", "a/b.png", ".x.png", "a.b.png", "x.txt", "missing.png", ""):
        assert photos.path_of(bad, tmp_path) is None, bad
