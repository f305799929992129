"""Staff commands that need more than the database: /photo (fetches the attached image) and
the guided /add, whose draft lives in the StateStore with a TTL."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from bot.core.messages import Inbound, Reply
from bot.core.state import key
from bot.staff.commands import Ctx, as_member, find_member, product_for
from bot.staff.deps import StaffDeps
from bot.staff.parse import Command, UsageError, amount, count, need
from catalog import admin, categories, photos, products
from catalog import staff as staffing
from catalog.errors import InvalidInput
from catalog.models import Jail
from catalog.money import fmt

DRAFT_TTL = 15 * 60.0  # seconds a half-finished /add waits for the next answer
SKIP_WORDS = frozenset({"skip", "no", "none", "later", "छोड़ो", "chhodo", "nahi", "नहीं"})
STEPS = ("name", "category", "price", "stock", "photo")
PROMPTS = {
    "name": "Name?",
    "category": "Category? " + ", ".join(categories.ALL),
    "price": "Price? (e.g. 450)",
    "stock": "How many in stock?",
    "photo": "Send a photo, or 'skip'.",
}


def draft_key(inbound: Inbound) -> str:
    """The StateStore key of a sender's /add draft (the id is hashed, not stored)."""
    digest = hashlib.sha256(f"{inbound.channel}:{inbound.user_id}".encode()).hexdigest()[:20]
    return key("staff", "draft", digest)


async def _image(inbound: Inbound, deps: StaffDeps) -> bytes | str:
    """The attached image's bytes, or a one-line reason it can't be used."""
    if not inbound.media_url:
        return "Attach a photo to the message."
    try:
        data = await deps.fetch_media(inbound)
    except Exception:  # noqa: BLE001 - any download failure: ask again, never crash the bot
        return "Couldn't fetch the photo; please send it again."
    try:
        photos.check(data)
    except InvalidInput as exc:
        return f"Photo refused: {exc}."
    return data


async def photo(inbound: Inbound, deps: StaffDeps, cmd: Command) -> list[Reply] | None:
    """/photo SKU with an image: store it by content hash and make it the product photo."""
    if (
        await asyncio.to_thread(find_member, deps.sessions, inbound.channel, inbound.user_id)
        is None
    ):
        return None
    data: bytes | str = b""
    if cmd.args:
        data = await _image(inbound, deps)
    waiting: list[str] = []  # the SKU whose photo may come alone next

    def work(ctx: Ctx) -> str:
        need(cmd, 1, "a SKU")
        product = product_for(ctx, cmd.args[0])
        if not inbound.media_url:
            waiting.append(product.sku)
            return (
                "Attach a photo to the message: send the photo now, "
                f"or with the caption /photo {product.sku}."
            )
        if isinstance(data, str):
            return data
        name = photos.store(data, deps.media_dir)
        products.set_photo(ctx.session, product.sku, name, actor=ctx.actor, channel=ctx.channel)
        return f"Photo set for {product.sku}."

    text = await asyncio.to_thread(
        as_member, deps.sessions, inbound.channel, inbound.user_id, work, "photo"
    )
    if text is not None and waiting:
        await deps.state.set_json(photo_key(inbound), waiting[0], PHOTO_WAIT)
    return None if text is None else [Reply(text)]


PHOTO_WAIT = 300.0  # seconds a bare "/photo SKU" waits for the photo sent alone


def photo_key(inbound: Inbound) -> str:
    """The StateStore key of the SKU a sender's next photo alone is for (the id hashed)."""
    digest = hashlib.sha256(f"{inbound.channel}:{inbound.user_id}".encode()).hexdigest()[:20]
    return key("staff", "photo", digest)


async def awaited_photo(inbound: Inbound, deps: StaffDeps) -> list[Reply] | None:
    """A photo sent alone just after a bare "/photo SKU": it is that product's photo (once)."""
    if not inbound.media_url or (inbound.text or "").strip():
        return None
    sku = await deps.state.get_json(photo_key(inbound))
    if not isinstance(sku, str):
        return None
    await deps.state.delete(photo_key(inbound))
    return await photo(inbound, deps, Command("photo", (sku,), sku, True))


async def start_add(inbound: Inbound, deps: StaffDeps, cmd: Command) -> list[Reply] | None:
    """/add: open a draft for the sender's jail (admins name the jail)."""
    started: dict[str, Any] = {}

    def work(ctx: Ctx) -> str:
        if ctx.scope is None:
            need(cmd, 1, "the jail code (admins: /add KND)")
            jail: Jail | None = products.jail_by_code(ctx.session, cmd.args[0])
        else:
            jail = ctx.member.jail
        if jail is None:
            return "You have no jail on record; ask an admin to register you again."
        started.update(step="name", jail_id=jail.id)
        return f"New product for {jail.code}. Name? (/cancel to stop)"

    text = await asyncio.to_thread(
        as_member, deps.sessions, inbound.channel, inbound.user_id, work, "add"
    )
    if text is None:
        return None
    if started:
        await deps.state.set_json(draft_key(inbound), started, DRAFT_TTL)
    return [Reply(text)]


async def abandon(inbound: Inbound, deps: StaffDeps) -> list[Reply] | None:
    """/cancel with no order number while a draft is open: drop the draft."""
    await deps.state.delete(draft_key(inbound))
    if (
        await asyncio.to_thread(find_member, deps.sessions, inbound.channel, inbound.user_id)
        is None
    ):
        return None
    return [Reply("New product abandoned; nothing was added.")]


def _answer(draft: dict[str, Any], text: str) -> str | None:
    """Put one answer into the draft; returns a one-line complaint if it doesn't fit."""
    step = draft["step"]
    try:
        if step == "name":
            products.check_name(text)
            draft["name"] = text
        elif step == "category":
            cat = text.lower()
            if cat.isdigit() and 1 <= int(cat) <= len(categories.ALL):
                cat = categories.ALL[int(cat) - 1]
            if cat not in categories.ALL:
                return "Category must be one of: " + ", ".join(categories.ALL)
            draft["category"] = cat
        elif step == "price":
            draft["price_minor"] = amount(text)
            products.check_price(draft["price_minor"])
        elif step == "stock":
            draft["stock"] = count(text, "the stock")
            admin.check_stock(draft["stock"])
    except (UsageError, InvalidInput) as exc:
        return f"{str(exc)[:1].upper()}{str(exc)[1:]}. {PROMPTS[step]}"
    return None


async def continue_add(
    inbound: Inbound, deps: StaffDeps, draft: dict[str, Any]
) -> list[Reply] | None:
    """The next answer of a guided /add; the last one (the photo) creates the product."""
    k = draft_key(inbound)
    if (
        await asyncio.to_thread(find_member, deps.sessions, inbound.channel, inbound.user_id)
        is None
    ):
        await deps.state.delete(k)
        return None
    text = (inbound.text or "").strip()
    if draft["step"] != "photo":
        problem = _answer(draft, text)
        if problem is not None:
            await deps.state.set_json(k, draft, DRAFT_TTL)
            return [Reply(problem)]
        draft["step"] = STEPS[STEPS.index(draft["step"]) + 1]
        await deps.state.set_json(k, draft, DRAFT_TTL)
        return [Reply(PROMPTS[draft["step"]])]
    data: bytes | str | None = None
    if inbound.media_url:
        data = await _image(inbound, deps)
        if isinstance(data, str):
            return [Reply(f"{data} {PROMPTS['photo']}")]
    elif text.lower() not in SKIP_WORDS:
        return [Reply(PROMPTS["photo"])]

    def work(ctx: Ctx) -> str:
        jail = ctx.session.get(Jail, draft["jail_id"])
        if jail is None:
            return "That jail is gone; nothing was added."
        staffing.check_jail(ctx.member, jail.id)
        name = photos.store(data, deps.media_dir) if isinstance(data, bytes) else None
        product = admin.create_product(
            ctx.session,
            jail,
            name=draft["name"],
            category=draft["category"],
            price_minor=draft["price_minor"],
            stock=draft["stock"],
            photo=name,
            actor=ctx.actor,
            channel=ctx.channel,
        )
        price = fmt(product.price_minor, product.currency)
        return (
            f"Added {product.sku} {product.name}, {price}, stock {product.stock}. /undo removes it."
        )

    await deps.state.delete(k)
    reply = await asyncio.to_thread(
        as_member, deps.sessions, inbound.channel, inbound.user_id, work, "add"
    )
    return None if reply is None else [Reply(reply)]
